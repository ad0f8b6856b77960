"""The training set of a run: a preset's seeded draw, or a user's array file."""

from __future__ import annotations

import numpy as np

from geomem import seeds
from geomem.data.files import load_array
from geomem.data.manifolds import LinearManifold, preset


def training_data(
    preset_name: str | None = None,
    n_train: int | None = None,
    seed: int = 0,
    data_file: str | None = None,
) -> tuple[np.ndarray, LinearManifold | None]:
    """The training set X and the manifold it was drawn from.

    Parameters
    ----------
    preset_name : str or None
        A linear-manifold preset; X = preset.sample(n_train, rng(seed, TRAIN)).
    n_train : int or None
        N, the number of points drawn from the preset.
    seed : int
        The run's seed (stream ``geomem.seeds.TRAIN``).
    data_file : str or None
        A ``.npy``/``.npz`` array (N, d) instead of a preset (memory-mapped when float64).

    Returns
    -------
    X : ndarray, shape (N, d)
    manifold : LinearManifold or None
        None for a data file.
    """
    if data_file is not None:
        return load_array(data_file, name="data"), None
    manifold = preset(preset_name)
    return manifold.sample(n_train, seeds.rng(seed, seeds.TRAIN)), manifold
