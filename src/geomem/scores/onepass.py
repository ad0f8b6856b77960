"""EmpiricalScore's covariance routes when all B x N weights fit in memory (docs/science.md §4).

One logits GEMM per call (the expansion -(|x|^2 - 2 alpha x.y + alpha^2 |y|^2) / (2 sigma^2)
in four in-place passes, ``weights.logits_``, then the maximum subtracted), one subnormal-free
exp; m, T = sum w |y - c|^2, the moment sums or each query's kept rows all come
from these unnormalised weights e = exp(lg - max lg), the factor 1 / sum_mu e applied to
B-vectors and gathered rows, never to the B x N matrix.

Dense C at large d: per query, numpy's ``Z.T @ Z`` (a BLAS syrk: half the multiply-adds of a
GEMM, measured 1.9x faster than torch's bmm at d = 784) on Z = sqrt(w)(y - m) over the query's
kept rows, in blocks of rows.
"""

from __future__ import annotations

import numpy as np
import torch

from geomem.scores import moments
from geomem.scores.rows import own_rows
from geomem.scores.weights import exp_shifted_, logits_

WHOLE_ELEMENTS = 1 << 22  # hold all B N weights when B N <= 2^22 float64 (32 MiB) or N <= chunk
SYRK_D = 128  # dense C by per-query syrk from d > SYRK_D (CPU); below, batched GEMMs
ROWS_ELEMENTS = 1 << 24  # rows of Z formed at once: ~128 MiB of float64


def fits(score, B: int) -> bool:
    """Whether the (B, N) weights of B queries are held at once."""
    return score.N <= score.chunk_size or B * score.N <= WHOLE_ELEMENTS


def weights(score, x, a, s):
    """x (B, d), alpha, sigma (B, 1) -> e (B, N) = exp(lg - M) (< 1e-300 set to 0) of the
    logits lg = -|x - alpha y_mu|^2 / (2 sigma^2) (``EmpiricalScore._logits``), M = max lg,
    its row sums (B,), and log Z (B,) = log sum_mu exp(lg)."""
    lg, M = logits_(x @ score.Y.T, x, a, s, score.y2, shift=True)  # as EmpiricalScore._logits
    e = exp_shifted_(lg)
    S = e.sum(1)
    return e, S, M + torch.log(S)


def covariance(score, x, a, s, gram: bool, symmetric: bool):
    """The covariance pass on held weights: (log Z (B,), m (B, d), route, out) with ("gram",
    Z (B, k, d)), k < d rows sqrt(w)(y - m) per query (ascending index, zero-padded; only if
    ``gram``), or ("dense", C (B, d, d)), the full matrix if ``symmetric`` else at least its
    lower triangle. Same rules as EmpiricalScore's streamed pass (moment route where usable,
    pairs with w |y - m|^2 <= rtol v / N skipped)."""
    e, S, logZ = weights(score, x, a, s)
    m = (e @ score.Y) / S[:, None]
    v = ((s / a) ** 2)[:, 0]
    if score.moments and score.d <= moments.MAX_D:
        c, q, phi = moments._state(score)
        if moments.usable((e @ q) / S, v, score.d, score.rtol):
            C = moments.covariance(moments.sums(e, score.Y, c, phi), score.d, symmetric)
            return logZ, m, "dense", C
    e, Y = _kept(score, e, S, m, v)
    k = int((e > 0).sum(1).max()) if e.shape[1] else 0
    scale = 1.0 / S
    if gram and k < score.d:
        B, d = x.shape[0], score.d
        Z, _ = own_rows(e, Y, m, False, [e.new_empty(0)], scale)
        return logZ, m, "gram", e.new_zeros(B, 0, d) if Z is None else Z
    if score.d > SYRK_D and score.device.type == "cpu":
        return logZ, m, "dense", _syrk_dense(e, Y, m, scale)
    return logZ, m, "dense", _batched_dense(e, Y, m, scale)


def _kept(score, e, S, m, v):
    # zero the pairs with w |y - m|^2 <= rtol v / N; |y - m|^2 by one GEMM over the columns
    # that some query weighs (all N at large noise, few at small noise)
    N = score.N
    any_w = e.amax(0) > 0
    if 2 * int(any_w.sum()) <= N:
        cols = torch.nonzero(any_w)[:, 0]
        e, Y, y2 = e[:, cols], score.Y[cols], score.y2[cols]
    else:
        Y, y2 = score.Y, score.y2
    dist2 = (m @ Y.T).mul_(-2.0).add_(y2).add_((m**2).sum(1, keepdim=True)).clamp_min_(0)
    floor = (score.rtol * v / N * S)[:, None]
    return e.masked_fill_(dist2.mul_(e) <= floor, 0.0), Y


def _batched_dense(e, Y, m, scale):
    # C = sum_b-batched Z^T Z over blocks of kept rows (small d)
    B, n = e.shape
    d = Y.shape[1]
    C = e.new_zeros(B, d, d)
    space = [e.new_empty(0)]
    step = max(1, ROWS_ELEMENTS // max(1, B * d))
    for c in range(0, n, step):
        Z, _ = own_rows(e[:, c : c + step], Y[c : c + step], m, True, space, scale)
        if Z is not None:
            C.baddbmm_(Z.transpose(1, 2), Z)
    return C


def _syrk_dense(e, Y, m, scale):
    # per query: C_b = Z_b^T Z_b, Z_b = sqrt(w_b)(y - m_b) over its kept rows (all rows, the
    # others with weight 0, when it keeps more than half: no gather), by numpy's syrk
    (B, n), d = e.shape, Y.shape[1]
    C = np.zeros((B, d, d), dtype=np.float64 if e.dtype == torch.float64 else np.float32)
    step = max(1, ROWS_ELEMENTS // d)
    buf = Y.new_empty(min(n, step), d)
    for b in range(B):
        w = e[b] * scale[b]
        idx = torch.nonzero(w)[:, 0]
        rows = None if 2 * idx.shape[0] > n else idx
        for c in range(0, n if rows is None else rows.shape[0], step):
            j = slice(c, c + step) if rows is None else rows[c : c + step]
            Yb, wb = Y[j], w[j]
            Z = torch.sub(Yb, m[b], out=buf[: Yb.shape[0]]).mul_(wb.sqrt()[:, None]).numpy()
            C[b] += Z.T @ Z  # the same buffer transposed: numpy calls syrk
    return torch.from_numpy(C)
