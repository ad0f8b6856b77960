"""User data from .npy / .npz files of shape (N, d)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import _validate


def load_array(path: str | Path, name: str = "data", d: int | None = None) -> np.ndarray:
    """Load a finite (N, d) float64 array from ``.npy`` or ``.npz``.

    An ``.npz`` must hold one array, or an array called ``X``.
    """
    return _validate.matrix(name, _read(path, name), d).astype(np.float64)


def open_array(path: str | Path, name: str = "data", d: int | None = None) -> np.ndarray:
    """Open an (N, d) real array without copying it: a read-only memmap for ``.npy``.

    ``.npz`` members cannot be memory-mapped and are loaded. Shape and dtype are checked here;
    finiteness is not (that would read the whole file): stream it chunk by chunk, as
    :func:`geomem.memorization.nearest_neighbors` does.
    """
    return _validate.matrix(name, _read(path, name, mmap_mode="r"), d, finite=False)


def _read(path: str | Path, name: str, mmap_mode: str | None = None) -> np.ndarray:
    path = Path(path)
    if path.suffix not in (".npy", ".npz"):
        _validate.fail(name, "a .npy or .npz file", str(path))
    if not path.is_file():
        _validate.fail(name, "an existing readable file", str(path))
    try:
        loaded = np.load(path, allow_pickle=False, mmap_mode=mmap_mode)
    except Exception as exc:  # numpy raises several kinds for corrupt files
        _validate.fail(name, "a readable .npy/.npz file", f"{path} ({type(exc).__name__}: {exc})")
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            keys = list(loaded.keys())
            if "X" in keys:
                arr = loaded["X"]
            elif len(keys) == 1:
                arr = loaded[keys[0]]
            else:
                _validate.fail(
                    name, "an .npz with one array or an array named 'X'", f"arrays {keys}"
                )
    else:
        arr = loaded
    return arr
