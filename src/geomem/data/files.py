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


def file_sha256(path: str | Path, name: str = "data") -> str:
    """Hex sha256 of the bytes of the file at ``path`` (read in 1 MiB blocks): the identity of
    a user data file in a run's config.json."""
    import hashlib

    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        _validate.fail(name, "a readable file", f"{path} ({type(exc).__name__})")
    return h.hexdigest()


def data_scale(X: np.ndarray, top: int = 10, max_rows: int = 20_000) -> dict:
    """The per-direction scale of data X (N, d): what the scale-aware defaults read.

    Principal variances lambda_1 >= ... >= lambda_d of the covariance of (at most ``max_rows``
    evenly spaced rows of) X, and the root mean square of its coordinates.

    Returns
    -------
    dict
        ``total_var`` = sum_i lambda_i; ``top_std`` = sqrt(lambda_1 .. lambda_k), k =
        min(top, d); ``rms`` = sqrt(mean x_ij^2) (the EDM sigma_data of the raw coordinates);
        ``rows_used``.
    """
    step = max(1, -(-len(X) // max_rows))
    S = np.asarray(X[::step], dtype=np.float64)
    C = np.atleast_2d(np.cov(S, rowvar=False)) if len(S) > 1 else np.zeros((S.shape[1],) * 2)
    lam = np.clip(np.linalg.eigvalsh(C)[::-1], 0.0, None)
    return {
        "total_var": float(lam.sum()),
        "top_std": [float(s) for s in np.sqrt(lam[: min(top, len(lam))])],
        "rms": float(np.sqrt(np.mean(S**2))),
        "rows_used": len(S),
    }


def scale_defaults(scale: dict) -> dict:
    """Training noise range and ``sigma_data`` from ``data_scale``: with s_1 the top principal
    std, noise_min = 0.01 s_1 and noise_max = 50 max(s_1, rms) (the paper's 0.01 .. 50 for
    unit-scale data), sigma_data = rms; and the ``lid`` noise grid v in [1e-4 s_1^2, s_1^2]."""
    s1 = scale["top_std"][0] if scale["top_std"] else 0.0
    if not s1 > 0:
        _validate.fail("data", "points that are not all equal (a positive variance)", "variance 0")
    big = max(s1, scale["rms"])
    return {
        "noise_min": 0.01 * s1,
        "noise_max": 50.0 * big,
        "sigma_data": scale["rms"] if scale["rms"] > 0 else s1,
        "lid_noise_var": (1e-4 * s1**2, s1**2),
    }
