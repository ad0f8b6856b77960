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


AVERAGES = ("raw", "normalized")
# The authors' network grid (analyze_spectrum.py: AnalysisConfig.time_steps =
# linspace(0.8, 1e-5, 100); plots_synthetic_theory.ipynb plots t_steps = range(4, 100, 2)).
AUTHORS_NETWORK_T = np.linspace(0.8, 1e-5, 100)[4:100:2]  # 48 VE times, descending


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
    average: str = "raw",
) -> np.ndarray:
    """The authors' read-out: (B, min(K, d) - drop) values, descending, from the singular
    values of S_r / sigma_t, S_r (K, d) the scores at x0 + sigma_t q_i for the K rows q_i of
    the Haar-orthogonal probe set Q_r of draw r = 0 .. R-1.

    ``average="raw"`` (default, the authors' order): the R vectors of singular values, each
    sorted descending, are averaged rank by rank, then the ``drop`` largest are dropped and the
    rest divided by their maximum,  v = drop_norm(mean_r sv(S_r / sigma_t)).
    ``average="normalized"`` (geomem's earlier order): each draw is dropped and normalised
    first, then averaged,  v = mean_r drop_norm(sv(S_r / sigma_t)).  For R = 1 they coincide.

    Source (``beatriceachilli/losing-dimensions``, ``synthetic-experiments/``): one draw is
    ``analyze_spectrum.py`` ``compute_singular_values_orthg`` (lines 38-52: scores at
    z * std + mean, z = ortho_group.rvs(dim), divided by std, ``torch.linalg.svdvals``,
    descending) and its drop and normalisation (lines 82-88: ``sv[1:]``, ``sv / max``; one
    draw, R = 1). The average over draws is the final figure cell of
    ``plots_synthetic_theory.ipynb`` (the one saving ``three_subplots.png``), "PLOT 3"
    (empirical score, ``num_reps = 5``): ``s = estimate_spectrum_ortho(...)``, ``s_avg += s``,
    ``singular_values.append(s_avg/num_reps)``, then ``singular_values[idx][in_idx:] /
    np.max(singular_values[idx][in_idx:])`` with ``in_idx = 6``: raw values averaged, then
    dropped, then normalised. (The stored copy of the notebook reached here lacks the cell
    defining ``estimate_spectrum_ortho``; its values are read as the same descending singular
    values as ``compute_singular_values_orthg``, the name and its use suggest.)

    For each draw one probe set Q_r = ``orthogonal_probes(d, K, rng)`` is drawn and used at
    every point, so a call consumes ``rng`` the same way for any B. K defaults to d (the
    authors': one d x d orthogonal matrix). The score at x0 is not subtracted: for a linear
    score s(x) = A x the values are those of A at x0 = 0 when K is a multiple of d (the probe
    rows are then a tight frame, Q^T Q = (K/d) I), in either order.
    ``probe_sigma`` replaces sigma_t as the probes' step h (scores at x0 + h q_i, over h).
    """
    x0 = _check_points(x0, score.d)
    t, sigma, _ = _time(score, t)
    d = score.d
    K = d if n_probes is None else _validate.positive_int("n_probes", n_probes)
    R = _validate.positive_int("draws", draws)
    if isinstance(drop, bool) or not isinstance(drop, int) or not 0 <= drop < min(K, d):
        _validate.fail("drop", f"an integer in [0, {min(K, d) - 1}]", drop)
    if average not in AVERAGES:
        _validate.fail("average", f"one of {list(AVERAGES)}", average)
    h = sigma if probe_sigma is None else _validate.positive("probe_sigma", probe_sigma)
    raw = np.zeros((R, x0.shape[0], min(K, d)))
    with torch.no_grad():
        for r in range(R):
            Q = torch.as_tensor(orthogonal_probes(d, K, rng), dtype=x0.dtype, device=x0.device)
            for b, xi in enumerate(x0):
                S = score(xi[None] + h * Q, t).to(torch.float64) / h
                raw[r, b] = torch.linalg.svdvals(S).cpu().numpy()  # descending
    if average == "raw":
        return drop_normalize(raw.mean(axis=0), drop)
    return np.mean([drop_normalize(s, drop) for s in raw], axis=0)


def drop_normalize(sv: np.ndarray, drop: int) -> np.ndarray:
    """(..., n) singular values -> (..., n - drop): sorted descending, the ``drop`` largest
    dropped, divided by the largest remaining (0 stays 0)."""
    s = -np.sort(-np.asarray(sv, dtype=np.float64), axis=-1)[..., drop:]
    return s / np.maximum(s.max(axis=-1, keepdims=True), 1e-300)


def probe_scan(score: Score, points, ts, *, rng: np.random.Generator, **kw) -> np.ndarray:
    """(L, B, min(K, d) - drop) ``probe_singular_values`` at the points (L, B, d) of each time
    ``ts`` (L,), in order, drawing every level's probes from the one ``rng`` (``kw``: its
    ``n_probes``, ``draws``, ``drop``, ``probe_sigma``, ``average``)."""
    out = [
        probe_singular_values(score, x, t, rng=rng, **kw) for x, t in zip(points, ts, strict=True)
    ]
    return np.stack(out)
