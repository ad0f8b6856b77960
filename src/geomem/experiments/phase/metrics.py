"""Phase-diagram ``metrics.json``: agreement of each theory and of the measurement's ceiling,
lower edges with bootstrap intervals (definitions in ``geomem.spectra.scoring``)."""

from __future__ import annotations

import numpy as np

from geomem import seeds
from geomem.data import preset
from geomem.spectra import scoring


def ceiling_pair(cfg, kept: np.ndarray, measure, progress: bool = False):
    """The two measurements the ceiling compares, the extra one (or None) and how they were
    made: ``cfg.ceiling_seeds`` measured by ``measure(cfg, progress, seeds)``, or split halves
    of ``kept`` (nN, S, L, B, K); (None, None, None, reason) with a single seed."""
    if cfg.ceiling_seeds:
        other = measure(cfg, progress, cfg.ceiling_seeds)
        how = f"seeds {list(cfg.seeds)} vs independent seeds {list(cfg.ceiling_seeds)}"
        return kept, other, other, how
    h = len(cfg.seeds) // 2
    if h == 0:
        return None, None, None, "none: one seed and no ceiling_seeds"
    how = f"split halves: seeds {list(cfg.seeds[:h])} vs {list(cfg.seeds[h:])}"
    return kept[:, :h], kept[:, h:], None, how


def phase_metrics(cfg, kept, rem_pred, os_pred, ceiling_pair, how, rem_vc) -> dict:
    """``metrics.json``: agreement of each theory and of the ceiling, lower edges (per block and
    N, measured with bootstrap 95 % intervals, and each theory's)."""
    mf = preset(cfg.preset)
    dims = np.array([b.dim for b in mf.all_blocks])
    T, v = len(mf.blocks), np.asarray(cfg.noise_var)
    mk = kept.mean(axis=(1, 3))
    m_on = scoring.on(mk, dims, T)
    sides = {
        "orderstat": scoring.score(m_on, scoring.on(os_pred.mean, dims, T)),
        "rem": scoring.score(m_on, rem_pred[:, :, :T] > 0),
    }
    if ceiling_pair[0] is not None:
        a, b = (scoring.on(x.mean(axis=(1, 3)), dims, T) for x in ceiling_pair)
        sides["ceiling"] = scoring.score(a, b)
    else:
        sides["ceiling"] = dict.fromkeys(sides["rem"])
    meas = scoring.edges(mk, v, dims, T)
    ose = scoring.edges(os_pred.mean, v, dims, T)
    ci = scoring.bootstrap_edges(kept, v, dims, T, seeds.rng(cfg.theory_seed, seeds.THEORY, 1))
    return {
        "preset": cfg.preset,
        "points": cfg.points,
        "on_rule": "a tangent block is on when its kept count is >= m_k/2 (REM: > 0)",
        "nontrivial": scoring.NONTRIVIAL,
        "ceiling": how,
        "agreement": {k: s["agreement"] for k, s in sides.items()},
        "agreement_nontrivial": {k: s["agreement_nontrivial"] for k, s in sides.items()},
        "agreement_per_block": {k: s["agreement_per_block"] for k, s in sides.items()},
        "n_nontrivial": {k: s["n_nontrivial"] for k, s in sides.items()},
        "n_cells": int(m_on.shape[0] * m_on.shape[1]),
        "blocks": mf.block_labels()[:T],
        "edges": {
            "definition": "lower edge: v where the kept count falls below m_k/2 going down "
            "from its peak (NaN/None: no such crossing on the grid)",
            "n_train": list(cfg.n_train),
            "measured": scoring.as_list(meas),
            "measured_ci95": scoring.as_list(ci),
            "orderstat": scoring.as_list(ose),
            "rem": scoring.as_list(rem_vc[:, :T]),
            "log10_orderstat_over_measured": scoring.log_ratio(ose, meas),
            "log10_rem_over_measured": scoring.log_ratio(rem_vc[:, :T], meas),
        },
    }
