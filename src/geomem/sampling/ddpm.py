"""DDPM ancestral (Ho et al. 2020) and DDIM with eta = 0 (Song et al. 2021) on the DDPM
schedule's own steps, in the model's own coordinates x_k (not VE).

At step k: abar_k = alpha_k^2, sigma_k^2 = 1 - abar_k, eps_hat = -sigma_k s(x, k),
x0_hat = (x - sigma_k eps_hat) / alpha_k. Moving to an earlier step k' (abar', sigma'):

- DDIM:  x' = alpha' x0_hat + sigma' eps_hat  (in y = x / alpha: the Euler PF-ODE step in sigma)
- DDPM:  x' ~ N(mean, var) from the posterior q(x_k' | x_k, x0_hat) of the skipped chain,
  beta = 1 - abar_k / abar', mean = alpha' beta / sigma_k^2 x0_hat
  + (alpha_k / alpha') sigma'^2 / sigma_k^2 x, var = beta sigma'^2 / sigma_k^2 ("fixed small").

The final step into "clean" (abar' = 1, sigma' = 0) returns x0_hat in both: the Tweedie step.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import torch

from geomem import _validate
from geomem.sampling.sde import noise_like
from geomem.schedules import DDPM, eps_from_score
from geomem.scores.base import Score

METHODS = ("ddpm", "ddim")


def _coeffs(schedule: DDPM, k: float | None) -> tuple[float, float]:
    # (alpha, sigma) at step k; None is the clean end (abar = 1)
    if k is None:
        return 1.0, 0.0
    return float(schedule.alpha(np.float64(k))), float(schedule.sigma(np.float64(k)))


def discrete_step(
    score: Score,
    x: torch.Tensor,
    k: int,
    k_next: int | None,
    method: str,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """(B, d) state at step ``k_next`` (None: the clean x0_hat) from x at step ``k``."""
    a, s = _coeffs(score.schedule, k)
    a_next, s_next = _coeffs(score.schedule, k_next)
    eps = eps_from_score(score(x, float(k)).to(dtype=x.dtype, device=x.device), s)
    x0 = (x - s * eps) / a
    if method == "ddim" or s_next == 0:
        return a_next * x0 + s_next * eps
    beta = -math.expm1(2 * (math.log(a) - math.log(a_next)))  # 1 - abar_k / abar_k'
    mean = (a_next * beta / s**2) * x0 + (a / a_next) * (s_next**2 / s**2) * x
    return mean + math.sqrt(beta * s_next**2 / s**2) * noise_like(x, generator)


def integrate_discrete(
    score: Score,
    x: torch.Tensor,
    timesteps,
    method: str = "ddim",
    *,
    denoise: bool = True,
    generator: torch.Generator | None = None,
    callback: Callable[[], None] | None = None,
) -> torch.Tensor:
    """Run "ddpm" or "ddim" from x at ``timesteps[0]`` down to ``timesteps[-1]``.

    Parameters
    ----------
    score : Score
        With a ``geomem.schedules.DDPM`` schedule.
    x : tensor (B, d)
        State at step ``timesteps[0]`` in the model's coordinates x_k.
    timesteps : sequence of int, (n,)
        Strictly decreasing steps of the schedule.
    denoise : bool
        Then step into the clean end: return x0_hat at ``timesteps[-1]`` (data space).
    generator : torch.Generator
        Needed for "ddpm" (fresh noise each step).

    Returns
    -------
    tensor (B, d)
        x at ``timesteps[-1]`` (model coordinates), or x0_hat with ``denoise``.
    """
    if method not in METHODS:
        _validate.fail("method", f"one of {list(METHODS)}", method)
    if not isinstance(score.schedule, DDPM):
        _validate.fail(
            "schedule",
            f"geomem.schedules.DDPM for sampler {method!r}",
            type(score.schedule).__name__,
        )
    ks = [int(k) for k in np.asarray(timesteps).reshape(-1)]
    if len(ks) < 1 or any(b >= a for a, b in itertools.pairwise(ks)) or ks[-1] < 0:
        _validate.fail("timesteps", "strictly decreasing steps >= 0", ks)
    if method == "ddpm" and not isinstance(generator, torch.Generator):
        _validate.fail("generator", "a torch.Generator for sampler 'ddpm'", generator, TypeError)
    targets = ks[1:] + ([None] if denoise else [])
    for k, k_next in zip(ks, targets, strict=False):
        x = discrete_step(score, x, k, k_next, method, generator)
        if callback is not None:
            callback()
    return x
