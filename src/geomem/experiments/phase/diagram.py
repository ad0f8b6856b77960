"""`geomem phase-diagram`: measured kept dimension per block of exact empirical scores on a grid
of N x noise variance, beside two theories (docs/science.md §6, docs/theory.md): the
order-statistics theory (``geomem.theory.orderstat``, "orderstat") and the REM heuristic ("rem").

The run directory gets ``config.json`` (first), ``table.jsonl`` (one row per (N, v) cell),
``arrays.npz`` (kept (nN, S, L, B, K), both predictions, the ceiling measurement),
``agreement.json`` (the REM read-out of ``spectra.readout.agreement``), ``metrics.json``
(agreement of each theory and of the measurement's own ceiling, overall and in non-trivial
cells, lower edges with bootstrap intervals; ``geomem.spectra.scoring``) and the figures.

The ceiling: with ``ceiling_seeds`` (disjoint from ``seeds``, as many) a second, independent
measurement is made and scored against the first (the committed results do this; it doubles the
measuring time); without them the seeds are split in halves scored against each other (free, but
a ceiling for a table of half as many seeds, so lower than the full table's).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import geomem
from geomem import _validate, io, seeds
from geomem.boundary import sizes
from geomem.data import preset
from geomem.data.queries import _noise
from geomem.experiments.phase.cell import PhaseCellConfig, measure_cell
from geomem.experiments.phase.metrics import ceiling_pair, phase_metrics
from geomem.runs.base import Experiment
from geomem.spectra.readout import agreement
from geomem.theory.orderstat import OrderStatOptions, OrderStatPrediction, predict_kept
from geomem.theory.predict import theory_curves


def _default_noise() -> tuple[float, ...]:
    return tuple(np.logspace(-4.5, 0.5, 41).tolist())  # 8 per decade, 3.2e-5 .. 3.2


@dataclass(frozen=True)
class PhaseConfig:
    """Everything that decides a phase diagram."""

    preset: str = "paper"  # linear-manifold preset
    n_train: tuple[int, ...] = tuple(2**k for k in range(5, 16))  # N grid, 32 .. 32768
    noise_var: tuple[float, ...] = field(default_factory=_default_noise)  # v grid
    seeds: tuple[int, ...] = (0, 1, 2, 3)  # independent training draws per N
    points: str = "train"  # train | fresh | origin
    n_points: int = 16  # B query points per draw
    point_noise: str = "matched"  # matched | none | a std in VE units
    threshold: float = 0.5  # tangent if the normalised eigenvalue is below this
    route: str = "block-moments"  # block-moments | posterior | scan (same counts)
    theory_draws: int = 128  # order-statistics theory: query draws per (N, v)
    theory_seed: int = 0  # its Monte Carlo stream: seeds.rng(theory_seed, THEORY)
    ceiling_seeds: tuple[int, ...] = ()  # independent second measurement (empty: split halves)
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        for N in self.n_train:
            if _validate.positive_int("n_train", N) < 2:
                _validate.fail("n_train", "integers >= 2", N)
        if not self.n_train:
            _validate.fail("n_train", "a non-empty list", self.n_train)
        if not self.seeds:
            _validate.fail("seeds", "a non-empty list", self.seeds)
        for s in self.seeds:
            _validate.seed("seeds", s)
        for s in self.ceiling_seeds:
            _validate.seed("ceiling_seeds", s)
        for name in ("n_train", "seeds", "ceiling_seeds"):
            if len(set(getattr(self, name))) != len(getattr(self, name)):
                _validate.fail(name, "distinct values", list(getattr(self, name)))
        if set(self.ceiling_seeds) & set(self.seeds):
            _validate.fail("ceiling_seeds", "seeds disjoint from seeds", self.ceiling_seeds)
        _validate.positive_int("theory_draws", self.theory_draws)
        _validate.seed("theory_seed", self.theory_seed)
        _noise(self.point_noise)
        self.cell(self.n_train[0], self.seeds[0])  # validates the remaining fields

    def cell(self, n_train: int, seed: int) -> PhaseCellConfig:
        """The config of one (N, seed) cell."""
        return PhaseCellConfig(
            self.noise_var,
            n_train,
            seed,
            self.preset,
            self.points,
            self.n_points,
            self.point_noise,
            self.threshold,
            self.route,
        )


def measure(cfg: PhaseConfig, progress: bool = False, seed_list=None) -> np.ndarray:
    """(nN, S, L, B, K) kept directions per block over the grid (``seed_list``: cfg.seeds)."""
    seed_list = cfg.seeds if seed_list is None else seed_list
    jobs = [(N, s) for N in cfg.n_train for s in seed_list]
    out = [
        measure_cell(cfg.cell(N, s))
        for N, s in tqdm(jobs, disable=not progress, desc="phase cells")
    ]
    return np.stack(out).reshape(len(cfg.n_train), len(seed_list), *out[0].shape)


def predicted(cfg: PhaseConfig) -> np.ndarray:
    """(nN, L, K) REM prediction of the kept dimension per block."""
    return np.stack([theory_curves(cfg.preset, N, cfg.noise_var).kept for N in cfg.n_train])


def predicted_orderstat(cfg: PhaseConfig) -> OrderStatPrediction:
    """Order-statistics prediction (mean and spread (nN, L, K)) on the grid."""
    return predict_kept(
        cfg.preset,
        list(cfg.n_train),
        cfg.noise_var,
        points=cfg.points,
        point_noise=_noise(cfg.point_noise),
        rng=seeds.rng(cfg.theory_seed, seeds.THEORY),
        options=OrderStatOptions(draws=cfg.theory_draws, threshold=cfg.threshold),
    )


def table_rows(
    cfg: PhaseConfig, kept: np.ndarray, pred: np.ndarray, os_mean=None, ceiling=None
) -> list[dict]:
    """One row per (N, v) cell: mean kept per block over seeds and points, spread over seeds,
    the REM's ``predicted_kept``, the order-statistics theory's ``predicted_kept_orderstat``
    (os_mean (nN, L, K)) and the ceiling measurement's mean (ceiling (nN, S', L, B, K))."""
    per_seed = kept.mean(axis=3)  # (nN, S, L, K)
    mean, spread = per_seed.mean(axis=1), per_seed.std(axis=1)
    cmean = None if ceiling is None else ceiling.mean(axis=(1, 3))
    labels = preset(cfg.preset).block_labels()
    rows = []
    for i, N in enumerate(cfg.n_train):
        for j, v in enumerate(cfg.noise_var):
            row = {
                "n_train": N,
                "noise_var": v,
                "blocks": labels,
                "kept_mean": mean[i, j].tolist(),
                "kept_seed_std": spread[i, j].tolist(),
                "predicted_kept": pred[i, j].tolist(),
            }
            if os_mean is not None:
                row["predicted_kept_orderstat"] = np.round(os_mean[i, j], 4).tolist()
            if cmean is not None:
                row["kept_mean_ceiling"] = cmean[i, j].tolist()
            rows.append(row)
    return rows


def _timed(fn, *args):
    start = time.perf_counter()
    return fn(*args), time.perf_counter() - start


def run_phase(cfg: PhaseConfig, run_dir: Path, *, progress: bool = False) -> dict:
    """Measure, predict (both theories), score against the ceiling, and write the table,
    arrays, ``agreement.json`` (REM), ``metrics.json`` and figures. Returns the REM summary
    with the metrics under ``"metrics"``."""
    from geomem.plots.phase import save_phase_figures  # plots import matplotlib

    run_dir = Path(run_dir)
    # the order-statistics theory (numpy, its own rng stream) runs in a second thread while
    # the cells are measured (torch, one intra-op thread meanwhile): both release the GIL in
    # their heavy loops, so on two cores they overlap; the numbers do not depend on it
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            theory = pool.submit(_timed, predicted_orderstat, cfg)
            start = time.perf_counter()
            kept = measure(cfg, progress)
            seconds = time.perf_counter() - start
            os_pred, theory_seconds = theory.result()
    finally:
        torch.set_num_threads(threads)
    pred = predicted(cfg)
    mf = preset(cfg.preset)
    curves = [theory_curves(mf, N, cfg.noise_var) for N in cfg.n_train]
    rem_vc = np.stack([c.critical_noise_var for c in curves])
    summary = agreement(
        kept,
        pred,
        np.asarray(cfg.noise_var),
        np.asarray(cfg.n_train),
        curves[0].dims,
        mf.block_labels(),
        len(mf.blocks),
        rem_vc,
    )
    summary["measure_seconds"] = round(seconds, 2)
    a, b, extra, how = ceiling_pair(cfg, kept, measure, progress)
    metrics = phase_metrics(cfg, kept, pred, os_pred, (a, b), how, rem_vc)
    metrics["measure_seconds"] = summary["measure_seconds"]
    metrics["orderstat_seconds"] = round(theory_seconds, 2)
    with io.atomic_path(run_dir / "table.jsonl") as tmp:
        rows = table_rows(cfg, kept, pred, os_pred.mean, extra)
        tmp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    arrays = {
        "kept": kept.astype(np.int16),
        "predicted": pred.astype(np.int16),
        "predicted_orderstat": os_pred.mean,
        "predicted_orderstat_spread": os_pred.spread,
        "noise_var": np.asarray(cfg.noise_var),
        "n_train": np.asarray(cfg.n_train),
    }
    if extra is not None:
        arrays["kept_ceiling"] = extra.astype(np.int16)
    io.save_npz(run_dir / "arrays.npz", arrays, compressed=True)
    io.write_json(run_dir / "agreement.json", summary)
    io.write_json(run_dir / "metrics.json", metrics)
    save_phase_figures(run_dir, kept, pred, cfg, summary, os_pred.mean, metrics)
    return {**summary, "metrics": metrics}


def check_inputs(cfg: PhaseConfig, run_dir: str | Path) -> None:
    """Everything the run would refuse, before the first write: the output directory (a file,
    or one holding another phase diagram's config) and the memory of the largest cell."""
    run_dir = Path(run_dir)
    _validate.out_dir("out", run_dir)
    old = run_dir / "config.json"
    if old.exists():
        mine = json.loads(json.dumps(asdict(cfg)))
        try:
            same = json.loads(old.read_text()) == mine
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            same = False
        if not same:
            _validate.fail(
                "out",
                "a new directory or one holding this same phase diagram (delete it to redo)",
                f"{run_dir} holding another config",
            )
    d = preset(cfg.preset).d
    n = max(cfg.n_train)
    need = sizes.matrix_bytes(n, d, 3) + sizes.scan_bytes(len(cfg.noise_var), cfg.n_points, d)
    sizes.check_fits("n_train", need, n)
    sizes.check_count("noise_var", len(cfg.noise_var))


def write_config(cfg: PhaseConfig, run_dir: Path) -> None:
    """Write ``config.json`` (before anything else)."""
    io.write_json(Path(run_dir) / "config.json", asdict(cfg))


PHASE = Experiment(
    "phase-diagram",
    PhaseConfig,
    run_phase,
    "kept dimension per block, exact scores vs the order-statistics theory and the REM",
)

__all__ = [
    "PHASE",
    "PhaseConfig",
    "measure",
    "predicted",
    "predicted_orderstat",
    "run_phase",
    "table_rows",
    "write_config",
]
