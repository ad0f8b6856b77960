"""User data from .npy / .npz files of shape (N, d)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import _validate


def load_array(path: str | Path, name: str = "data", d: int | None = None) -> np.ndarray:
    """Load a finite (N, d) float64 array from ``.npy`` or ``.npz``.

    An ``.npz`` must hold one array, or an array called ``X``. A float64 ``.npy`` is returned
    as a read-only memory map (no copy); see ``geomem.boundary.files.read_array``.
    """
    from geomem.boundary.files import read_array

    return read_array(name, path, d)


def open_array(path: str | Path, name: str = "data", d: int | None = None) -> np.ndarray:
    """Open an (N, d) real array without copying it: a read-only memmap for ``.npy``.

    ``.npz`` members cannot be memory-mapped and are loaded. Shape and dtype are checked here;
    finiteness is not (that would read the whole file): stream it chunk by chunk, as
    :func:`geomem.memorization.nearest_neighbors` does.
    """
    from geomem.boundary.files import open_array as _open

    return _validate.matrix(name, _open(name, path), d, finite=False)
