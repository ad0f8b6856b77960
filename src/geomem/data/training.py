"""The training set of a run: a preset's seeded draw, or a user's array file."""

from __future__ import annotations

import numpy as np

from geomem import _validate, seeds
from geomem.data.files import file_sha256, load_array
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


def data_file_rows(path: str, sha256: str, n_rows: int | None = None, name: str = "data"):
    """The first ``n_rows`` rows (all when None) of the data file ``path`` as a float64 array
    (n_rows, d), after checking that its bytes still hash to ``sha256`` (a run's recorded
    data): another file, or the same file changed, fails with one line."""
    got = file_sha256(path, name)
    if got != sha256:
        _validate.fail(
            name, f"the run's data file (sha256 {sha256[:12]}...)", f"{path} (sha256 {got[:12]}...)"
        )
    X = load_array(path, name=name)
    return np.array(X[: len(X) if n_rows is None else n_rows], dtype=np.float64)


def data_file_fields(path: str, name: str = "data") -> dict:
    """What a run records of a data file: {data_file, data_sha256, data_shape} (shape (N, d))
    of a finite real (N, d) ``.npy``/``.npz`` at ``path`` (one-line failure otherwise)."""
    X = load_array(path, name=name)
    return {"data_file": str(path), "data_sha256": file_sha256(path, name), "data_shape": X.shape}
