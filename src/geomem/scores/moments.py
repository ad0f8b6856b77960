"""Posterior covariances from second moments: one GEMM per chunk instead of B (docs/science.md §4).

For a fixed centre c (the training mean),

    C(x) = sum_mu w_mu (y_mu - c)(y_mu - c)^T - (m - c)(m - c)^T,   m - c = sum_mu w_mu (y_mu - c),

so the lower triangles of C for B queries come from one GEMM W (B, N) @ Phi (N, d(d+1)/2 + d + 1)
with Phi_mu = [vech_L((y_mu - c)(y_mu - c)^T), y_mu - c, 1], formed once per training set (cached
on the score while it fits ``CACHE_ELEMENTS``; else ``BLOCK`` rows at a time, each block used
at once while it is in cache). B N d(d+1)/2 multiply-adds
in one GEMM instead of the centred route's B N d^2 in B batched ones.

Rounding: the subtraction cancels. Each entry of the moment sum is off by about eps T with
T = sum_mu w_mu |y_mu - c|^2, so eig(C) moves by at most about d eps T and r = 1 - eig(C)/v by
d eps T / v. The route is taken only when ``SAFETY`` d eps T / v <= min(rtol, ``MAX_ERROR``)
for every query (T comes from the first pass, before the moments are formed); elsewhere
EmpiricalScore keeps its centred route. The phase cell's block moments
(experiments/phase/cell.py) use ``lower_products`` for each block.
"""

from __future__ import annotations

import functools

import torch

from geomem.scores.weights import exp_shifted_

MAX_D = 64  # d(d+1)/2 = 2080 columns at most
BLOCK = 2048  # rows of Phi built at once when it is not cached (d = 30: 8 MiB)
CACHE_ELEMENTS = 1 << 25  # cache Phi while N (d(d+1)/2 + d + 1) <= 2^25 float64 (256 MiB)
SAFETY = 8.0  # factor on the d eps T / v rounding estimate before the route is taken
MAX_ERROR = 1e-12  # the route's rounding budget is min(rtol, MAX_ERROR): the Gram route keeps
# exact zeros for the null directions wherever the moments would blur them further


def lower_products(zT: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """zT (m, n) contiguous coordinates -> (m(m+1)/2, n) rows z_i z_j for j <= i, in the
    row-major lower-triangle order of ``torch.tril_indices(m, m)``; written into ``out`` if
    given. Each product is one contiguous row (vectorised)."""
    m, n = zT.shape
    if out is None:
        out = torch.empty(m * (m + 1) // 2, n, dtype=zT.dtype, device=zT.device)
    off = 0
    for i in range(m):
        torch.mul(zT[: i + 1], zT[i], out=out[off : off + i + 1])
        off += i + 1
    return out


def features(Yc: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Yc (n, d) centred points -> Phi^T (d(d+1)/2 + d + 1, n): lower products, Yc^T, ones;
    written into ``out`` if given."""
    n, d = Yc.shape
    P = d * (d + 1) // 2
    if out is None:
        out = torch.empty(P + d + 1, n, dtype=Yc.dtype, device=Yc.device)
    out[P : P + d] = Yc.T
    lower_products(out[P : P + d], out[:P])
    out[P + d] = 1.0
    return out


def sums(w, Y, c, phi, out=None) -> torch.Tensor:
    """Moment sums w (B, n) @ Phi (n, d(d+1)/2 + d + 1) of the points Y (n, d) about c (d,),
    added to ``out`` (B, d(d+1)/2 + d + 1) if given: from the cached Phi^T ``phi`` (these n
    points' columns) if given, else Phi built ``BLOCK`` rows at a time into one reused
    buffer (cache-sized, never the whole Phi)."""
    if phi is not None:  # (Phi^T w^T)^T: 1.7x faster than w Phi^T with B = 16 (MKL)
        part = (phi @ w.T).T
        return part if out is None else out.add_(part)
    n, d = Y.shape
    cols = d * (d + 1) // 2 + d + 1
    out = w.new_zeros(w.shape[0], cols) if out is None else out
    buf = torch.empty(cols * min(n, BLOCK), dtype=Y.dtype, device=Y.device)
    for start in range(0, n, BLOCK):
        Yb = Y[start : start + BLOCK]
        F = features(Yb - c, buf[: cols * Yb.shape[0]].view(cols, Yb.shape[0]))
        out.add_((F @ w[:, start : start + BLOCK].T).T)
    return out


def usable(T: torch.Tensor, v: torch.Tensor, d: int, rtol: float) -> bool:
    """Whether the moment route's rounding, ~ d eps T / v per normalised eigenvalue, is within
    min(``rtol``, ``MAX_ERROR``) (with the ``SAFETY`` factor) for every query: T (B,), v (B,)
    noise variances. rtol = 0 (exact) never takes it."""
    if d > MAX_D or rtol <= 0:
        return False
    eps = torch.finfo(T.dtype).eps
    return bool(torch.all(SAFETY * d * eps * T <= min(rtol, MAX_ERROR) * v))


def covariance(S: torch.Tensor, d: int, symmetric: bool) -> torch.Tensor:
    """S (B, d(d+1)/2 + d + 1) moment sums [sum w vech_L, sum w (y - c), sum w] -> C (B, d, d):
    C = M / s0 - (s1 / s0)(s1 / s0)^T, the lower triangle only unless ``symmetric`` (the upper
    one then holds -mu_i mu_j)."""
    P = d * (d + 1) // 2
    s0 = S[:, P + d, None]
    mu = S[:, P : P + d] / s0
    lower, upper = _tril_flat(d, str(S.device))
    C = S.new_zeros(S.shape[0], d * d)
    vals = S[:, :P] / s0
    C[:, lower] = vals
    if symmetric:
        C[:, upper] = vals
    return C.view(-1, d, d).baddbmm_(mu[:, :, None], mu[:, None, :], alpha=-1.0)


@functools.lru_cache(maxsize=8)
def _tril_flat(d: int, device: str):
    # flat indices i d + j and j d + i of the lower triangle (j <= i), tril_indices order
    i, j = torch.tril_indices(d, d, device=device)
    return i * d + j, j * d + i


def _state(score):
    # (centre c (d,), q = |y - c|^2 (N,), cached Phi^T or None) of an EmpiricalScore
    if score._moment_cache is None:
        c = score.Y.mean(0)
        q = torch.empty(score.N, dtype=score.dtype, device=score.device)
        for sl in score._chunks():
            torch.sum((score.Y[sl] - c) ** 2, 1, out=q[sl])
        cols = score.d * (score.d + 1) // 2 + score.d + 1
        phi = features(score.Y - c) if score.N * cols <= CACHE_ELEMENTS else None
        score._moment_cache = (c, q, phi)
    return score._moment_cache


def route(score, x, a, s, symmetric: bool):
    """EmpiricalScore's streamed moment route at (x (B, d), alpha (B, 1), sigma (B, 1)): (logZ
    (B,) of the shifted logits (``EmpiricalScore._logits``),
    m (B, d), C (B, d, d)) when ``usable``; (logZ, m, None) when not (the first pass's results,
    to reuse); (None, None, None) when the score does not take it (d > MAX_D or moments off)."""
    if not (score.moments and score.d <= MAX_D):
        return None, None, None
    c, q, phi = _state(score)
    v = ((s / a) ** 2)[:, 0]
    logZ, m, T = score._lse_and_mean(x, a, s, q)
    if not usable(T, v, score.d, score.rtol):
        return logZ, m, None
    S = None
    for sl in score._chunks():
        w = exp_shifted_(score._logits(x, a, s, sl).sub_(logZ[:, None]))
        S = sums(w, score.Y[sl], c, None if phi is None else phi[:, sl], S)
    return logZ, m, covariance(S, score.d, symmetric)
