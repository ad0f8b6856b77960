"""Reverse-time samplers for any Score (docs/science.md §9).

All samplers live on the schedule-free axis sigma = sqrt(noise_var): a score of any schedule
is turned into its VE-equivalent s_VE(y, sigma) = alpha_t s(alpha_t y, t), and samples come
back in data coordinates (B, d). "ddpm"/"ddim" instead step the DDPM schedule's own discrete
steps in its own coordinates, as the models trained on them expect.

- :func:`sample` with a :class:`SamplerConfig`: "heun" (EDM PF-ODE), "sde" (Euler–Maruyama),
  "ddpm" (ancestral), "ddim" (eta = 0); :func:`score_evaluations` counts their cost.
- :func:`integrate` / :func:`integrate_discrete`: the same from a given state.
"""

from geomem.sampling.config import SAMPLERS, SamplerConfig, score_evaluations
from geomem.sampling.ddpm import discrete_step, integrate_discrete
from geomem.sampling.grids import ddpm_timesteps, karras_sigmas, noise_grid, sigma_range
from geomem.sampling.integrate import integrate
from geomem.sampling.ode import euler_step, heun_step
from geomem.sampling.sample import sample
from geomem.sampling.sde import em_step
from geomem.sampling.ve import tweedie, ve_score

__all__ = [
    "SAMPLERS",
    "SamplerConfig",
    "ddpm_timesteps",
    "discrete_step",
    "em_step",
    "euler_step",
    "heun_step",
    "integrate",
    "integrate_discrete",
    "karras_sigmas",
    "noise_grid",
    "sample",
    "score_evaluations",
    "sigma_range",
    "tweedie",
    "ve_score",
]
