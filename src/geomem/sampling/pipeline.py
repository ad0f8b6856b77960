"""Samples as a diffusers pipeline draws them: its scheduler's own semantics, step for step.

A DDPM/DDIM pipeline's samples depend on more than its forward process: its scheduler clips the
predicted x0 (``clip_sample``, ``clip_sample_range``), spaces its inference timesteps
(``timestep_spacing``, ``steps_offset``), ends DDIM on alpha_bar = 1 or alpha_bar_0
(``set_alpha_to_one``), and starts from x_T ~ N(0, I). ``sample_pipeline`` reproduces
``DDIMScheduler.step`` (eta = 0) and ``DDPMScheduler.step`` (fixed variances), drawing
the prior and each step's noise from the generator in the order the pipeline does, so that the
same generator gives the pipeline's own samples (``tests/sampling/test_pipeline.py``).

At step t with abar_t, eps = -sqrt(1 - abar_t) s(x, t) and x0 = (x - sqrt(1 - abar_t) eps) /
sqrt(abar_t), clipped; with the previous step t' = t - T // n (abar' = 1 below 0):

- DDIM:  x' = sqrt(abar') x0 + sqrt(1 - abar') eps
- DDPM:  x' = c0 x0 + ct x + sqrt(var) z (z only when t > 0), beta = 1 - abar_t / abar',
  c0 = sqrt(abar') beta / (1 - abar_t), ct = sqrt(abar_t / abar') (1 - abar') / (1 - abar_t),
  var = max((1 - abar') / (1 - abar_t) beta, 1e-20).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from geomem import _validate
from geomem.schedules import DDPM

KINDS = ("ddim", "ddpm")
SPACINGS = ("leading", "trailing", "linspace")
VARIANCES = ("fixed_small", "fixed_small_log", "fixed_large")  # DDPMScheduler's, reproduced


@dataclass(frozen=True)
class SchedulerSemantics:
    """What a diffusers DDPM/DDIM scheduler config decides about sampling."""

    kind: str = "ddim"  # ddim (eta = 0) | ddpm (fixed_small variance)
    clip_sample: bool = True  # clamp the predicted x0 to +-clip_sample_range
    clip_sample_range: float = 1.0
    timestep_spacing: str = "leading"  # leading | trailing | linspace (diffusers' set_timesteps)
    steps_offset: int = 0
    set_alpha_to_one: bool = True  # DDIM's last step ends on abar = 1 (else abar_0)
    variance_type: str = "fixed_small"  # DDPM's step noise: fixed_small(_log) var, fixed_large beta

    def __post_init__(self):
        if self.kind not in KINDS:
            _validate.fail("sampler", f"one of {list(KINDS)}", self.kind)
        if self.timestep_spacing not in SPACINGS:
            _validate.fail(
                "scheduler timestep_spacing", f"one of {list(SPACINGS)}", self.timestep_spacing
            )
        _validate.positive("scheduler clip_sample_range", self.clip_sample_range)
        if self.kind == "ddpm" and self.variance_type not in VARIANCES:
            _validate.fail(
                "scheduler variance_type",
                f"one of {list(VARIANCES)} for the ddpm sampler (learned variances need the "
                "U-Net's variance channels; use --sampler ddim)",
                self.variance_type,
            )

    @classmethod
    def from_config(cls, config: dict, kind: str = "ddim") -> SchedulerSemantics:
        """From a ``scheduler_config.json`` dict (diffusers' defaults for missing keys)."""
        if config.get("thresholding"):
            _validate.fail(
                "scheduler thresholding", "false (dynamic thresholding unsupported)", True
            )
        return cls(
            kind=kind,
            clip_sample=bool(config.get("clip_sample", True)),
            clip_sample_range=float(config.get("clip_sample_range", 1.0)),
            timestep_spacing=str(config.get("timestep_spacing", "leading")),
            steps_offset=int(config.get("steps_offset", 0)),
            set_alpha_to_one=bool(config.get("set_alpha_to_one", True)),
            variance_type=str(config.get("variance_type", "fixed_small")),
        )

    def timesteps(self, n_train: int, steps: int) -> np.ndarray:
        """(steps,) decreasing inference timesteps, as ``set_timesteps(steps)`` gives them."""
        steps = _validate.positive_int("steps", steps)
        if steps > n_train:
            _validate.fail("steps", f"at most the {n_train} training timesteps", steps)
        if self.timestep_spacing == "linspace":
            return np.linspace(0, n_train - 1, steps).round()[::-1].astype(np.int64)
        if self.timestep_spacing == "leading":
            ratio = n_train // steps
            return (np.arange(0, steps) * ratio).round()[::-1].astype(np.int64) + self.steps_offset
        return np.round(np.arange(n_train, 0, -n_train / steps)).astype(np.int64) - 1


def randn(shape, generator: torch.Generator, dtype, device) -> torch.Tensor:
    """N(0, I) drawn on the generator's device and moved to ``device``, as diffusers'
    ``randn_tensor`` does: a CPU generator gives the same draws whatever the model's device."""
    return torch.randn(shape, generator=generator, dtype=dtype, device=generator.device).to(device)


def _abar(schedule: DDPM) -> torch.Tensor:
    # diffusers' float32 alphas_cumprod, from the schedule's own betas
    return torch.as_tensor(schedule.alpha(np.arange(schedule.n_steps, dtype=np.float64)) ** 2)


def _step(score, sem: SchedulerSemantics, x, t: int, prev: int, abar, generator) -> torch.Tensor:
    a_t = float(abar[t])
    a_p = (
        float(abar[prev])
        if prev >= 0
        else (1.0 if sem.set_alpha_to_one or sem.kind == "ddpm" else float(abar[0]))
    )
    s_t = (1 - a_t) ** 0.5
    eps = -s_t * score(x, float(t)).to(dtype=x.dtype)
    x0 = (x - s_t * eps) / a_t**0.5
    if sem.clip_sample:
        x0 = x0.clamp(-sem.clip_sample_range, sem.clip_sample_range)
    if sem.kind == "ddim":
        return a_p**0.5 * x0 + (1 - a_p) ** 0.5 * eps
    beta = 1 - a_t / a_p
    mean = (a_p**0.5 * beta / (1 - a_t)) * x0 + ((a_t / a_p) ** 0.5 * (1 - a_p) / (1 - a_t)) * x
    if t == 0:
        return mean
    var = beta if sem.variance_type == "fixed_large" else max((1 - a_p) / (1 - a_t) * beta, 1e-20)
    z = randn(x.shape, generator, x.dtype, x.device)
    return mean + var**0.5 * z


def sample_pipeline(
    score,
    semantics: SchedulerSemantics,
    n_samples: int,
    steps: int,
    *,
    generator: torch.Generator,
    batch_size: int = 64,
    dtype: torch.dtype = torch.float32,
    callback: Callable[[], None] | None = None,
) -> torch.Tensor:
    """(n_samples, d) samples in data coordinates, as the pipeline with this scheduler draws
    them with ``generator`` (``batch_size`` per call, like ``pipeline(batch_size=...)``).

    Parameters
    ----------
    score : Score
        With a ``geomem.schedules.DDPM`` schedule whose t is the training timestep.
    semantics : SchedulerSemantics
        ``SchedulerSemantics.from_config(scheduler_config)``.
    steps : int
        Inference steps (``num_inference_steps``).
    """
    if not isinstance(score.schedule, DDPM):
        _validate.fail(
            "schedule",
            "geomem.schedules.DDPM for a pipeline's sampler",
            type(score.schedule).__name__,
        )
    n_samples = _validate.positive_int("n_samples", n_samples)
    T = score.schedule.n_steps
    ts = semantics.timesteps(T, steps)
    abar = _abar(score.schedule)
    ratio = T // steps
    out = []
    for start in range(0, n_samples, batch_size):
        B = min(batch_size, n_samples - start)
        x = randn((B, score.d), generator, dtype, getattr(score, "device", "cpu"))
        for t in ts:
            x = _step(score, semantics, x, int(t), int(t) - ratio, abar, generator)
            if callback is not None:
                callback()
        out.append(x)
    return torch.cat(out)
