"""The six panels' values: (L, n) ordered singular values, descending, after the drop and the
normalisation, averaged over query points, with the noise variance of each row.

Authors' protocol (row 1): theory = the REM heuristic's singular values sv_i (geomem.theory.rem),
exact = the probe read-out of the empirical score at the origin, network = the probe read-out at
one fresh manifold point (their analysis regenerates the data without a seed). geomem's protocol
(row 2): theory = geomem's reading of the same heuristic, r_i = min(1, v sv_i) with the preset's
raw stds (``geomem.theory.predict``, mapping "rem"); exact and network = the same probe read-out
at training points plus matched noise, x = y0 + sqrt(v) z (the network at its own training set).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geomem import seeds
from geomem.data.manifolds import preset
from geomem.data.queries import query_points
from geomem.experiments.paper_figure.config import (
    DROP,
    EXACT_SIGMA,
    NETWORK_T,
    RENORM_RANK,
    THEORY_NOISE_VAR,
    THEORY_STDS,
)
from geomem.schedules import VE
from geomem.scores import EmpiricalScore
from geomem.spectra.network import drop_normalize, probe_scan
from geomem.theory.predict import manifold_blocks, predicted_block_spectra
from geomem.theory.rem import rem_singular_values

PANEL_IDS = {"exact-origin": 0, "exact-train": 1, "network-fresh": 2, "network-train": 3}


@dataclass(frozen=True)
class Panel:
    """One panel: values (L, n) against 1-based ranks (n,), one row per noise variance (L,)."""

    model: str  # theory | exact | network
    where: str  # what the score is read at: origin | fresh | train | none (theory)
    noise_var: np.ndarray  # (L,)
    values: np.ndarray  # (L, n) descending, dropped, normalised (and renormalised if asked)
    drop: int

    @property
    def ranks(self) -> np.ndarray:
        """(n,) 1-based rank of each column: value j is the (j + drop + 1)-th largest."""
        return np.arange(self.values.shape[1]) + self.drop + 1


def renormalize(values: np.ndarray, drop: int, rank: int) -> np.ndarray:
    """Values (L, n) from ``rank`` on, divided by the value at ``rank`` (their network cell)."""
    j = rank - drop - 1
    return values / values[:, j : j + 1]


def theory_authors(n_train: float) -> Panel:
    """The REM heuristic as their theory cell: sv_i for stds 1 / 0.3 / 1e-6 (2 / 5 / 23
    directions), gate 0, the 7 largest dropped, divided by the max."""
    rem = rem_singular_values(THEORY_STDS, n_train, THEORY_NOISE_VAR, dims=(2, 5, 23))
    sv = np.repeat(rem.sv, (2, 5, 23), axis=1)
    return Panel("theory", "none", THEORY_NOISE_VAR, drop_normalize(sv, DROP["theory"]), 7)


def theory_geomem(preset_name: str, n_train: float) -> Panel:
    """geomem's reading of the heuristic: r_i = min(1, v sv_i) with the preset's raw stds
    (thickness 0.01), spread over each block's directions, then the same drop and norm."""
    _, dims, _ = manifold_blocks(preset_name)
    r = predicted_block_spectra(preset_name, n_train, THEORY_NOISE_VAR, mapping="rem")
    vals = drop_normalize(np.repeat(r, dims, axis=1), DROP["theory"])
    return Panel("theory", "none", THEORY_NOISE_VAR, vals, DROP["theory"])


def probe_panel(score, queries, ts, noise_var, *, rng, model, draws, drop) -> Panel:
    """The probe read-out (``spectra.network.probe_scan``, K = d probes, ``draws`` draws
    averaged raw, then the ``drop`` largest dropped, / max: the authors' order) at
    ``queries.at(v)`` for each (t, v), mean over points."""
    points = np.stack([queries.at(float(v)) for v in noise_var])  # (L, B, d)
    vals = probe_scan(score, points, ts, rng=rng, draws=draws, drop=drop).mean(axis=1)
    if model in RENORM_RANK:
        vals = renormalize(vals, drop, RENORM_RANK[model])
    return Panel(model, queries.kind, np.asarray(noise_var, dtype=np.float64), vals, drop)


def origin_jacobian_panel(X: np.ndarray, noise_var, drop: int = DROP["exact"]) -> Panel:
    """The exact Jacobian at the origin in the origin panel's read-out: with sphere-normalised
    data all weights are equal at x = 0, so J(0) = (C / sigma^2 - I) / sigma^2 with C the
    equal-weight covariance of X; its singular values |c_i / v - 1| / v, dropped and
    normalised as the exact panel. A function of C alone: N enters only through C."""
    c = np.linalg.eigvalsh(np.cov(np.asarray(X, dtype=np.float64), rowvar=False, bias=True))
    v = np.asarray(noise_var, dtype=np.float64)[:, None]
    sv = np.abs(c[None, :] / v - 1.0) / v
    return Panel("exact", "origin", v[:, 0], drop_normalize(sv, drop), drop)


def exact_panel(X: np.ndarray, where: str, *, n_points: int, draws: int, seed: int) -> Panel:
    """The empirical score of X (N, d) read at the origin (the authors') or at ``n_points``
    training points plus matched noise (geomem's), on the authors' sigma grid. The probes of a
    panel come from rng(seed, PAPER_FIGURE, panel id) whatever N, so two N see the same draws."""
    sched = VE()
    v = EXACT_SIGMA**2
    ts = sched.t_of_noise_var(v)
    pid = PANEL_IDS[f"exact-{where}"]
    q_rng = seeds.rng(seed, seeds.PAPER_FIGURE, pid, 0)
    queries = query_points(where, n_points, q_rng, X_train=X, d=X.shape[1])
    return probe_panel(
        EmpiricalScore(X, sched),
        queries,
        ts,
        v,
        rng=seeds.rng(seed, seeds.PAPER_FIGURE, pid, 1),
        model="exact",
        draws=draws if where == "origin" else 1,
        drop=DROP["exact"],
    )


def network_panel(score, where: str, *, X=None, preset_name: str, n_points: int, seed: int):
    """The network read on the authors' VE time grid at one fresh manifold point (noise-free
    base point, the authors') or at ``n_points`` of its training points X plus matched noise."""
    ts = NETWORK_T
    v = np.array(
        [(float(score.schedule.sigma(t)) / float(score.schedule.alpha(t))) ** 2 for t in ts]
    )
    pid = PANEL_IDS[f"network-{where}"]
    q_rng = seeds.rng(seed, seeds.PAPER_FIGURE, pid, 0)
    if where == "fresh":
        queries = query_points("fresh", 1, q_rng, manifold=preset(preset_name), noise="none")
    else:
        queries = query_points("train", n_points, q_rng, X_train=X)
    rng = seeds.rng(seed, seeds.PAPER_FIGURE, pid, 1)
    return probe_panel(
        score, queries, ts, v, rng=rng, model="network", draws=1, drop=DROP["network"]
    )
