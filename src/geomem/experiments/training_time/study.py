"""Training time as an axis: one ensemble of networks (one per N) read at checkpoints on a log
grid of steps, against the exact score of the same N points and the population reference
(docs/science.md §9, Bonnaire et al. 2025).

Per N and kept checkpoint: the kept dimension per block over the noise grid at B training
points (matched noise, threshold rule, per-subspace accounting). The **memorization time**
of block k at N is

    tau_k(N) = the first kept checkpoint step at which the network keeps fewer than half of
               the directions the population reference keeps in block k, both measured at the
               same B points and the one noise variance ``tau_noise_var``;

``None`` (censored) when no checkpoint up to the run's length gets there. tau_k is then fitted
as tau ~ N^b per block over the N where it is defined (b = 1 is Bonnaire et al.'s law).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import geomem
from geomem import _validate, io, seeds
from geomem.boundary import sizes
from geomem.checkpoints.snapshots import list_checkpoints, log_grid
from geomem.data import preset as data_preset
from geomem.data import query_points
from geomem.experiments.training_time.read import memorization_times, panels, tau_fit
from geomem.runs.base import Experiment, run_in_dir
from geomem.schedules import get_schedule
from geomem.scores import EmpiricalScore
from geomem.scores.network import NetworkScore
from geomem.scores.population import population_score
from geomem.spectra.scan import scan_noise
from geomem.train.config import train_preset
from geomem.train.ensemble import member_dir, train_ensemble
from geomem.train.loop import training_set


@dataclass(frozen=True)
class TrainingTimeConfig:
    """The whole study: one ensemble run, its checkpoints, and the measurement."""

    n_train: tuple[int, ...] = (250, 500, 1000, 4000, 20000)  # one ensemble member per N
    preset: str = "paper"
    train_config: str = "cpu"  # training preset (lr 2e-3, EMA 0.999 for "cpu")
    steps: int = 262_144  # 2^18 optimizer steps
    batch_size: int = 128
    first_checkpoint: int = 1000  # kept checkpoints at 1000 * 2^k and the last step
    seed: int = 0  # data [seed, 0] (as `geomem train`); queries [seed, 1]; population [seed, 2]
    compile: bool = False  # torch.compile the ensemble step (same weights up to rounding)
    runs_dir: str | None = None  # an existing ensemble folder (n{N}-s{seed}/); else OUT/runs
    noise_var: tuple[float, ...] = tuple(np.geomspace(1e-4, 1.0, 25).tolist())
    tau_noise_var: float = 0.02  # the fixed small noise level of the memorization time
    n_points: int = 8  # B training points (matched noise)
    population_n: int = 100_000  # sample size of the population reference
    panel_n: tuple[int, ...] = (500, 1000)  # N of the paper's three-panel figure
    panel_levels: int = 100  # VE times t from 0.8 down to 1e-5 for the panels
    device: str = "cpu"
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        if not self.n_train or len(set(self.n_train)) != len(self.n_train):
            _validate.fail("n_train", "a non-empty list of distinct N", self.n_train)
        for name in ("steps", "batch_size", "first_checkpoint", "n_points", "panel_levels"):
            _validate.positive_int(name, getattr(self, name))
        _validate.positive_int("population_n", self.population_n)
        _validate.positive_list("noise_var", self.noise_var)
        _validate.positive("tau_noise_var", self.tau_noise_var)
        for n in self.panel_n:
            if n not in self.n_train:
                _validate.fail("panel_n", f"values among n_train {list(self.n_train)}", n)
        self.members()  # validates preset, training preset, N, seed, device

    def members(self):
        """The TrainConfig of each N (one ensemble)."""
        return [
            train_preset(
                self.train_config,
                preset=self.preset,
                n_train=n,
                steps=self.steps,
                seed=self.seed,
                batch_size=self.batch_size,
                device=self.device,
            )
            for n in self.n_train
        ]


def reference_kept(cfg, X, queries, bases, v) -> dict:
    """{"exact", "population"} (L, K) mean kept directions per block of the two reference
    scores at the queries (what the study measures beside each network)."""
    sched = get_schedule("ve")
    rng = seeds.rng(cfg.seed, seeds.POPULATION)
    scores = {
        "exact": EmpiricalScore(X, sched, device=cfg.device),
        "population": population_score(
            data_preset(cfg.preset), sched, n_samples=cfg.population_n, rng=rng, device=cfg.device
        ),
    }
    return {k: _kept(s, queries, v, bases, "auto") for k, s in scores.items()}


def _kept(score, queries, v, bases, method) -> np.ndarray:
    scan = scan_noise(score, queries, v, bases=bases, method=method)
    return scan.subspace_dimension.mean(axis=1)  # (L, K)


def measure_member(cfg: TrainingTimeConfig, tcfg, run: Path, *, progress=False) -> dict:
    """Kept dimension per block of one N: network at every kept checkpoint, exact, population,
    over ``noise_var`` plus ``tau_noise_var`` (the last level)."""
    manifold = data_preset(cfg.preset)
    X = training_set(tcfg)
    bases = manifold.block_bases()
    queries = query_points(
        "train", cfg.n_points, seeds.rng(cfg.seed, seeds.QUERIES), X_train=X, noise="matched"
    )
    v = np.asarray([*cfg.noise_var, cfg.tau_noise_var])
    out = reference_kept(cfg, X, queries, bases, v)
    steps, kept = [], []
    from tqdm.auto import tqdm

    for step, _ in tqdm(list_checkpoints(run), desc=f"N={tcfg.n_train}", disable=not progress):
        net = NetworkScore.from_run(run, device=cfg.device, step=step)
        steps.append(step)
        kept.append(_kept(net, queries, v, bases, "autodiff"))
    return {
        "N": tcfg.n_train,
        "steps": steps,
        "network": np.asarray(kept),  # (S, L + 1, K)
        "exact": out["exact"],  # (L + 1, K)
        "population": out["population"],
    }


def run_training_time(cfg: TrainingTimeConfig, run_dir: Path, *, progress: bool = False) -> dict:
    """Train (or resume) the ensemble, measure every member at every kept checkpoint, read
    out tau per block and N, and the three-panel spectra (the ``Experiment`` contract)."""
    run_dir = Path(run_dir)
    root = Path(cfg.runs_dir) if cfg.runs_dir is not None else run_dir / "runs"
    tcfgs = cfg.members()
    dirs = [member_dir(root, t) for t in tcfgs]
    grid = log_grid(cfg.steps, cfg.first_checkpoint)
    train_ensemble(tcfgs, dirs, progress=progress, checkpoint_steps=grid, compile=cfg.compile)
    members = [
        measure_member(cfg, t, p, progress=progress) for t, p in zip(tcfgs, dirs, strict=True)
    ]
    tau = memorization_times(members)
    arrays = {"noise_var": np.asarray([*cfg.noise_var, cfg.tau_noise_var])}
    for m in members:
        arrays[f"steps_N{m['N']}"] = np.asarray(m["steps"])
        for key in ("network", "exact", "population"):
            arrays[f"{key}_N{m['N']}"] = m[key]
    panel = panels(cfg, dict(zip(cfg.n_train, dirs, strict=True)))
    for n, p in panel.items():
        arrays.update({f"panel_{k}_N{n}": a for k, a in p.items()})
    io.save_npz(run_dir / "arrays.npz", arrays)
    manifold = data_preset(cfg.preset)
    return {
        "n_train": list(cfg.n_train),
        "blocks": manifold.block_labels(),
        "block_dims": [b.dim for b in manifold.all_blocks],
        "tau_noise_var": cfg.tau_noise_var,
        "checkpoint_steps": list(grid),
        "tau": tau,
        "tau_fit": tau_fit(tau, manifold.block_labels()),
        "final_kept_at_tau_noise": {
            str(m["N"]): {
                "network": m["network"][-1, -1].tolist(),
                "exact": m["exact"][-1].tolist(),
                "population": m["population"][-1].tolist(),
            }
            for m in members
        },
    }


def check_study(cfg: TrainingTimeConfig, out: str | Path | None) -> None:
    """The study's pre-flight check, before anything is written: the step log, the population
    sample fits in memory at the preset's d, and each ensemble member's inputs (device, memory)
    with its run directory (under ``runs_dir`` or ``out/runs``; ``out=None``, a sweep point
    whose run directory is not made yet: only ``runs_dir``) new or holding this same training."""
    from geomem.boundary import check_device
    from geomem.train.loop import check_inputs

    sizes.check_steps("steps", cfg.steps)
    d = data_preset(cfg.preset).d
    sizes.check_fits("population_n", sizes.matrix_bytes(cfg.population_n, d, 4), cfg.population_n)
    if cfg.runs_dir or out is not None:
        root, name = (
            (Path(cfg.runs_dir), "runs_dir") if cfg.runs_dir else (Path(out) / "runs", "out")
        )
        for t in cfg.members():
            check_inputs(t, member_dir(root, t), name=name)
        return
    for t in cfg.members():  # a sweep point: no run directory yet, only device and memory
        check_device("device", t.device)
        sizes.check_fits("n_train", sizes.matrix_bytes(t.n_train, t.d, 3), t.n_train)
        sizes.check_fits(
            "batch_size", sizes.matrix_bytes(t.batch_size, t.d + 8 * t.width, 2), t.batch_size
        )


def check_point(cfg: TrainingTimeConfig) -> None:
    """A sweep point's pre-flight check (``check_study`` without an output directory)."""
    check_study(cfg, None)


TRAINING_TIME = Experiment(
    "training-time",
    TrainingTimeConfig,
    run_training_time,
    "kept dimension per block against training time, one ensemble over N; tau per block",
    check=check_point,
)


def run_study(cfg: TrainingTimeConfig, out: str | Path, *, progress: bool = False) -> dict:
    """Run the study into ``out`` (config.json first, metrics.json last; a finished study is
    read back), then write ``table.md`` and the figures ``kept_vs_step.png``,
    ``tau_vs_n.png`` and ``three_panels.png``."""
    from geomem.plots.training_time import kept_vs_step, tau_figure, tau_table, three_panels

    out = Path(out)
    metrics = run_in_dir(cfg, out, run_training_time, progress=progress)
    arrays = np.load(out / "arrays.npz", allow_pickle=False)
    with io.atomic_path(out / "table.md") as tmp:
        tmp.write_text(tau_table(metrics))
    kept_vs_step(metrics, arrays, out / "kept_vs_step.png")
    tau_figure(metrics, out / "tau_vs_n.png")
    three_panels(metrics, arrays, out / "three_panels.png")
    return metrics
