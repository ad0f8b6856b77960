"""Probability-flow ODE in VE form, dy/dsigma = -sigma s_VE(y, sigma) (docs/science.md §9).

EDM's deterministic sampler (Karras et al. 2022, Alg. 1, no churn) takes Heun steps between
positive noise levels and an Euler step into sigma = 0; that Euler step is the Tweedie denoiser
D(y) = y + sigma^2 s_VE(y, sigma), which is why a grid may end in 0 but nowhere else.
"""

from __future__ import annotations

import torch

from geomem.sampling.ve import tweedie, ve_score
from geomem.scores.base import Score


def velocity(score: Score, y: torch.Tensor, sigma: float) -> torch.Tensor:
    """(B, d) dy/dsigma = -sigma s_VE(y, sigma)."""
    return -sigma * ve_score(score, y, sigma)


def euler_step(score: Score, y: torch.Tensor, sigma: float, sigma_next: float) -> torch.Tensor:
    """y + (sigma_next - sigma) dy/dsigma (1 score evaluation); into 0 it is Tweedie."""
    if sigma_next == 0:
        return tweedie(score, y, sigma)
    return y + (sigma_next - sigma) * velocity(score, y, sigma)


def heun_step(score: Score, y: torch.Tensor, sigma: float, sigma_next: float) -> torch.Tensor:
    """Heun's 2nd-order step (2 evaluations); Euler into sigma_next = 0 (EDM Alg. 1, l. 6-8)."""
    if sigma_next == 0:
        return tweedie(score, y, sigma)
    h = sigma_next - sigma
    d = velocity(score, y, sigma)
    y_euler = y + h * d
    return y + 0.5 * h * (d + velocity(score, y_euler, sigma_next))
