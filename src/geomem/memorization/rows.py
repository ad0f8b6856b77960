"""Rows of a training set (array, memmap or tensor) read chunk by chunk, and the input checks
of the neighbour search: queries, training set, basis, dtype."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from geomem import _validate

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_NP = {torch.float32: np.float32, torch.float64: np.float64}


def rows(X, start: int, stop: int, dtype, device) -> torch.Tensor:
    """Rows ``start:stop`` as a tensor, without a copy where the dtype already matches (the
    caller only reads it)."""
    c = X[start:stop]
    if isinstance(c, torch.Tensor):
        return c.detach().to(device=device, dtype=dtype)
    with warnings.catch_warnings():  # read-only (memmap) rows: only read, never written
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(np.ascontiguousarray(c, dtype=_NP[dtype])).to(device)


def chunk(X, start: int, stop: int, dtype, device) -> torch.Tensor:
    """Rows ``start:stop`` of an array, memmap or tensor as a new tensor (callers modify it)."""
    c = X[start:stop]
    if isinstance(c, torch.Tensor):
        return c.detach().to(device=device, dtype=dtype, copy=True)
    return torch.from_numpy(np.array(c, dtype=_NP[dtype])).to(device)  # a memmap is read here


def check_finite(X, name: str, chunk_size: int = 4096, start: int = 0, stop: int | None = None):
    """Fail unless rows ``start:stop`` of ``X`` are finite, reading ``chunk_size`` at a time."""
    stop = X.shape[0] if stop is None else stop
    for s in range(start, stop, chunk_size):
        e = min(s + chunk_size, stop)
        if not bool(torch.isfinite(chunk(X, s, e, torch.float64, "cpu")).all()):
            _validate.fail(name, "finite values", f"NaN/inf in rows {s}..{e - 1}")


def gather_rows(X, idx: np.ndarray) -> np.ndarray:
    """Rows ``idx`` of an array, memmap or tensor, as float64 numpy (reads only those rows)."""
    if isinstance(X, torch.Tensor):
        return X.detach()[torch.as_tensor(idx, device=X.device)].cpu().double().numpy()
    return np.asarray(X[idx], dtype=np.float64)


def check_basis(name: str, U, d: int) -> np.ndarray:
    """Return ``U`` as a float64 (d, m) array with orthonormal columns."""
    U = _validate.matrix(name, U).astype(np.float64)
    if U.shape[0] != d or U.shape[1] > d:
        _validate.fail(name, f"a (d, m) array with d = {d} rows and m <= d", f"shape {U.shape}")
    err = float(np.abs(U.T @ U - np.eye(U.shape[1])).max())
    if err > 1e-6:
        _validate.fail(name, "orthonormal columns (U^T U = I)", f"max |U^T U - I| = {err:.2g}")
    return U


def as_queries(Q) -> np.ndarray:
    """(M, d) float32 or float64 numpy queries (float32 rows stay float32: exact in float64)."""
    if isinstance(Q, torch.Tensor):
        Q = Q.detach().cpu().numpy()
    Q = _validate.matrix("queries", Q)
    return Q if Q.dtype in (np.float32, np.float64) else Q.astype(np.float64)


def as_train(X, d: int):
    """``X`` checked as an (N, d) training set; its finiteness is checked chunk by chunk."""
    if isinstance(X, torch.Tensor):
        if X.is_complex() or X.dtype == torch.bool:
            _validate.fail("train", "a real numeric tensor", f"dtype {X.dtype}", TypeError)
        shape_only = np.broadcast_to(np.float32(0), tuple(X.shape))  # same checks, no copy
        _validate.matrix("train", shape_only, d, finite=False)
        return X
    return _validate.matrix("train", X, d, finite=False)


def as_dtype(dtype) -> torch.dtype:
    """torch.float32 / torch.float64 from a dtype or its name."""
    dtype = _DTYPES.get(dtype, dtype) if isinstance(dtype, str) else dtype
    if dtype not in _NP:
        _validate.fail("dtype", "float32 or float64", dtype)
    return dtype
