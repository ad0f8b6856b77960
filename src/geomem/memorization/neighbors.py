"""Exact k nearest training points of each query, streamed over the training set
(docs/science.md §9).

Per chunk of training points x_j, one GEMM per block of queries writes the keys
||x_j||^2 - 2 q.x_j (||q - x_j||^2 less the row constant ||q||^2) into a reused
(queries x chunk) buffer, seen as groups of ``_WIDTH`` consecutive columns. One pass of
group minima then does all the selecting: a query whose chunk holds nothing at or below its
current k-th best is skipped (after the first chunks about k/j of the rows can change in chunk
j), and for the others the k smallest keys of the chunk lie in the k groups with the smallest
minima (any key outside them has k smaller group minima below it), so the top-k runs over
[best k | those k groups] (k + k * _WIDTH numbers) instead of the whole chunk.
Far from the origin (a query mean larger than a tenth of the queries' spread) both sides are
first shifted by the queries' mean, which leaves distances unchanged and keeps the expanded
form accurate; near it the rows are used as they are, without a copy.
The final k distances are then recomputed exactly in float64 from the selected rows,
which removes the cancellation error of the expanded form.
Memory is flat in N: one chunk of training points and one (queries x chunk) block of
distances at a time; a numpy memmap is read chunk by chunk and never copied whole.

Distances are reported as ||q - x|| / sqrt(d) (sqrt(m) after a projection on an (d, m) basis),
the convention of Gu et al. 2023's ``mem_ratio.py``; ratios d1/d2 do not depend on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from geomem import _validate
from geomem.memorization.rows import (
    as_dtype,
    as_queries,
    as_train,
    check_basis,
    check_finite,
    gather_rows,
    rows,
)

_WIDTH = 64  # columns per group of the top-k pre-selection (a multiple of 16 floats)
_OFFSET = 0.01  # centre when ||mean||^2 > _OFFSET * mean ||q - mean||^2 (the queries' spread)


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
    Q = as_queries(queries)
    X = as_train(train, Q.shape[1])
    U = None if basis is None else check_basis("basis", basis, Q.shape[1])
    M, N = Q.shape[0], X.shape[0]
    if exclude_self and M != N:
        _validate.fail("exclude_self", f"queries with as many rows as train (N = {N})", f"M = {M}")
    k_max = N - 1 if exclude_self else N
    if not 1 <= k <= k_max:
        _validate.fail("k", f"an integer in [2, {k_max}] (at most the number of candidates)", k)
    chunk_size = _validate.positive_int("chunk_size", chunk_size)
    query_chunk = _validate.positive_int("query_chunk", query_chunk)
    dtype = as_dtype(dtype)
    device = torch.device(device)
    mu = _shift(Q, U)  # distances are shift-invariant; centring keeps the expanded form
    if mu is None:  # accurate far from the origin; near it the rows are used as they are
        q, mu_t = torch.as_tensor(Q, dtype=dtype).to(device), None
    else:
        q, mu_t = _centred(Q, mu, U, dtype, device), torch.as_tensor(mu, dtype=dtype, device=device)
    U_t = None if U is None else torch.as_tensor(U, dtype=dtype, device=device)
    _, best_i = _stream(q, X, k, mu_t, U_t, exclude_self, chunk_size, query_chunk)
    return _exact(Q, X, best_i.cpu().numpy(), U, query_chunk)


def _shift(Q, U, rows: int = 256) -> np.ndarray | None:
    """The queries' mean (d,) float64 when the rows are to be shifted by it (always with a
    basis; without one when ||mean||^2 > _OFFSET * mean ||q - mean||^2), else None."""
    mu = Q.mean(0, dtype=np.float64)
    if U is not None:
        return mu
    spread = 0.0
    for s in range(0, Q.shape[0], rows):  # no (M, d) float64 temporary
        spread += float(np.square(Q[s : s + rows] - mu).sum())
    return mu if float(mu @ mu) > _OFFSET * spread / Q.shape[0] else None


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
    """(M, k) squared-distance keys (minus ||q||^2) and indices of the k nearest rows of X;
    ``mu`` (or None: no shift) is subtracted from every training row first."""
    M, N = q.shape[0], X.shape[0]
    if not bool(torch.isfinite(torch.linalg.vector_norm(q, dim=1).square()).all()):
        _validate.fail(
            "queries", f"values whose squares fit in {q.dtype} (try float64)", "an overflow"
        )
    best_d = torch.full((M, k), math.inf, dtype=q.dtype, device=q.device)
    best_i = torch.full((M, k), -1, dtype=torch.int64, device=q.device)
    n_max = min(chunk_size, N)
    w = min(_WIDTH, n_max)
    raw = None if mu is None else torch.empty(n_max, X.shape[1], dtype=q.dtype, device=q.device)
    block = torch.empty(min(query_chunk, M), -(-n_max // w) * w, dtype=q.dtype, device=q.device)
    for start in range(0, N, chunk_size):
        stop = min(start + chunk_size, N)
        x = rows(X, start, stop, q.dtype, q.device)
        x = x if mu is None else torch.sub(x, mu, out=raw[: stop - start])
        x = x if U is None else x @ U
        x2 = torch.linalg.vector_norm(x, dim=1).square_()  # no (n, d) temporary
        if not bool(torch.isfinite(x2).all()):  # NaN/inf anywhere in a row reach its norm
            _not_finite(X, start, stop, q.dtype)
        n, S = stop - start, -(-(stop - start) // w)
        for qs in range(0, M, query_chunk):
            b = slice(qs, min(qs + query_chunk, M))
            D = block[: b.stop - qs, : S * w]
            torch.addmm(x2[None, :], q[b], x.T, alpha=-2.0, out=D[:, :n])
            D[:, n:] = math.inf  # the last group's padding
            if exclude_self:
                _mask_self(D, qs, b.stop, start, stop)
            _update(D.view(D.shape[0], S, w), best_d[b], best_i[b], start)
        del x, x2
    return best_d, best_i


def _update(D, best_d, best_i, start):
    """Merge one block of keys D (B, S, w) (S groups of w columns of the chunk at ``start``)
    into the running top-k (views): the rows that can change, the k groups with the smallest
    minima in each, one top-k over [best | those groups]."""
    k, w = best_d.shape[1], D.shape[2]
    mins = D.amin(2)  # (B, S) group minima, the one pass over the block
    rows = torch.nonzero(mins.amin(1) <= best_d.amax(1)).squeeze(1)
    if rows.numel() == 0:
        return
    if rows.numel() < D.shape[0]:
        mins, at = mins.index_select(0, rows), rows
    else:
        rows, at = None, torch.arange(D.shape[0], device=D.device)
    groups = torch.topk(mins, min(k, D.shape[1]), dim=1, largest=False, sorted=False).indices
    cand = D[at[:, None], groups].flatten(1)  # (rows, k w): the k groups of each row
    old_d, old_i = (best_d, best_i) if rows is None else (best_d[rows], best_i[rows])
    vals, pos = torch.topk(torch.cat([old_d, cand], 1), k, dim=1, largest=False, sorted=False)
    idx = _merged(old_i, pos, start, groups, w)
    if rows is None:
        best_d.copy_(vals)
        best_i.copy_(idx)
    else:
        best_d.index_copy_(0, rows, vals)
        best_i.index_copy_(0, rows, idx)


def _merged(best_i, pos, start, groups, w):
    """Training-row indices of top-k positions ``pos`` in [best | groups of w columns]."""
    k = best_i.shape[1]
    p = (pos - k).clamp(min=0)
    col = groups.gather(1, p // w) * w + p % w
    return torch.where(pos < k, best_i.gather(1, pos.clamp(max=k - 1)), col + start)


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
    rows = max(1, min(query_chunk // k, (1 << 18) // (k * Q.shape[1])))  # <= ~256k numbers
    for s in range(0, M, rows):
        e = min(s + rows, M)
        x = gather_rows(X, idx[s:e].ravel()).reshape(e - s, k, -1)
        diff = x - Q[s:e, None, :]
        if U is not None:
            diff = diff @ U
        dist[s:e] = np.sqrt(np.einsum("mkd,mkd->mk", diff, diff)) / math.sqrt(m)
    order = np.lexsort((idx, dist), axis=1)  # by distance, ties by index
    return Neighbors(np.take_along_axis(dist, order, 1), np.take_along_axis(idx, order, 1))
