"""Reverse-time SDE in VE form, Euler–Maruyama (Song et al. 2021, "reverse diffusion" on VE).

For the forward dy = sqrt(d sigma^2 / dtau) dW, one reverse step from sigma to sigma' < sigma:
y' = y + (sigma^2 - sigma'^2) s_VE(y, sigma) + sqrt(sigma^2 - sigma'^2) z,  z ~ N(0, I).
A step into sigma' = 0 drops the noise: it is the Tweedie denoiser y + sigma^2 s_VE(y, sigma).
"""

from __future__ import annotations

import math

import torch

from geomem.sampling.ve import tweedie, ve_score
from geomem.scores.base import Score


def noise_like(y: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(B, d) standard normal draws from ``generator`` (on its device), moved to y's device."""
    z = torch.randn(y.shape, generator=generator, dtype=y.dtype, device=generator.device)
    return z.to(y.device)


def em_step(
    score: Score, y: torch.Tensor, sigma: float, sigma_next: float, generator: torch.Generator
) -> torch.Tensor:
    """One Euler–Maruyama step of the reverse VE SDE (1 score evaluation)."""
    if sigma_next == 0:
        return tweedie(score, y, sigma)
    dv = sigma**2 - sigma_next**2  # decrease of the noise variance
    return y + dv * ve_score(score, y, sigma) + math.sqrt(dv) * noise_like(y, generator)
