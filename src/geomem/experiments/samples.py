"""`geomem sample`: draw samples from an exact, population or trained score and find copies.

One frozen config decides the training set (a preset's draw or a data file), the score (the
same choices as `geomem spectrum`), the sampler (``geomem.sampling``) and the copy criteria
(``geomem.memorization``). Randomness: training draw [seed, 0], population [seed, 2] (as
`spectrum`), the sampler's generator derive_seed(seed, 5).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import torch

import geomem
from geomem import _validate
from geomem.boundary import check_device, check_fits, read_array
from geomem.boundary.sizes import matrix_bytes
from geomem.data import preset
from geomem.data.training import training_data
from geomem.memorization import copy_table
from geomem.sampling import SamplerConfig, sample, score_evaluations
from geomem.schedules import get_schedule
from geomem.scores.sources import check_data_and_model, source_of
from geomem.seeds import SAMPLER, derive_seed


@dataclass(frozen=True)
class SampleConfig:
    """Everything that decides a `geomem sample` result."""

    preset: str | None = "paper"  # linear-manifold preset (or None with data_file)
    data_file: str | None = None  # .npy/.npz training set (N, d) instead of a preset
    n_train: int = 1000  # N, training points drawn from the preset
    seed: int = 0  # training draw [seed, 0]; population [seed, 2]; sampler derive_seed(seed, 5)
    model: str = "exact"  # exact | population | RUN_DIR of `geomem train`
    population_n: int = 100_000  # sample size of the population reference when not closed form
    schedule: str = "ve"  # forward process of exact/population scores (a run has its own)
    n_samples: int = 256  # K samples
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    threshold: float = 1 / 3  # ratio test: copy when d1/d2 < threshold
    chunk_size: int = 4096  # training points per streamed chunk (score and neighbour search)
    device: str = "cpu"
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        if isinstance(self.sampler, dict):  # from config data (sweeps, JSON)
            object.__setattr__(self, "sampler", SamplerConfig(**self.sampler))
        check_data_and_model(self)
        _validate.positive_int("n_samples", self.n_samples)
        _validate.positive_int("population_n", self.population_n)
        _validate.positive_int("chunk_size", self.chunk_size)
        if not 0 < self.threshold < 1:
            _validate.fail("threshold", "a number in (0, 1)", self.threshold)
        get_schedule(self.schedule)


def check_inputs(cfg: SampleConfig) -> None:
    """What a run would refuse, before anything is drawn or written: the device, the data
    file (read, not copied) and the memory of the training set, the samples and the sampler's
    noise grid."""
    check_device("device", cfg.device)
    if cfg.data_file is not None:
        d = read_array("data", cfg.data_file).shape[1]  # memory-mapped
    else:
        d = preset(cfg.preset).d
        check_fits("n_train", matrix_bytes(cfg.n_train, d, 3), cfg.n_train)
    check_fits("n_samples", matrix_bytes(cfg.n_samples, d, 4), cfg.n_samples)
    check_fits("steps", matrix_bytes(cfg.sampler.steps + 1, 1, 2), cfg.sampler.steps)


def run_samples(cfg: SampleConfig, *, progress: bool = False) -> tuple[np.ndarray, dict, dict]:
    """Draw ``cfg.n_samples`` samples and test them for copies of the training set.

    Returns
    -------
    samples : ndarray (K, d)
        In data coordinates.
    summary : dict
        JSON-ready: the config, the score's schedule, score evaluations per sample and the copy
        table of ``geomem.memorization.copy_table`` (per block for presets).
    arrays : dict
        Per-sample arrays of the copy table (distances, indices, ratios, copy flags).
    """
    X, manifold = training_data(cfg.preset, cfg.n_train, cfg.seed, cfg.data_file)
    score = source_of(cfg, X, manifold)
    gen = torch.Generator(device=cfg.device).manual_seed(derive_seed(cfg.seed, SAMPLER))
    S = sample(score, cfg.n_samples, cfg.sampler, generator=gen, progress=progress)
    S = S.detach().cpu().numpy().astype(np.float64)
    if not np.all(np.isfinite(S)):
        _validate.fail("model", "a score whose samples stay finite", f"{cfg.model} (NaN/inf)")
    bases = manifold.block_bases() if manifold is not None else None
    names = manifold.block_labels() if manifold is not None else None
    table = None  # one training point has no second neighbour: no ratio test
    if len(X) >= 2:
        table = copy_table(
            S, X, bases=bases, block_names=names, threshold=cfg.threshold, chunk_size=cfg.chunk_size
        )
    summary = {
        "config": asdict(cfg),
        "N": int(X.shape[0]),
        "d": int(X.shape[1]),
        "schedule": getattr(score.schedule, "name", type(score.schedule).__name__),
        "score_evaluations_per_sample": score_evaluations(cfg.sampler),
        "copies": None if table is None else table.to_json(),
    }
    return S, summary, {} if table is None else table.arrays
