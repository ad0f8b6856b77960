"""Agreement of a measured kept count with a theory and with itself (the ceiling), on grids.

A tangent block k is **on** in a cell when its kept count (mean over seeds and query points, or
a theory's expected count) is at least m_k / 2; the REM's integer prediction is on when > 0
(it predicts m_k or 0). Two sides agree in a cell when their sets of on tangent blocks are
equal. **Non-trivial** cells (the definition of ``geomem.spectra.readout``): cells where at least
one of the two sides keeps some tangent block, so agreement over the cells where both keep
nothing is not counted. The **ceiling** scores one measurement against an independent one of
the same design (other training draws and query points): what a perfect theory could reach
against a measurement this noisy.

Lower edges: per block and N, the noise level where the mean kept count falls below m_k / 2
going down from its peak (``readout.crossing``); measured edges get a bootstrap interval over
the (seed, query point) units.
"""

from __future__ import annotations

import numpy as np

from geomem.spectra.readout import crossing

NONTRIVIAL = (
    "cells where the measurement or the compared side keeps at least one tangent block "
    "(kept >= m_k/2)"
)


def on(mean: np.ndarray, dims: np.ndarray, n_tangent: int) -> np.ndarray:
    """(nN, L, T) bool: tangent block kept (>= m_k / 2) from counts (nN, L, K)."""
    return mean[:, :, :n_tangent] >= np.asarray(dims)[:n_tangent] / 2


def score(m_on: np.ndarray, p_on: np.ndarray) -> dict:
    """Agreement overall, in non-trivial cells and per block of two on-sets (nN, L, T)."""
    same = np.all(m_on == p_on, axis=2)
    busy = np.any(m_on | p_on, axis=2)
    return {
        "agreement": round(float(same.mean()), 4),
        "agreement_nontrivial": round(float(same[busy].mean()), 4) if busy.any() else None,
        "agreement_per_block": np.mean(m_on == p_on, axis=(0, 1)).round(4).tolist(),
        "n_nontrivial": int(busy.sum()),
    }


def edges(mean: np.ndarray, noise_var, dims, n_tangent: int) -> np.ndarray:
    """(nN, T) lower edge per N and tangent block of counts (nN, L, K); NaN if none."""
    v = np.asarray(noise_var)
    out = np.full((mean.shape[0], n_tangent), np.nan)
    for i in range(mean.shape[0]):
        for k in range(n_tangent):
            out[i, k] = crossing(mean[i, :, k], v, dims[k] / 2)
    return out


def bootstrap_edges(kept: np.ndarray, noise_var, dims, n_tangent, rng, n_boot=200, level=0.95):
    """(nN, T, 2) bootstrap interval of the measured lower edges; kept (nN, S, L, B, K).

    The S x B (seed, point) units are resampled with replacement; edges that do not exist in a
    resample are left out of its quantiles (NaN when fewer than half exist).
    """
    nN, S, L, B, K = kept.shape
    units = kept.transpose(0, 2, 1, 3, 4).reshape(nN, L, S * B, K)
    reps = np.stack(
        [
            edges(units[:, :, rng.integers(0, S * B, S * B)].mean(2), noise_var, dims, n_tangent)
            for _ in range(n_boot)
        ]
    )  # (n_boot, nN, T)
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    out = np.full((nN, n_tangent, 2), np.nan)
    ok = np.mean(np.isfinite(reps), axis=0) >= 0.5
    for i, k in zip(*np.nonzero(ok), strict=True):
        r = reps[:, i, k][np.isfinite(reps[:, i, k])]
        out[i, k] = np.quantile(r, [lo, hi])
    return out


def as_list(a: np.ndarray, digits: int = 6) -> list:
    """Nested list with NaN as None (JSON)."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return None if np.isnan(a) else float(f"{float(a):.{digits}g}")
    return [as_list(x, digits) for x in a]


def log_ratio(a: np.ndarray, b: np.ndarray) -> list:
    """log10(a / b) rounded, NaN as None."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return as_list(np.round(np.log10(a / b), 3), 4)
