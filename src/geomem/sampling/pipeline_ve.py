"""Samples as a diffusers ``ScoreSdeVePipeline`` draws them: its predictor-corrector sampler.

``ScoreSdeVePipeline.__call__`` with ``ScoreSdeVeScheduler`` (Song et al. 2021, Alg. 2 with
its Langevin corrector), in the pipeline's own [0, 1] coordinates y, n inference steps:

- t_i = linspace(1, sampling_eps, n), sigma_i = sigma_min (sigma_max / sigma_min)^t_i (handed
  to the U-Net), discrete sigmas sigma^d = exp(linspace(log sigma_min, log sigma_max, n));
- prior y = sigma_max z;
- per step, ``correct_steps`` times the corrector: s = s(y, sigma_i), z ~ N(0, I),
  eps = 2 (snr mean_b |z_b| / mean_b |s_b|)^2 (norms per image, means over the batch),
  y <- y + eps s + sqrt(2 eps) z;
- then the predictor: k = floor(t_i (n - 1)), g^2 = sigma^d_k^2 - sigma^d_{k-1}^2 (sigma^d_{-1}
  = 0), s = s(y, sigma_i), y_mean = y + g^2 s, y <- y_mean + g z;
- the images are y_mean.clamp(0, 1).

Here in geomem's coordinates x = 2 y - 1 (``geomem.scores.diffusers_ve``), where the score is
s_x = s / 2 and variances are 4 times as large: every step above is the same step in x (the
corrector's eps_x = 2 (snr |z| / |s_x|)^2 = 4 eps, the predictor's g_x^2 = 4 g^2), the prior is
x = -1 + 2 sigma_max z and the images x_mean.clamp(-1, 1). Noise is drawn from the generator in
the pipeline's order, so the same generator gives the pipeline's own samples
(``tests/sampling/test_pipeline.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from geomem import _validate
from geomem.sampling.pipeline import randn
from geomem.scores.diffusers_ve import SCALE, ScoreSdeVeScore


@dataclass(frozen=True)
class VeSemantics:
    """What a ``ScoreSdeVeScheduler`` config decides about sampling (diffusers' defaults)."""

    snr: float = 0.15
    sigma_min: float = 0.01
    sigma_max: float = 1348.0
    sampling_eps: float = 1e-5
    correct_steps: int = 1

    def __post_init__(self):
        _validate.positive("scheduler snr", self.snr)
        _validate.positive("scheduler sampling_eps", self.sampling_eps)
        if isinstance(self.correct_steps, bool) or int(self.correct_steps) < 0:
            _validate.fail("scheduler correct_steps", "an integer >= 0", self.correct_steps)

    @classmethod
    def from_config(cls, config: dict) -> VeSemantics:
        return cls(
            snr=float(config.get("snr", 0.15)),
            sigma_min=float(config.get("sigma_min", 0.01)),
            sigma_max=float(config.get("sigma_max", 1348.0)),
            sampling_eps=float(config.get("sampling_eps", 1e-5)),
            correct_steps=int(config.get("correct_steps", 1)),
        )

    def evaluations(self, steps: int) -> int:
        """Score evaluations per sample: (correct_steps + 1) per step."""
        return steps * (self.correct_steps + 1)

    def grid(self, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """((n,) times t_i, (n,) discrete sigmas), float32 as ``set_timesteps``/``set_sigmas``."""
        ts = torch.linspace(1, self.sampling_eps, steps)
        lo, hi = math.log(self.sigma_min), math.log(self.sigma_max)
        return ts, torch.exp(torch.linspace(lo, hi, steps))


def _norm(a: torch.Tensor) -> torch.Tensor:
    return torch.norm(a.reshape(a.shape[0], -1), dim=-1).mean()


def sample_score_sde_ve(
    score: ScoreSdeVeScore,
    semantics: VeSemantics,
    n_samples: int,
    steps: int,
    *,
    generator: torch.Generator,
    batch_size: int = 64,
    dtype: torch.dtype = torch.float32,
    callback: Callable[[], None] | None = None,
) -> torch.Tensor:
    """(n_samples, d) samples in geomem's [-1, 1] coordinates, as ``ScoreSdeVePipeline`` draws
    them with ``generator`` and ``num_inference_steps=steps`` (``batch_size`` per call)."""
    n_samples = _validate.positive_int("n_samples", n_samples)
    steps = _validate.positive_int("steps", steps)
    if steps < 2:
        _validate.fail("steps", "at least 2 (the predictor needs two noise levels)", steps)
    ts, discrete = semantics.grid(steps)
    device = getattr(score, "device", "cpu")
    out = []
    for start in range(0, n_samples, batch_size):
        B = min(batch_size, n_samples - start)
        z = randn((B, score.d), generator, torch.float32, device)
        x = (SCALE * (z * semantics.sigma_max) - 1).to(dtype)
        mean = x
        for t in ts:
            for _ in range(semantics.correct_steps):
                s = score(x, float(t)).to(dtype)
                z = randn(x.shape, generator, torch.float32, device).to(dtype)
                eps = 2 * (semantics.snr * _norm(z) / _norm(s)) ** 2
                x = x + eps * s + (2 * eps) ** 0.5 * z
            k = int((t * (steps - 1)).long())
            g2 = discrete[k] ** 2 - (discrete[k - 1] ** 2 if k > 0 else 0.0)
            g2 = SCALE**2 * float(g2)
            s = score(x, float(t)).to(dtype)
            z = randn(x.shape, generator, dtype, device)
            mean = x + g2 * s
            x = mean + g2**0.5 * z
            if callback is not None:
                callback()
        out.append(mean.clamp(-1, 1))
    return torch.cat(out)
