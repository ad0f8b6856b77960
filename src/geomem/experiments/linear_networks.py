"""Trained networks on the linear-manifold preset against the exact empirical score of the same
N points and the population reference (docs/science.md §7.2), one N per run, and the N-sweep.

Per N: train (or resume) a network, then measure normalised spectra over a noise grid at B
training points (matched noise) for three scores — ``network`` (autodiff Jacobian, float64,
symmetric part), ``exact`` (EmpiricalScore of the N points) and ``population`` (EmpiricalScore
of a large sample, the sphere-normalised preset having no closed form) — and count the tangent
directions kept per block (threshold rule, per-subspace accounting).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

import geomem
from geomem import _validate, io, seeds
from geomem.boundary import sizes
from geomem.data import preset as data_preset
from geomem.data import query_points
from geomem.runs.base import Experiment, check_run_dir, run_in_dir
from geomem.schedules import get_schedule
from geomem.scores import EmpiricalScore
from geomem.scores.network import NetworkScore
from geomem.scores.population import population_score
from geomem.spectra.scan import scan_noise
from geomem.train.config import TrainConfig, train_preset
from geomem.train.ensemble import train_ensemble
from geomem.train.loop import train, training_set

MODELS = ("network", "exact", "population")
# A theory hook: (manifold, N, noise_var (L,)) -> (L, K) predicted kept directions per block.
Theory = Callable[[object, int, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class LinearNetworkConfig:
    """One N of the sweep: training budget, noise grid and measurement."""

    n_train: int = 1000  # N
    preset: str = "paper"  # linear-manifold preset (training data and blocks)
    train_config: str = "cpu"  # training preset: cpu | paper
    steps: int | None = None  # override the training preset's steps
    seed: int = 0  # training seed; query points use default_rng([seed, 1])
    noise_var: tuple[float, ...] = tuple(np.geomspace(1e-4, 1.0, 25).tolist())
    n_points: int = 8  # B training points at which spectra are measured
    population_n: int = 100_000  # sample size of the population reference
    threshold: float = 0.5  # tangent if r < threshold
    device: str = "cpu"
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        _validate.positive_int("n_train", self.n_train)
        if self.steps is not None:
            _validate.positive_int("steps", self.steps)
        _validate.positive_list("noise_var", self.noise_var)
        _validate.positive_int("n_points", self.n_points)
        _validate.positive_int("population_n", self.population_n)
        self.training()  # validates preset, training preset, device

    def training(self) -> TrainConfig:
        """The TrainConfig of this N."""
        return train_preset(
            self.train_config,
            preset=self.preset,
            n_train=self.n_train,
            steps=self.steps,
            seed=self.seed,
            device=self.device,
        )


def _scores(cfg: LinearNetworkConfig, run_dir: Path, X: np.ndarray):
    tcfg = cfg.training()
    sched = get_schedule(tcfg.schedule)
    rng = seeds.rng(cfg.seed, seeds.POPULATION)
    return {
        "network": NetworkScore.from_run(run_dir / "train", device=cfg.device),
        "exact": EmpiricalScore(X, sched, device=cfg.device),
        "population": population_score(
            data_preset(cfg.preset), sched, n_samples=cfg.population_n, rng=rng, device=cfg.device
        ),
    }


def run_linear_network(cfg: LinearNetworkConfig, run_dir: Path, *, progress: bool = False) -> dict:
    """Train one network and measure the three spectra (the ``Experiment`` contract)."""
    run_dir = Path(run_dir)
    train_metrics = train(cfg.training(), run_dir / "train", progress=progress)
    X = training_set(cfg.training())
    manifold = data_preset(cfg.preset)
    queries = query_points(
        "train", cfg.n_points, seeds.rng(cfg.seed, seeds.QUERIES), X_train=X, noise="matched"
    )
    arrays, kept = {"noise_var": np.asarray(cfg.noise_var)}, {}
    for name, score in _scores(cfg, run_dir, X).items():
        method = "autodiff" if name == "network" else "auto"
        scan = scan_noise(
            score,
            queries,
            cfg.noise_var,
            bases=manifold.block_bases(),
            method=method,
            threshold=cfg.threshold,
            progress=progress,
            desc=f"N={cfg.n_train} {name}",
        )
        arrays[f"spectra_{name}"] = scan.spectra
        arrays[f"dimension_{name}"] = scan.dimension
        arrays[f"subspace_{name}"] = scan.subspace_dimension
        kept[name] = scan.subspace_dimension.mean(axis=1).tolist()  # (L, K)
    io.save_npz(run_dir / "arrays.npz", arrays)
    return {
        "N": cfg.n_train,
        "blocks": manifold.block_labels(),
        "block_dims": [b.dim for b in manifold.all_blocks],
        "noise_var": list(cfg.noise_var),
        "kept": kept,
        "train": {k: train_metrics[k] for k in ("steps", "first_loss", "final_loss")},
    }


def check_linear_network(cfg: LinearNetworkConfig) -> None:
    """One N's pre-flight check, before anything is written (every sweep point, every member
    of ``run_sweep``): the device, the training's step log, and the training set, population
    sample and spectrum scan fit in memory at the preset's own d."""
    from geomem.boundary import check_device

    check_device("device", cfg.device)
    sizes.check_steps("steps", cfg.training().steps)
    d = data_preset(cfg.preset).d
    sizes.check_fits("n_train", sizes.matrix_bytes(cfg.n_train, d, 3), cfg.n_train)
    sizes.check_fits("population_n", sizes.matrix_bytes(cfg.population_n, d, 3), cfg.population_n)
    need = sizes.scan_bytes(len(cfg.noise_var), cfg.n_points, d)
    sizes.check_fits("n_points", need, cfg.n_points)


LINEAR_NETWORK = Experiment(
    "linear-network",
    LinearNetworkConfig,
    run_linear_network,
    "one trained network vs exact and population scores at one N",
    check=check_linear_network,
)


@dataclass(frozen=True)
class SweepConfig:
    """The N-sweep: one LinearNetworkConfig per N, sharing everything else."""

    n_train: tuple[int, ...] = (250, 500, 1000, 20000)
    base: LinearNetworkConfig = field(default_factory=LinearNetworkConfig)

    def __post_init__(self):
        if not self.n_train:
            _validate.fail("n_train", "a non-empty list of N", self.n_train)
        for n in self.n_train:
            _validate.positive_int("n_train", n)

    def runs(self) -> list[LinearNetworkConfig]:
        return [replace(self.base, n_train=n) for n in self.n_train]


def check_linear_sweep(sweep: SweepConfig) -> None:
    """The sweep's pre-flight check (before anything is written): the largest training set
    and the population sample fit in memory at the preset's own d."""
    d = data_preset(sweep.base.preset).d
    n = max(max(sweep.n_train), sweep.base.population_n)
    sizes.check_fits("n_train", sizes.matrix_bytes(n, d, 3), max(sweep.n_train))
    for cfg in sweep.runs():
        check_linear_network(cfg)


def run_sweep(
    sweep: SweepConfig, out: str | Path, *, progress: bool = False, theory: Theory | None = None
) -> list[dict]:
    """Run every N into ``out/N<n>``, then write ``table.md`` and the figures into ``out``."""
    from geomem.plots.linear_networks import kept_figure, kept_table, spectra_figure

    out = Path(out)
    results = []
    _train_together(sweep.runs(), out, progress)
    for cfg in sweep.runs():
        metrics = run_in_dir(cfg, out / f"N{cfg.n_train}", run_linear_network, progress=progress)
        if theory is not None:
            v = np.asarray(cfg.noise_var)
            metrics["kept"]["theory"] = np.asarray(
                theory(data_preset(cfg.preset), cfg.n_train, v)
            ).tolist()
        results.append(metrics)
    io.write_json(out / "summary.json", results)
    with io.atomic_path(out / "table.md") as tmp:
        tmp.write_text(kept_table(results))
    kept_figure(results, out / "kept_per_block.png")
    spectra_figure(out, results, out / "spectra_vs_rank.png")
    return results


def _train_together(cfgs: list[LinearNetworkConfig], out: Path, progress: bool) -> None:
    """Train the networks of every unfinished N as one stacked ensemble (``train_ensemble``:
    each member equals the single-model run); ``run_linear_network`` then finds them trained."""
    todo = [c for c in cfgs if not (out / f"N{c.n_train}" / "metrics.json").exists()]
    for c in todo:  # refuse another sweep's folder before training anything
        check_run_dir(c, out / f"N{c.n_train}")
    if len(todo) > 1:
        dirs = [out / f"N{c.n_train}" / "train" for c in todo]
        train_ensemble([c.training() for c in todo], dirs, progress=progress, state_dir=out)
