"""Run the paper figure: six panels, the origin panel's N-independence, arrays and figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import _validate, io
from geomem.data.manifolds import preset
from geomem.data.training import training_data
from geomem.experiments.paper_figure.config import (
    EXACT_SIGMA,
    GUIDES,
    RANKS,
    PaperFigureConfig,
    resolve_model,
)
from geomem.experiments.paper_figure.panels import (
    Panel,
    exact_panel,
    network_panel,
    origin_jacobian_panel,
    theory_authors,
    theory_geomem,
)
from geomem.runs.base import Experiment
from geomem.theory.rem import critical_noise_var


def sample_covariance_eigs(X: np.ndarray, bases: list[np.ndarray]) -> list[np.ndarray]:
    """Per block, the eigenvalues (ascending) of U_k^T C U_k, C the equal-weight covariance of
    X (N, d) (the empirical posterior's covariance at the origin of sphere-normalised data)."""
    C = np.cov(np.asarray(X, dtype=np.float64), rowvar=False, bias=True)
    return [np.linalg.eigvalsh(U.T @ C @ U) for U in bases]


def _shown(p: Panel) -> np.ndarray:
    lo, hi = RANKS
    keep = (p.ranks >= lo) & (p.ranks <= hi)
    return p.values[:, keep]


def n_dependence(panels: dict[int, Panel], ref: int) -> dict:
    """Max |difference| to the N = ``ref`` panel, over all levels and ranks and over the shown
    ranks 20..30 (and the median there), for each N (the same probe draws for every N)."""
    base = panels[ref]
    out = {}
    for n, p in panels.items():
        out[str(n)] = {
            "max_abs_diff_all_ranks": float(np.abs(p.values - base.values).max()),
            "max_abs_diff_shown_ranks": float(np.abs(_shown(p) - _shown(base)).max()),
            "median_abs_diff_shown_ranks": float(np.median(np.abs(_shown(p) - _shown(base)))),
        }
    return out


def collapse_noise_var(panels: dict[int, Panel], ranks=(28, 29), level: float = 0.99) -> dict:
    """Per N and rank, the largest v of the grid at which the value at that rank is at the
    normal level (>= ``level``): the tangent direction there is lost (None: at no v)."""
    out = {}
    for n, p in panels.items():
        out[str(n)] = {}
        for rank in ranks:
            hit = p.noise_var[p.values[:, rank - p.drop - 1] >= level]
            out[str(n)][str(rank)] = float(hit.max()) if hit.size else None
    return out


def run_paper_figure(
    cfg: PaperFigureConfig, run_dir: Path, *, progress: bool = False, checkpoint=None
) -> dict:
    """All panels of ``cfg`` into ``run_dir``: arrays.npz (every panel's noise_var and values,
    the origin-N panels), paper_figure.png, n_independence.png; returns the metrics.
    ``checkpoint``: the dict ``resolve_model`` read; None with ``cfg.model`` set: read here
    (refused when it is no longer the recorded ``model_step``); no model: no network panels."""
    from geomem.plots.paper_figure import n_independence_figure, paper_figure

    if checkpoint is None and cfg.model is not None:
        resolved, checkpoint = resolve_model(cfg)
        if cfg.model_step is not None and resolved.model_step != cfg.model_step:
            _validate.fail(
                "model", f"a checkpoint at step {cfg.model_step}", f"step {resolved.model_step}"
            )
        cfg = resolved

    run_dir = Path(run_dir)
    mf = preset(cfg.preset)
    bases = mf.block_bases(include_thickness=False)
    panels: dict[str, Panel] = {
        "authors/theory": theory_authors(cfg.n_theory),
        "geomem/theory": theory_geomem(cfg.preset, cfg.n_theory),
    }
    origin, train, cov, formula = {}, {}, {}, {}
    for n in sorted(set(cfg.origin_n) | {cfg.n_exact}):
        X, _ = training_data(cfg.preset, n, cfg.seed)
        kw = dict(n_points=cfg.n_points, draws=cfg.draws, seed=cfg.seed)
        origin[n] = exact_panel(X, "origin", **kw)
        train[n] = exact_panel(X, "train", **kw)
        cov[n] = sample_covariance_eigs(X, bases)
        formula[n] = origin_jacobian_panel(X, origin[n].noise_var)
        if progress:
            print(f"exact panels N={n} done", flush=True)
    panels["authors/exact"], panels["geomem/exact"] = origin[cfg.n_exact], train[cfg.n_exact]
    net_info = None
    if checkpoint is not None:
        from geomem.scores.network import NetworkScore

        score = NetworkScore.from_checkpoint(checkpoint, device=cfg.device, where=cfg.model)
        tc = checkpoint["config"]
        X, _ = training_data(tc["preset"], int(tc["n_train"]), int(tc["seed"]))
        kw = dict(preset_name=cfg.preset, n_points=cfg.n_points, seed=cfg.seed)
        panels["authors/network"] = network_panel(score, "fresh", **kw)
        panels["geomem/network"] = network_panel(score, "train", X=X, **kw)
        net_info = {
            "run": str(cfg.model),
            "step": cfg.model_step,
            "config_hash": cfg.model_config_hash,
            "n_train": int(tc["n_train"]),
            "train_steps_configured": int(tc["steps"]),
        }
    arrays = {}
    for key, p in panels.items():
        arrays[f"{key}/noise_var"] = p.noise_var
        arrays[f"{key}/values"] = p.values
    for n in origin:
        arrays[f"origin_n/{n}/values"] = origin[n].values
        arrays[f"train_n/{n}/values"] = train[n].values
        arrays[f"origin_jacobian_n/{n}/values"] = formula[n].values
    arrays["exact_noise_var"] = EXACT_SIGMA**2
    io.save_npz(run_dir / "arrays.npz", {k.replace("/", "__"): v for k, v in arrays.items()})
    labels = mf.block_labels()
    stds, dims = [b.std for b in mf.blocks], [b.dim for b in mf.blocks]
    switch = {
        str(n): {
            labels[k]: {
                "c_mean": float(c.mean()),
                "c": c.round(5).tolist(),
                "switch_noise_var_c_over_2": float(c.mean() / 2),
                "rem_critical_noise_var": float(critical_noise_var(stds, n, dims=dims)[k]),
            }
            for k, c in enumerate(cov[n])
        }
        for n in cov
    }
    metrics = {
        "panels": {
            k: {"drop": p.drop, "levels": len(p.noise_var), "where": p.where}
            for k, p in panels.items()
        },
        "network": net_info,
        "origin_n_dependence": n_dependence(origin, cfg.n_exact),
        "train_n_dependence": n_dependence(train, cfg.n_exact),
        "origin_gap_switch": switch,
        "origin_collapse_noise_var": collapse_noise_var(origin),
        "train_collapse_noise_var": collapse_noise_var(train),
        "origin_vs_jacobian_of_C": {
            str(n): float(np.abs(origin[n].values - formula[n].values).max()) for n in origin
        },
        "origin_jacobian_of_C_n_dependence": n_dependence(formula, cfg.n_exact),
    }
    shape = dict(ranks=RANKS, guides=GUIDES)
    n = {"theory": cfg.n_theory, "exact": cfg.n_exact}
    paper_figure(panels, run_dir / "paper_figure.png", n=n, network=net_info, **shape)
    n_independence_figure(origin, train, run_dir / "n_independence.png", **shape)
    return metrics


PAPER_FIGURE = Experiment(
    "paper-figure",
    PaperFigureConfig,
    run_paper_figure,
    "The paper's synthetic figure by the authors' protocol and by geomem's",
)
