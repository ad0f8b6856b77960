"""The paper's probe estimator of a network Jacobian's singular values (docs/science.md §5).

It returns a ``Spectrum`` of singular values. The exact route is
``jacobian_spectrum(score, x, t, method="autodiff")`` (torch.func, chunked, with the asymmetry
||J - J^T|| / ||J|| recorded); the matrix-free route lives in ``geomem.spectra.lanczos``.
"""

from __future__ import annotations

import numpy as np
import torch

from geomem import _validate
from geomem.scores.base import Score
from geomem.spectra.jacobian import _check_points, _time
from geomem.spectra.spectrum import Spectrum


def orthogonal_probes(d: int, n_probes: int, rng: np.random.Generator) -> np.ndarray:
    """(K, d) probe directions: the rows of ceil(K/d) Haar-random orthogonal matrices."""
    blocks = []
    for _ in range(-(-n_probes // d)):
        q, r = np.linalg.qr(rng.standard_normal((d, d)))
        blocks.append((q * np.sign(np.diag(r))).T)
    return np.concatenate(blocks)[:n_probes]


def probe_spectrum(
    score: Score,
    x0,
    t,
    *,
    n_probes: int | None = None,
    rng: np.random.Generator,
    probe_sigma: float | None = None,
    paper: bool = True,
) -> Spectrum:
    """The paper's probe estimator of the Jacobian's singular values (docs/science.md §5).

    Scores at x0 + h q_i (h = ``probe_sigma``, default sigma_t, the forward noise of the
    level) for the K rows q_i of random orthogonal matrices, stacked
    as S (K, d) and divided by h. With ``paper=True``: singular values of S / h, the largest
    dropped, divided by the maximum of the rest -> (B, d - 1) values. With ``paper=False``: the
    score at x0 is subtracted first (finite differences, S - s(x0) ~ h Q J^T), the result is
    scaled by sqrt(d / K) and by v, giving estimates of the singular values of v J_VE -> (B, d).
    K defaults to d (the paper's image code uses 4d).
    """
    if paper:  # the authors' read-out, ascending
        vals = probe_singular_values(
            score, x0, t, rng=rng, n_probes=n_probes, probe_sigma=probe_sigma
        )
        return Spectrum(vals[:, ::-1].copy(), float(_time(score, t)[2]), "probes", "singular")
    x0 = _check_points(x0, score.d)
    t, sigma, v = _time(score, t)
    d = score.d
    K = d if n_probes is None else _validate.positive_int("n_probes", n_probes)
    h = sigma if probe_sigma is None else _validate.positive("probe_sigma", probe_sigma)
    Q = torch.as_tensor(orthogonal_probes(d, K, rng), dtype=x0.dtype)
    out = []
    with torch.no_grad():
        for xi in x0:
            S = score(xi[None] + h * Q, t).to(torch.float64) - score(xi[None], t).to(torch.float64)
            sv = torch.linalg.svdvals(S / h)
            out.append((sv * np.sqrt(d / K) * sigma**2).flip(0))  # ascending, of sigma^2 J
    return Spectrum(torch.stack(out).cpu().numpy(), v, "probes", "singular")


def probe_singular_values(
    score: Score,
    x0,
    t,
    *,
    rng: np.random.Generator,
    n_probes: int | None = None,
    draws: int = 1,
    drop: int = 1,
    probe_sigma: float | None = None,
) -> np.ndarray:
    """The authors' read-out (``analyze_spectrum.py``, ``compute_singular_values_orthg``):
    (B, min(K, d) - drop) singular values, descending, of S / sigma_t with S (K, d) the scores
    at x0 + sigma_t q_i for the K rows q_i of Haar-orthogonal matrices, the ``drop`` largest
    dropped and the rest divided by their maximum; averaged over ``draws`` independent draws.

    For each draw r = 0 .. R-1 one probe set Q_r = ``orthogonal_probes(d, K, rng)`` is drawn
    and used at every point, so a call consumes ``rng`` the same way for any B. K defaults
    to d (the authors': one d x d orthogonal matrix); their code has R = 1, drop = 1. The score
    at x0 is not subtracted: for a linear score s(x) = A x the values are those of A at x0 = 0
    when K is a multiple of d (the probe rows are then a tight frame, Q^T Q = (K/d) I).
    ``probe_sigma`` replaces sigma_t as the probes' step h (scores at x0 + h q_i, over h).
    """
    x0 = _check_points(x0, score.d)
    t, sigma, _ = _time(score, t)
    d = score.d
    K = d if n_probes is None else _validate.positive_int("n_probes", n_probes)
    R = _validate.positive_int("draws", draws)
    if isinstance(drop, bool) or not isinstance(drop, int) or not 0 <= drop < min(K, d):
        _validate.fail("drop", f"an integer in [0, {min(K, d) - 1}]", drop)
    h = sigma if probe_sigma is None else _validate.positive("probe_sigma", probe_sigma)
    total = np.zeros((x0.shape[0], min(K, d) - drop))
    with torch.no_grad():
        for _ in range(R):
            Q = torch.as_tensor(orthogonal_probes(d, K, rng), dtype=x0.dtype, device=x0.device)
            for b, xi in enumerate(x0):
                S = score(xi[None] + h * Q, t).to(torch.float64) / h
                sv = torch.linalg.svdvals(S)[drop:]
                total[b] += (sv / sv.max().clamp(min=1e-300)).cpu().numpy()
    return total / R


def probe_scan(score: Score, points, ts, *, rng: np.random.Generator, **kw) -> np.ndarray:
    """(L, B, min(K, d) - drop) ``probe_singular_values`` at the points (L, B, d) of each time
    ``ts`` (L,), in order, drawing every level's probes from the one ``rng``."""
    out = [
        probe_singular_values(score, x, t, rng=rng, **kw) for x, t in zip(points, ts, strict=True)
    ]
    return np.stack(out)
