"""User data from .npy / .npz files of shape (N, d)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def load_array(path: str | Path, name: str = "data", d: int | None = None) -> np.ndarray:
    """Load a finite (N, d) float64 array from ``.npy`` or ``.npz``.

    An ``.npz`` must hold one array, or an array called ``X``. A float64 ``.npy`` is returned
    as a read-only memory map (no copy); see ``geomem.boundary.files.read_array``.
    """
    from geomem.boundary.files import read_array

    return read_array(name, path, d)
