"""`geomem phase-diagram`: measured kept dimension per block of exact empirical scores on a grid
of N x noise variance, beside the REM prediction (docs/science.md §6, "Phase diagram").

The run directory gets ``config.json`` (first), ``table.jsonl`` (one row per (N, v) cell),
``arrays.npz`` (kept (nN, S, L, B, K)), ``agreement.json`` and the figures.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

import geomem
from geomem import _validate, io
from geomem.boundary import sizes
from geomem.data import preset
from geomem.data.queries import _noise
from geomem.experiments.phase.cell import PhaseCellConfig, measure_cell
from geomem.runs.base import Experiment
from geomem.spectra.readout import agreement
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


def measure(cfg: PhaseConfig, progress: bool = False) -> np.ndarray:
    """(nN, S, L, B, K) kept directions per block over the grid."""
    jobs = [(N, s) for N in cfg.n_train for s in cfg.seeds]
    out = [
        measure_cell(cfg.cell(N, s))
        for N, s in tqdm(jobs, disable=not progress, desc="phase cells")
    ]
    return np.stack(out).reshape(len(cfg.n_train), len(cfg.seeds), *out[0].shape)


def predicted(cfg: PhaseConfig) -> np.ndarray:
    """(nN, L, K) REM prediction of the kept dimension per block."""
    return np.stack([theory_curves(cfg.preset, N, cfg.noise_var).kept for N in cfg.n_train])


def table_rows(cfg: PhaseConfig, kept: np.ndarray, pred: np.ndarray) -> list[dict]:
    """One row per (N, v) cell: mean kept per block over seeds and points, spread over seeds."""
    per_seed = kept.mean(axis=3)  # (nN, S, L, K)
    mean, spread = per_seed.mean(axis=1), per_seed.std(axis=1)
    labels = preset(cfg.preset).block_labels()
    return [
        {
            "n_train": N,
            "noise_var": v,
            "blocks": labels,
            "kept_mean": mean[i, j].tolist(),
            "kept_seed_std": spread[i, j].tolist(),
            "predicted_kept": pred[i, j].tolist(),
        }
        for i, N in enumerate(cfg.n_train)
        for j, v in enumerate(cfg.noise_var)
    ]


def run_phase(cfg: PhaseConfig, run_dir: Path, *, progress: bool = False) -> dict:
    """Measure, compare and write the table, arrays, agreement summary and figures."""
    from geomem.plots.phase import save_phase_figures  # plots import matplotlib

    run_dir = Path(run_dir)
    start = time.perf_counter()
    kept = measure(cfg, progress)
    seconds = time.perf_counter() - start
    pred = predicted(cfg)
    mf = preset(cfg.preset)
    curves = [theory_curves(mf, N, cfg.noise_var) for N in cfg.n_train]
    summary = agreement(
        kept,
        pred,
        np.asarray(cfg.noise_var),
        np.asarray(cfg.n_train),
        curves[0].dims,
        mf.block_labels(),
        len(mf.blocks),
        np.stack([c.critical_noise_var for c in curves]),
    )
    summary["measure_seconds"] = round(seconds, 2)
    with io.atomic_path(run_dir / "table.jsonl") as tmp:
        tmp.write_text("".join(json.dumps(r) + "\n" for r in table_rows(cfg, kept, pred)))
    io.save_npz(
        run_dir / "arrays.npz",
        {
            "kept": kept.astype(np.int16),
            "predicted": pred.astype(np.int16),
            "noise_var": np.asarray(cfg.noise_var),
            "n_train": np.asarray(cfg.n_train),
        },
        compressed=True,
    )
    io.write_json(run_dir / "agreement.json", summary)
    save_phase_figures(run_dir, kept, pred, cfg, summary)
    return summary


def check_inputs(cfg: PhaseConfig, run_dir: str | Path) -> None:
    """Everything the run would refuse, before the first write: the output directory (a file,
    or one holding another phase diagram's config) and the memory of the largest cell."""
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        _validate.fail("out", "a directory", f"{run_dir} (a file)")
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
    "kept dimension per block, exact scores vs REM, over N x noise",
)

__all__ = [
    "PHASE",
    "PhaseConfig",
    "measure",
    "predicted",
    "run_phase",
    "table_rows",
    "write_config",
]
