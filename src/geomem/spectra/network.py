"""The paper's probe estimator of a network Jacobian's singular values (SCIENCE.md §5).

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
    """The paper's probe estimator of the Jacobian's singular values (SCIENCE.md §5).

    Scores at x0 + h q_i (h = ``probe_sigma``, default sigma_t, the forward noise of the
    level) for the K rows q_i of random orthogonal matrices, stacked
    as S (K, d) and divided by h. With ``paper=True``: singular values of S / h, the largest
    dropped, divided by the maximum of the rest -> (B, d - 1) values. With ``paper=False``: the
    score at x0 is subtracted first (finite differences, S - s(x0) ~ h Q J^T), the result is
    scaled by sqrt(d / K) and by v, giving estimates of the singular values of v J_VE -> (B, d).
    K defaults to d (the paper's image code uses 4d).
    """
    x0 = _check_points(x0, score.d)
    t, sigma, v = _time(score, t)
    d = score.d
    K = d if n_probes is None else _validate.positive_int("n_probes", n_probes)
    h = sigma if probe_sigma is None else _validate.positive("probe_sigma", probe_sigma)
    Q = torch.as_tensor(orthogonal_probes(d, K, rng), dtype=x0.dtype)
    out = []
    with torch.no_grad():
        for xi in x0:
            S = score(xi[None] + h * Q, t).to(torch.float64)
            if not paper:
                S = S - score(xi[None], t).to(torch.float64)
            sv = torch.linalg.svdvals(S / h)
            out.append(_normalise(sv, paper, d, K, sigma, v))
    return Spectrum(torch.stack(out).cpu().numpy(), v, "probes", "singular")


def _normalise(sv: torch.Tensor, paper: bool, d: int, K: int, sigma: float, v: float):
    if paper:
        rest = sv[1:]
        return (rest / rest.max()).flip(0)
    return (sv * np.sqrt(d / K) * sigma**2).flip(0)  # ascending singular values of sigma^2 J
