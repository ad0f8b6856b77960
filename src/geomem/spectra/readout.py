"""Agreement between measured and predicted kept dimension on a phase-diagram grid.

Measured critical noise of a block at one N: going down in v from the level where the block's
mean kept dimension peaks, the (log-v interpolated) level where it first falls below half the
block, m_k / 2. NaN when the block never reaches m_k / 2 ("never kept") or never falls below it
on the grid. A second reading uses half the measured peak instead of m_k / 2 (it still finds the
lower edge when the peak stays below m_k / 2, e.g. a block that lost its radial direction to
the sphere normalisation).
"""

from __future__ import annotations

import warnings

import numpy as np


def crossing(y: np.ndarray, noise_var: np.ndarray, level: float) -> float:
    """Largest v below the peak of y (L,) at which y falls below ``level`` (log-v interpolated)."""
    p = int(np.argmax(y))
    if y[p] < level:
        return float("nan")
    below = np.nonzero(y[: p + 1] < level)[0]
    if below.size == 0:
        return float("nan")
    j = int(below[-1])
    frac = (level - y[j]) / (y[j + 1] - y[j])
    lv = np.log(noise_var)
    return float(np.exp(lv[j] + frac * (lv[j + 1] - lv[j])))


def _critical(mk: np.ndarray, v: np.ndarray, dims: np.ndarray, n_tangent: int, half_peak: bool):
    # mk (nN, L, K) -> (nN, n_tangent)
    out = np.full((mk.shape[0], n_tangent), np.nan)
    for i in range(mk.shape[0]):
        for k in range(n_tangent):
            level = mk[i, :, k].max() / 2 if half_peak else dims[k] / 2
            out[i, k] = crossing(mk[i, :, k], v, level) if level > 0 else np.nan
    return out


def _log_ratio(meas: np.ndarray, pred: np.ndarray) -> list:
    r = np.log10(meas / pred)
    return [[None if np.isnan(x) else round(float(x), 4) for x in row] for row in r]


def _nontrivial(m_on: np.ndarray, p_on: np.ndarray) -> float | None:
    # agreement over the cells where the measurement or the prediction keeps some block
    busy = np.any(m_on | p_on, axis=2)
    same = np.all(m_on == p_on, axis=2)
    return float(same[busy].mean()) if busy.any() else None


def agreement(
    kept: np.ndarray,
    pred: np.ndarray,
    noise_var: np.ndarray,
    n_train: np.ndarray,
    dims: np.ndarray,
    labels: list[str],
    n_tangent: int,
    critical_pred: np.ndarray,
) -> dict:
    """Summary dict: per-block measured vs predicted critical noise (log10 ratio per N, and the
    spread of the per-seed log10 ratio) and the fraction of (N, v) cells where the measured and
    predicted sets of kept tangent blocks (mean kept >= m_k / 2) agree.

    kept (nN, S, L, B, K); pred (nN, L, K); critical_pred (nN, K).
    """
    mk = kept.mean(axis=(1, 3))  # (nN, L, K)
    cp = critical_pred[:, :n_tangent]
    meas = _critical(mk, noise_var, dims, n_tangent, half_peak=False)
    meas_hp = _critical(mk, noise_var, dims, n_tangent, half_peak=True)
    per_seed = np.stack(
        [
            _critical(kept[:, s].mean(axis=2), noise_var, dims, n_tangent, False)
            for s in range(kept.shape[1])
        ]
    )  # (S, nN, T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN spread
        seed_spread = np.nanstd(np.log10(per_seed / cp[None]), axis=0)
    m_on = mk[:, :, :n_tangent] >= dims[None, None, :n_tangent] / 2
    p_on = pred[:, :, :n_tangent] > 0
    return {
        "n_train": n_train.tolist(),
        "blocks": labels[:n_tangent],
        "criterion": "kept dimension (mean over seeds and points) falls below m_k/2 going down "
        "in noise from its peak",
        "predicted_critical_noise_var": cp.tolist(),
        "measured_critical_noise_var": [
            [None if np.isnan(x) else float(x) for x in r] for r in meas
        ],
        "log10_ratio_measured_over_predicted": _log_ratio(meas, cp),
        "log10_ratio_seed_std": [
            [None if np.isnan(x) else round(float(x), 4) for x in r] for r in seed_spread
        ],
        "measured_critical_noise_var_half_peak": [
            [None if np.isnan(x) else float(x) for x in r] for r in meas_hp
        ],
        "log10_ratio_half_peak": _log_ratio(meas_hp, cp),
        "peak_mean_kept": mk[:, :, :n_tangent].max(axis=1).round(3).tolist(),
        "fraction_cells_kept_blocks_agree": float(np.mean(np.all(m_on == p_on, axis=2))),
        "fraction_cells_agree_per_block": np.mean(m_on == p_on, axis=(0, 1)).round(4).tolist(),
        "fraction_agree_where_any_kept": _nontrivial(m_on, p_on),
        "n_cells": int(m_on.shape[0] * m_on.shape[1]),
    }
