"""Samples and copies on the linear-manifold preset: the three regimes seen in samples.

Per N (one ``Experiment`` run): draw K samples from each model — the exact empirical score of
the N training points, the population reference, and a trained network (a `geomem train` run
directory, given or trained here) — with the same sampler, and test them for copies of the N
training points, whole samples and block by block (ratio test d1/d2 < 1/3 on the projections
U_k^T x, distances / sqrt(m_k)); beside it, the kept dimension per block at small noise at
training points (threshold rule, per-subspace accounting) for the same models.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

import geomem
from geomem import _validate, io, seeds
from geomem.boundary import sizes
from geomem.data import preset as data_preset
from geomem.data import query_points
from geomem.memorization import copy_table
from geomem.runs.base import Experiment, run_in_dir
from geomem.sampling import SamplerConfig, sample, score_evaluations
from geomem.schedules import get_schedule
from geomem.scores import EmpiricalScore
from geomem.scores.network import NetworkScore
from geomem.scores.population import population_score
from geomem.scores.sources import check_trained_on, data_fields
from geomem.seeds import derive_seed
from geomem.spectra.scan import scan_noise
from geomem.train.config import train_preset
from geomem.train.loop import train, training_set

MODELS = ("exact", "population", "network")


@dataclass(frozen=True)
class CopiesConfig:
    """One N: models, sampler, copy test and the small-noise dimension read-out."""

    n_train: int = 1000  # N; the training set is preset.sample(N, default_rng([seed, 0]))
    preset: str = "paper"  # linear-manifold preset
    seed: int = 0  # data [seed, 0]; queries [seed, 1]; population [seed, 2]; sampler (seed, 5, m)
    models: tuple[str, ...] = MODELS
    network_run: str | None = None  # a `geomem train` run dir for "network" ("{N}" -> N)
    schedule: str = "ve"  # forward process of the exact/population scores (and of network_run)
    train_config: str = "cpu"  # else: training preset of the network trained here
    steps: int | None = None  # override of the training preset's steps
    n_samples: int = 512  # K samples per model
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    threshold: float = 1 / 3  # ratio test: copy when d1/d2 < threshold
    noise_var: tuple[float, ...] = (1e-3, 1e-2)  # small noise levels of the dimension read-out
    n_points: int = 8  # training points (matched noise) of the dimension read-out
    population_n: int = 100_000  # sample size of the population reference
    device: str = "cpu"
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        if isinstance(self.sampler, dict):
            object.__setattr__(self, "sampler", SamplerConfig(**self.sampler))
        _validate.positive_int("n_train", self.n_train)
        _validate.seed("seed", self.seed)
        data_preset(self.preset)
        if not self.models or any(m not in MODELS for m in self.models):
            _validate.fail("models", f"a non-empty list of {list(MODELS)}", self.models)
        for name in ("n_samples", "n_points", "population_n"):
            _validate.positive_int(name, getattr(self, name))
        if not 0 < self.threshold < 1:
            _validate.fail("threshold", "a number in (0, 1)", self.threshold)
        _validate.positive_list("noise_var", self.noise_var)
        get_schedule(self.schedule)
        if self.network_run is not None and "network" in self.models:
            check_trained_on(
                self.run_path(), data_fields(self), "network_run", also=()
            )  # this N's data and schedule
        elif "network" in self.models:
            self.training()

    def run_path(self) -> str:
        """``network_run`` with "{N}" replaced by this N."""
        return self.network_run.replace("{N}", str(self.n_train))

    def training(self):
        """The TrainConfig of the network trained here (when no ``network_run`` is given)."""
        return train_preset(
            self.train_config,
            preset=self.preset,
            n_train=self.n_train,
            steps=self.steps,
            seed=self.seed,
            device=self.device,
            schedule=self.schedule,
        )


def _score(cfg: CopiesConfig, name: str, X: np.ndarray, run_dir: Path, progress: bool):
    sched = get_schedule(cfg.schedule)
    if name == "exact":
        return EmpiricalScore(X, sched, device=cfg.device)
    if name == "population":
        rng = seeds.rng(cfg.seed, seeds.POPULATION)
        manifold = data_preset(cfg.preset)
        return population_score(
            manifold, sched, n_samples=cfg.population_n, rng=rng, device=cfg.device
        )
    if cfg.network_run is not None:
        return NetworkScore.from_run(cfg.run_path(), device=cfg.device)
    train(cfg.training(), run_dir / "train", progress=progress)
    return NetworkScore.from_run(run_dir / "train", device=cfg.device)


def run_copies(cfg: CopiesConfig, run_dir: Path, *, progress: bool = False) -> dict:
    """Samples, copies and small-noise dimensions of every model at one N (the ``Experiment``
    contract); writes ``arrays.npz`` (samples, neighbour distances and ratios per model)."""
    run_dir = Path(run_dir)
    manifold = data_preset(cfg.preset)
    X = manifold.sample(cfg.n_train, seeds.rng(cfg.seed, seeds.TRAIN))
    if "network" in cfg.models and cfg.network_run is None:
        assert np.array_equal(X, training_set(cfg.training()))  # the network's own data
    bases, names = manifold.block_bases(), manifold.block_labels()
    queries = query_points(
        "train", cfg.n_points, seeds.rng(cfg.seed, seeds.QUERIES), X_train=X, noise="matched"
    )
    arrays, models = {"noise_var": np.asarray(cfg.noise_var)}, {}
    for m, name in enumerate(cfg.models):
        score = _score(cfg, name, X, run_dir, progress)
        gen = torch.Generator(device=cfg.device).manual_seed(
            derive_seed(cfg.seed, seeds.SAMPLER, m)
        )
        S = sample(score, cfg.n_samples, cfg.sampler, generator=gen, progress=progress)
        S = S.detach().cpu().numpy().astype(np.float64)
        table = copy_table(S, X, bases=bases, block_names=names, threshold=cfg.threshold)
        scan = scan_noise(
            score,
            queries,
            cfg.noise_var,
            bases=bases,
            method="autodiff" if name == "network" else "auto",
            progress=progress,
            desc=f"N={cfg.n_train} {name}",
        )
        arrays[f"samples_{name}"] = S
        arrays[f"distance_{name}"] = table.arrays["distance"][:, :2]
        arrays[f"ratio_{name}"] = table.arrays["ratio"]
        arrays[f"block_ratio_{name}"] = table.arrays["block_ratio"]
        arrays[f"kept_{name}"] = scan.subspace_dimension  # (L, B, K)
        models[name] = _summary(table.summary, scan.subspace_dimension)
    io.save_npz(run_dir / "arrays.npz", arrays)
    return {
        "N": cfg.n_train,
        "blocks": names,
        "block_dims": [b.dim for b in manifold.all_blocks],
        "noise_var": list(cfg.noise_var),
        "score_evaluations_per_sample": score_evaluations(cfg.sampler),
        "models": models,
    }


def _summary(copies: dict, kept: np.ndarray) -> dict:
    return {
        "copy_fraction": copies["criteria"]["ratio"]["fraction"],
        "carlini_fraction": copies["criteria"]["carlini"]["fraction"],
        "block_copy_fraction": [b["fraction"] for b in copies["blocks"]],
        "ratio_quantiles": copies["ratio_quantiles"],
        "d1_quantiles": copies["d1_quantiles"],
        "kept": kept.mean(axis=1).tolist(),  # (L, K): mean over query points
    }


def check_copies(cfg: CopiesConfig) -> None:
    """One N's pre-flight check, before anything is written (every sweep point, every N of
    ``run_copies_sweep``): the device, the training's and the sampler's step counts, and the
    training set, the samples and the population sample fit in memory at the preset's d."""
    from geomem.boundary import check_device

    check_device("device", cfg.device)
    if "network" in cfg.models and cfg.network_run is None:
        sizes.check_steps("steps", cfg.training().steps)
    sizes.check_steps("sampler.steps", cfg.sampler.steps)
    d = data_preset(cfg.preset).d
    rows = {"n_train": cfg.n_train, "n_samples": cfg.n_samples}
    if "population" in cfg.models:
        rows["population_n"] = cfg.population_n
    for name, n in rows.items():
        sizes.check_fits(name, sizes.matrix_bytes(n, d, 4), n)


COPIES = Experiment(
    "copies",
    CopiesConfig,
    run_copies,
    "samples of exact, population and trained scores at one N, tested for copies per block",
    check=check_copies,
)


@dataclass(frozen=True)
class CopiesSweepConfig:
    """The N-sweep: one CopiesConfig per N, sharing everything else."""

    n_train: tuple[int, ...] = (64, 250, 1000, 4000, 20000)
    base: CopiesConfig = field(default_factory=CopiesConfig)

    def __post_init__(self):
        if not self.n_train:
            _validate.fail("n_train", "a non-empty list of N", self.n_train)
        for n in self.n_train:
            _validate.positive_int("n_train", n)
        self.runs()  # validates every N (e.g. that each network run exists)

    def runs(self) -> list[CopiesConfig]:
        return [replace(self.base, n_train=n) for n in self.n_train]


def check_copies_sweep(sweep) -> None:
    """The sweep's pre-flight check, before anything is written: the largest training set, the
    samples and the population sample fit in memory at the preset's own d."""
    d = data_preset(sweep.base.preset).d
    rows = {"n_train": max(sweep.n_train), "n_samples": sweep.base.n_samples}
    if "population" in sweep.base.models:
        rows["population_n"] = sweep.base.population_n
    for name, n in rows.items():
        sizes.check_fits(name, sizes.matrix_bytes(n, d, 4), n)
    for cfg in sweep.runs():
        check_copies(cfg)


def run_copies_sweep(sweep: CopiesSweepConfig, out: str | Path, *, progress=False) -> list[dict]:
    """Run every N into ``out/N<n>``, then write ``summary.json``, ``table.md`` and figures."""
    from geomem.plots.copies import copies_table, fraction_figure, ratio_histograms

    out = Path(out)
    results = [
        run_in_dir(cfg, out / f"N{cfg.n_train}", run_copies, progress=progress)
        for cfg in sweep.runs()
    ]
    io.write_json(out / "summary.json", results)
    with io.atomic_path(out / "table.md") as tmp:
        tmp.write_text(copies_table(results))
    fraction_figure(results, out / "copy_fraction.png")
    ratio_histograms(out, results, out / "ratio_histograms.png")
    return results
