"""Boundary checks shared by the theory modules (house message shape of ``geomem._validate``)."""

from __future__ import annotations

import numpy as np

from geomem import _validate

# Beyond these the sums of the REM formulas (std^4, v^2 (v + std^2)) overflow float64; a
# request there is refused rather than answered with NaN or a silent 0.
MAX_STD = 1e50
MAX_NOISE_VAR = 1e100


def stds(values) -> np.ndarray:
    """(K,) finite stds > 0 from a non-empty list."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0:
        _validate.fail("stds", "a non-empty list of positive numbers", list(arr.ravel()))
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        _validate.fail("stds", "finite numbers > 0", arr.tolist())
    if np.any(arr > MAX_STD):
        _validate.fail("stds", f"stds <= {MAX_STD:g} (std^4 overflows beyond)", float(arr.max()))
    return arr


def dims(values, n_blocks: int) -> np.ndarray:
    """(K,) ints >= 1, one per block; None gives ones."""
    if values is None:
        return np.ones(n_blocks, dtype=int)
    values = list(values)
    if len(values) != n_blocks:
        _validate.fail("dims", f"one entry per std ({n_blocks})", values)
    return np.asarray([_validate.positive_int("dims", m) for m in values], dtype=int)


def n_train(N) -> float:
    """N as a float >= 2 (ln N must be > 0)."""
    if isinstance(N, bool) or not isinstance(N, int | float | np.integer | np.floating):
        _validate.fail("n_train", "a number >= 2", N, TypeError)
    if not np.isfinite(N) or N < 2:
        _validate.fail("n_train", "a number >= 2 (ln N > 0)", N)
    return float(N)


def noise_vars(values, name: str = "noise_var") -> np.ndarray:
    """(L,) finite noise variances > 0 (scalars become length-1 arrays)."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0:
        _validate.fail(name, "a non-empty list of positive numbers", list(arr.ravel()))
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        _validate.fail(name, "finite numbers > 0", arr.tolist())
    if np.any(arr > MAX_NOISE_VAR):
        _validate.fail(
            name, f"noise variances <= {MAX_NOISE_VAR:g} (v^3 overflows beyond)", float(arr.max())
        )
    return arr
