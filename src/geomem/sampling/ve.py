"""Any score on the schedule-free axis: the VE-equivalent score and the Tweedie denoiser.

A state x_t = alpha_t x_0 + sigma_t z of any schedule is the VE state y = x_t / alpha_t with
noise sigma = sigma_t / alpha_t = sqrt(noise_var) (docs/science.md §2). Its score there is
s_VE(y, sigma) = alpha_t s(alpha_t y, t),  t = schedule.t_of_noise_var(sigma^2).
"""

from __future__ import annotations

import torch

from geomem.schedules import score_to_ve
from geomem.scores.base import Score


def time_of_sigma(score: Score, sigma: float) -> tuple[float, float]:
    """(t, alpha_t) of the score's schedule at VE-equivalent noise ``sigma`` > 0."""
    t = float(score.schedule.t_of_noise_var(float(sigma) ** 2))
    return t, float(score.schedule.alpha(t))


def ve_score(score: Score, y: torch.Tensor, sigma: float) -> torch.Tensor:
    """(B, d) s_VE(y, sigma) = alpha_t s(alpha_t y, t) for a (B, d) VE-equivalent state ``y``."""
    t, alpha_t = time_of_sigma(score, sigma)
    s = score(alpha_t * y, t)
    return score_to_ve(s, alpha_t).to(dtype=y.dtype, device=y.device)


def tweedie(score: Score, y: torch.Tensor, sigma: float) -> torch.Tensor:
    """(B, d) posterior mean D(y) = y + sigma^2 s_VE(y, sigma) (= the Euler PF-ODE step to 0)."""
    return y + float(sigma) ** 2 * ve_score(score, y, sigma)
