"""Noise grids: EDM's rho-spaced sigmas, and evenly spaced DDPM steps.

The continuous samplers ("heun", "sde") work on the schedule-free axis sigma = sqrt(noise_var)
(docs/science.md §2); the discrete ones ("ddpm", "ddim") on the DDPM schedule's own integer steps.
"""

from __future__ import annotations

import numpy as np
import torch

from geomem import _validate
from geomem.sampling.config import CONTINUOUS, SamplerConfig
from geomem.schedules import DDPM, VE, Schedule

EDM_SIGMA_MIN, EDM_SIGMA_MAX = 0.002, 80.0  # Karras et al. 2022, Table 1


def karras_sigmas(sigma_min: float, sigma_max: float, steps: int, rho: float = 7.0) -> torch.Tensor:
    """(steps + 1,) float64 sigma_i = (smax^(1/rho) + i/steps (smin^(1/rho) - smax^(1/rho)))^rho.

    Karras et al. 2022, eq. 5, with n - 1 = ``steps``: sigma_0 = sigma_max, sigma_steps =
    sigma_min, strictly decreasing.
    """
    steps = _validate.positive_int("steps", steps)
    lo, hi = _validate.positive("sigma_min", sigma_min), _validate.positive("sigma_max", sigma_max)
    if not lo < hi:
        _validate.fail("sigma_max", f"a value > sigma_min = {lo}", hi)
    i = torch.arange(steps + 1, dtype=torch.float64) / steps
    inv = 1.0 / rho
    grid = (hi**inv + i * (lo**inv - hi**inv)) ** rho
    grid[0], grid[-1] = hi, lo  # exact ends despite rounding
    return grid


def ddpm_timesteps(first_step: int, last_step: int, steps: int) -> np.ndarray:
    """(steps + 1,) int64 steps k_i = round(last - i (last - first) / steps), decreasing.

    Evenly spaced ("linspace" spacing in diffusers' terms) and including both ends, so
    ``steps = last - first`` visits every step. Needs ``steps <= last_step - first_step``.
    """
    steps = _validate.positive_int("steps", steps)
    if steps > last_step - first_step:
        _validate.fail(
            "steps", f"at most last_step - first_step = {last_step - first_step} for DDPM", steps
        )
    return np.round(np.linspace(last_step, first_step, steps + 1)).astype(np.int64)


def sigma_range(config: SamplerConfig, schedule: Schedule) -> tuple[float, float]:
    """(sigma_min, sigma_max) of a continuous sampler: the config's, else the schedule's."""
    if isinstance(schedule, VE):
        default = (schedule.sigma_min, schedule.sigma_max)
    elif isinstance(schedule, DDPM):
        ends = schedule.noise_var(np.array([0.0, schedule.n_steps - 1.0])) ** 0.5
        default = (float(ends[0]), float(ends[1]))
    else:
        default = (EDM_SIGMA_MIN, EDM_SIGMA_MAX)
    lo = default[0] if config.sigma_min is None else config.sigma_min
    hi = default[1] if config.sigma_max is None else config.sigma_max
    if not lo < hi:
        _validate.fail("sigma_max", f"a value > sigma_min = {lo}", hi)
    for name, sigma in (("sigma_min", lo), ("sigma_max", hi)):
        _check_reachable(name, sigma, schedule)
    return float(lo), float(hi)


def _check_reachable(name: str, sigma: float, schedule: Schedule) -> None:
    # a schedule that clamps (DDPM beyond its steps) fails the round trip v -> t -> v
    v = sigma**2
    back = float(schedule.noise_var(schedule.t_of_noise_var(np.float64(v))))
    if not abs(back - v) <= 1e-6 * v:
        _validate.fail(name, f"a noise level schedule {schedule.name!r} reaches", sigma)


def step_range(config: SamplerConfig, schedule: Schedule) -> tuple[int, int]:
    """(first_step, last_step) of a discrete sampler, inside the DDPM's 0..n_steps - 1."""
    if not isinstance(schedule, DDPM):
        _validate.fail(
            "schedule",
            f"geomem.schedules.DDPM for sampler {config.sampler!r}",
            type(schedule).__name__,
        )
    first = 0 if config.first_step is None else config.first_step
    last = schedule.n_steps - 1 if config.last_step is None else config.last_step
    if last > schedule.n_steps - 1:
        _validate.fail("last_step", f"an integer <= n_steps - 1 = {schedule.n_steps - 1}", last)
    if not first < last:
        _validate.fail("last_step", f"an integer > first_step = {first}", last)
    return first, last


def noise_grid(config: SamplerConfig, schedule: Schedule) -> torch.Tensor | np.ndarray:
    """The config's grid: (steps + 1,) sigmas (heun, sde) or integer steps (ddpm, ddim)."""
    if config.sampler in CONTINUOUS:
        return karras_sigmas(*sigma_range(config, schedule), config.steps, config.rho)
    return ddpm_timesteps(*step_range(config, schedule), config.steps)
