"""Exact k nearest training points of each query, streamed over the training set
(docs/science.md §9).

Per chunk of training points x_j (shifted by the queries' mean into one reused buffer: the
shift leaves distances unchanged and keeps the expanded form accurate far from the origin),
the keys ||x_j||^2 - 2 q.x_j (||q - x_j||^2 less the row constant ||q||^2) come from one GEMM
written next to the running best k of each query, and one top-k over [best | chunk] merges
them. A row minimum of the block (~1/10 of a top-k's cost) first skips every query whose
chunk holds nothing at or below its current k-th best (about k/j of the rows can change in
chunk j for data in random order), so the top-k runs only over the rows that can change.
The final k distances are then recomputed exactly in float64 from the selected rows,
which removes the cancellation error of the expanded form.
Memory is flat in N: one chunk of training points and one (queries x chunk) block of
distances at a time; a numpy memmap is read chunk by chunk and never copied whole.

Distances are reported as ||q - x|| / sqrt(d) (sqrt(m) after a projection on an (d, m) basis),
the convention of Gu et al. 2023's ``mem_ratio.py``; ratios d1/d2 do not depend on it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from geomem import _validate

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_DENSE = 0.5  # above this fraction of rows to update, the top-k runs over the whole block


@dataclass(frozen=True)
class Neighbors:
    """The k nearest training points of each query, nearest first."""

    distance: np.ndarray  # (M, k) float64, ||q - x|| / sqrt(d), ascending along each row
    index: np.ndarray  # (M, k) int64, rows of the training set

    @property
    def k(self) -> int:
        return self.index.shape[1]


def nearest_neighbors(
    queries,
    train,
    k: int = 2,
    *,
    basis=None,
    exclude_self: bool = False,
    chunk_size: int = 4096,
    query_chunk: int = 1024,
    dtype: torch.dtype | str = torch.float32,
    device: str | torch.device = "cpu",
) -> Neighbors:
    """Exact top-k nearest neighbours of ``queries`` among ``train``, streamed in chunks.

    Parameters
    ----------
    queries : array or tensor (M, d)
        Query points (e.g. generated samples); held in memory.
    train : array, memmap or tensor (N, d)
        Training set; read ``chunk_size`` rows at a time (a memmap is never copied whole).
    k : int
        Number of neighbours, 2 <= k <= N (N - 1 with ``exclude_self``).
    basis : array (d, m), optional
        Orthonormal columns U; distances are then between projections U^T q and U^T x and
        divided by sqrt(m) instead of sqrt(d).
    exclude_self : bool
        The queries are the training set itself (M = N): query i never returns row i.
        Duplicated rows still find each other.
    chunk_size, query_chunk : int
        Training rows per chunk and queries per distance block (memory ~ query_chunk x
        chunk_size + chunk_size x d numbers).
    dtype : torch.float32 | torch.float64 | "float32" | "float64"
        Dtype of the streamed search. The reported distances are always recomputed in float64;
        float32 can only change which of two near-tied points is selected.
    device : str or torch.device

    Returns
    -------
    Neighbors
        ``distance`` (M, k) float64, L2 distance / sqrt(d), ascending (ties: lower index
        first); ``index`` (M, k) int64.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        _validate.fail("k", "an integer >= 2", k, TypeError)
    if k < 2:
        _validate.fail("k", "an integer >= 2", k)
    args = (basis, exclude_self, chunk_size, query_chunk, dtype, device)
    return _nearest(queries, train, int(k), *args)


def _nearest(queries, train, k, basis, exclude_self, chunk_size, query_chunk, dtype, device):
    Q = _queries(queries)
    X = _train(train, Q.shape[1])
    U = None if basis is None else check_basis("basis", basis, Q.shape[1])
    M, N = Q.shape[0], X.shape[0]
    if exclude_self and M != N:
        _validate.fail("exclude_self", f"queries with as many rows as train (N = {N})", f"M = {M}")
    k_max = N - 1 if exclude_self else N
    if not 1 <= k <= k_max:
        _validate.fail("k", f"an integer in [2, {k_max}] (at most the number of candidates)", k)
    chunk_size = _validate.positive_int("chunk_size", chunk_size)
    query_chunk = _validate.positive_int("query_chunk", query_chunk)
    dtype = _dtype(dtype)
    device = torch.device(device)
    mu = Q.mean(0, dtype=np.float64)  # distances are shift-invariant; centring keeps the
    q = _centred(Q, mu, U, dtype, device)  # expanded form accurate far from the origin
    mu_t = torch.as_tensor(mu, dtype=dtype, device=device)
    U_t = None if U is None else torch.as_tensor(U, dtype=dtype, device=device)
    _, best_i = _stream(q, X, k, mu_t, U_t, exclude_self, chunk_size, query_chunk)
    return _exact(Q, X, best_i.cpu().numpy(), U, query_chunk)


def _centred(Q, mu, U, dtype, device, rows: int = 256) -> torch.Tensor:
    """(M, d) or (M, m) queries q - mu (then U^T (q - mu)) in float64, rounded to ``dtype``;
    without a basis in blocks of ``rows`` queries (no (M, d) float64 temporary)."""
    if U is not None:
        return torch.as_tensor((Q - mu) @ U, dtype=dtype, device=device)
    q = torch.empty(Q.shape, dtype=dtype)
    buf = np.empty((min(rows, Q.shape[0]), Q.shape[1]))
    for s in range(0, Q.shape[0], rows):
        e = min(s + rows, Q.shape[0])
        np.subtract(Q[s:e], mu, out=buf[: e - s])
        q[s:e] = torch.from_numpy(buf[: e - s])
    return q.to(device)


def _stream(q, X, k, mu, U, exclude_self, chunk_size, query_chunk):
    """(M, k) squared-distance keys (minus ||q||^2) and indices of the k nearest rows of X."""
    M, N = q.shape[0], X.shape[0]
    if not bool(torch.isfinite(torch.linalg.vector_norm(q, dim=1).square()).all()):
        _validate.fail(
            "queries", f"values whose squares fit in {q.dtype} (try float64)", "an overflow"
        )
    best_d = torch.full((M, k), math.inf, dtype=q.dtype, device=q.device)
    best_i = torch.full((M, k), -1, dtype=torch.int64, device=q.device)
    n_max, qc = min(chunk_size, N), min(query_chunk, M)
    raw = torch.empty(n_max, X.shape[1], dtype=q.dtype, device=q.device)  # reused buffers
    block = torch.empty(qc, k + n_max, dtype=q.dtype, device=q.device)  # [best | chunk]
    for start in range(0, N, chunk_size):
        stop = min(start + chunk_size, N)
        x = torch.sub(_rows(X, start, stop, q.dtype, q.device), mu, out=raw[: stop - start])
        x = x if U is None else x @ U
        x2 = torch.linalg.vector_norm(x, dim=1).square_()  # no (n, d) temporary
        if not bool(torch.isfinite(x2).all()):  # NaN/inf anywhere in a row reach its norm
            _not_finite(X, start, stop, q.dtype)
        for qs in range(0, M, query_chunk):
            b = slice(qs, min(qs + query_chunk, M))
            offset = qs if exclude_self else None
            D = block[: b.stop - qs, : k + stop - start]
            _update(q[b], x, x2, D, best_d[b], best_i[b], start, offset)
        del x, x2
    return best_d, best_i


def _update(q, x, x2, D, best_d, best_i, start, self_offset):
    """Merge one (queries x chunk) block into the running top-k (views), with one top-k.

    D (B, k + n) is a buffer: D[:, :k] = current best, D[:, k:] = ||x||^2 - 2 q.x (one
    GEMM; ||q||^2 is the same along a row, so it is left out of the keys)."""
    k = best_d.shape[1]
    D[:, :k] = best_d
    torch.addmm(x2[None, :], q, x.T, alpha=-2.0, out=D[:, k:])
    if self_offset is not None:
        _mask_self(D[:, k:], self_offset, self_offset + q.shape[0], start, start + x.shape[0])
    rows = None
    if start > 0:  # a row whose chunk holds nothing <= its k-th best keeps its best as it is
        rows = torch.nonzero(D[:, k:].amin(1) <= best_d.amax(1)).squeeze(1)
        if rows.numel() == 0:
            return
        if rows.numel() > _DENSE * D.shape[0]:
            rows = None
    if rows is None:
        vals, pos = torch.topk(D, k, dim=1, largest=False, sorted=False)
        best_i.copy_(_merged(best_i, pos, start))
        best_d.copy_(vals)
        return
    vals, pos = torch.topk(D.index_select(0, rows), k, dim=1, largest=False, sorted=False)
    best_i.index_copy_(0, rows, _merged(best_i.index_select(0, rows), pos, start))
    best_d.index_copy_(0, rows, vals)


def _merged(best_i, pos, start):
    """Training-row indices of top-k positions ``pos`` in [best | chunk] (chunk at ``start``)."""
    k = best_i.shape[1]
    return torch.where(pos < k, best_i.gather(1, pos.clamp(max=k - 1)), pos + (start - k))


def _not_finite(X, start, stop, dtype):
    check_finite(X, "train", stop - start, start, stop)
    _validate.fail("train", f"values whose squares fit in {dtype} (try float64)", "an overflow")


def _mask_self(D, qs, qe, start, stop):
    lo, hi = max(qs, start), min(qe, stop)
    if lo < hi:
        i = torch.arange(lo, hi, device=D.device)
        D[i - qs, i - start] = math.inf


def _exact(Q, X, idx, U, query_chunk):
    M, k = idx.shape
    m = Q.shape[1] if U is None else U.shape[1]
    dist = np.empty((M, k))
    rows = max(1, min(query_chunk // k, (1 << 16) // (k * Q.shape[1])))  # <= ~64k numbers
    for s in range(0, M, rows):
        e = min(s + rows, M)
        x = gather_rows(X, idx[s:e].ravel()).reshape(e - s, k, -1)
        diff = x - Q[s:e, None, :]
        if U is not None:
            diff = diff @ U
        dist[s:e] = np.sqrt(np.einsum("mkd,mkd->mk", diff, diff)) / math.sqrt(m)
    order = np.lexsort((idx, dist), axis=1)  # by distance, ties by index
    return Neighbors(np.take_along_axis(dist, order, 1), np.take_along_axis(idx, order, 1))


def _rows(X, start: int, stop: int, dtype, device) -> torch.Tensor:
    """Rows ``start:stop`` as a tensor, without a copy where the dtype already matches."""
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


def _queries(Q) -> np.ndarray:
    if isinstance(Q, torch.Tensor):
        Q = Q.detach().cpu().numpy()
    Q = _validate.matrix("queries", Q)  # float32 rows stay float32 (exact in float64 maths)
    return Q if Q.dtype in (np.float32, np.float64) else Q.astype(np.float64)


def _train(X, d: int):
    if isinstance(X, torch.Tensor):
        if X.is_complex() or X.dtype == torch.bool:
            _validate.fail("train", "a real numeric tensor", f"dtype {X.dtype}", TypeError)
        shape_only = np.broadcast_to(np.float32(0), tuple(X.shape))  # same checks, no copy
        _validate.matrix("train", shape_only, d, finite=False)
        return X
    return _validate.matrix("train", X, d, finite=False)  # finiteness: chunk by chunk


def _dtype(dtype) -> torch.dtype:
    dtype = _DTYPES.get(dtype, dtype) if isinstance(dtype, str) else dtype
    if dtype not in _NP:
        _validate.fail("dtype", "float32 or float64", dtype)
    return dtype


_NP = {torch.float32: np.float32, torch.float64: np.float64}
