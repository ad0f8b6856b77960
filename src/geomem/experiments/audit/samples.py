"""The audit's samples: drawn by the model's own sampler, and their copies among the training
images.

A diffusers model is sampled as its pipeline samples it, step for step and draw for draw
(same generator, same images): a DDPM/DDIM pipeline through ``geomem.sampling.pipeline``
(its scheduler's clipping, spacing, variance type), a ``ScoreSdeVePipeline`` through its
predictor-corrector sampler (``geomem.sampling.pipeline_ve``). Any other model (or another
``--sampler``) goes through ``geomem.sampling.sample``.
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from geomem import _validate
from geomem.memorization import copy_table
from geomem.sampling import SamplerConfig, sample, score_evaluations
from geomem.sampling.config import DISCRETE
from geomem.sampling.pipeline import SchedulerSemantics, sample_pipeline
from geomem.sampling.pipeline_ve import VeSemantics, sample_score_sde_ve
from geomem.schedules import DDPM

VE_PC = "score_sde_ve"  # the ScoreSdeVePipeline's predictor-corrector sampler


def _ve(model) -> bool:
    from geomem.scores.diffusers_ve import ScoreSdeVeScore

    return isinstance(model.score, ScoreSdeVeScore)


def sampler_name(cfg, model) -> str:
    """``--sampler``, or the model's own: ddim on a DDPM schedule, the pipeline's
    predictor-corrector sampler for a ScoreSdeVe pipeline, else heun."""
    if cfg.sampler is not None:
        return cfg.sampler
    return VE_PC if _ve(model) else model.default_sampler


def sampler_config(cfg, model) -> SamplerConfig:
    """geomem's own sampler options (for models without a pipeline sampler)."""
    name = sampler_name(cfg, model)
    return SamplerConfig(
        sampler="heun" if name == VE_PC else name,
        steps=cfg.sampler_steps,
        batch_size=max(1, min(cfg.samples, 64)),
        dtype=cfg.dtype,
    )


def pipeline_semantics(cfg, model):
    """The pipeline's own sampler of a diffusers model: ``SchedulerSemantics`` (its scheduler
    config's clipping, spacing and variance, sampled with ddim or ddpm), ``VeSemantics`` (a
    ScoreSdeVe pipeline's predictor-corrector), or None (other models or samplers). Checked in
    ``prepare``, before anything is written."""
    sched_cfg = getattr(model.score, "scheduler_config", None)
    name = sampler_name(cfg, model)
    if sched_cfg is None:
        return None
    if name == VE_PC:
        return VeSemantics.from_config(sched_cfg)
    if name not in ("ddim", "ddpm") or _ve(model):
        return None
    return SchedulerSemantics.from_config(sched_cfg, name)


def check(cfg, model) -> None:
    """Refuse, before anything is written, a sampler the model cannot be sampled with: its
    scheduler config's unsupported options (``pipeline_semantics``), or a discrete DDPM/DDIM
    sampler on a model without a DDPM schedule."""
    if pipeline_semantics(cfg, model) is None and sampler_name(cfg, model) in DISCRETE:
        if not isinstance(model.score.schedule, DDPM):
            got = f"{cfg.sampler} for a {type(model.score.schedule).__name__} model"
            _validate.fail("sampler", "heun or sde (ddim and ddpm need a DDPM schedule)", got)


def evaluations(cfg, model) -> int:
    """Score evaluations of drawing the S samples."""
    if not cfg.samples:
        return 0
    sem = pipeline_semantics(cfg, model)
    if isinstance(sem, VeSemantics):
        return cfg.samples * sem.evaluations(cfg.sampler_steps)
    if isinstance(sem, SchedulerSemantics):
        return cfg.samples * cfg.sampler_steps
    return cfg.samples * score_evaluations(sampler_config(cfg, model))


def draw(model, cfg, *, progress: bool = False) -> torch.Tensor:
    """(S, d) samples of ``model`` with generator seed ``cfg.seed``, as its pipeline draws
    them (``pipeline_semantics``; a CPU generator whatever the device, so that the samples are
    the CPU pipeline's) or by ``geomem.sampling.sample``."""
    scfg = sampler_config(cfg, model)
    sem = pipeline_semantics(cfg, model)
    if sem is None:
        gen = torch.Generator(device=cfg.device).manual_seed(cfg.seed)
        return sample(model.score, cfg.samples, scfg, generator=gen, progress=progress)
    gen = torch.Generator().manual_seed(cfg.seed)  # on the CPU, as a pipeline's generator
    n_batches = -(-cfg.samples // scfg.batch_size)
    bar = tqdm(total=n_batches * cfg.sampler_steps, desc="sampling", unit="step",
               disable=not progress)  # fmt: skip
    run = sample_score_sde_ve if isinstance(sem, VeSemantics) else sample_pipeline
    S = run(
        model.score, sem, cfg.samples, cfg.sampler_steps, generator=gen,
        batch_size=scfg.batch_size, dtype=getattr(torch, cfg.dtype), callback=bar.update,
    )  # fmt: skip
    bar.close()
    return S


def samples_and_copies(model, train: np.ndarray, cfg, *, progress=False):
    """(S, d) samples in data coordinates (``draw``) and their ``CopyTable`` against all of
    ``train`` (None with fewer than 2 training images: no second neighbour)."""
    S = draw(model, cfg, progress=progress).detach().to("cpu", torch.float64).numpy()
    if len(train) < 2:
        return S, None
    return S, copy_table(S, train, threshold=cfg.threshold)
