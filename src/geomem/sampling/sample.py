"""``sample``: draw n samples from any Score with one of the samplers of ``SamplerConfig``."""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from geomem import _validate
from geomem.sampling.config import CONTINUOUS, SamplerConfig
from geomem.sampling.ddpm import integrate_discrete
from geomem.sampling.grids import noise_grid
from geomem.sampling.integrate import integrate
from geomem.sampling.sde import noise_like
from geomem.sampling.ve import time_of_sigma
from geomem.scores.base import Score


def sample(
    score: Score,
    n_samples: int,
    config: SamplerConfig | None = None,
    *,
    generator: torch.Generator,
    progress: bool = False,
    x_init=None,
) -> torch.Tensor:
    """Draw ``n_samples`` samples by reverse-time integration of ``score``.

    The prior is x_T = alpha_T sigma_max z in the model's coordinates (VE: sigma_max z), i.e.
    N(0, sigma_max^2 I) for y = x / alpha_T. Like EDM this ignores the data variance
    (the exact marginal is N(0, Sigma + sigma_max^2 I)); the mismatch is of order
    var(data) / sigma_max^2.

    Parameters
    ----------
    score : Score
        Any schedule for "heun"/"sde"; a ``geomem.schedules.DDPM`` one for "ddpm"/"ddim".
    n_samples : int
        Number of samples (>= 1), integrated ``config.batch_size`` at a time.
    config : SamplerConfig
        Sampler, grid and options; default ``SamplerConfig()`` (Heun, 35 steps, denoise).
    generator : torch.Generator
        All randomness (prior and SDE/DDPM noise), drawn batch by batch on its device.
    progress : bool
        Show a tqdm bar over steps of all batches.
    x_init : array (n_samples, d), optional
        Start states at the first noise level, in the model's coordinates, instead of noise.

    Returns
    -------
    tensor (n_samples, d)
        Samples in data coordinates: the Tweedie denoised states with ``denoise`` (default),
        else the states x / alpha_t at the last noise level. On the score's device.
    """
    config = SamplerConfig() if config is None else config
    if not isinstance(config, SamplerConfig):
        _validate.fail("config", "a SamplerConfig", config, TypeError)
    if not isinstance(score, Score):
        _validate.fail("score", "a Score (callable with .schedule and .d)", score, TypeError)
    n_samples = _validate.positive_int("n_samples", n_samples)
    if not isinstance(generator, torch.Generator):
        _validate.fail("generator", "a torch.Generator", generator, TypeError)
    dtype = getattr(torch, config.dtype)
    device = torch.device(getattr(score, "device", "cpu"))
    grid = noise_grid(config, score.schedule)
    if x_init is not None:
        x_init = _check_init(x_init, n_samples, score.d, dtype, device)
    starts = range(0, n_samples, config.batch_size)
    per_batch = config.steps + int(config.denoise)
    out = []
    with tqdm(total=len(starts) * per_batch, desc=config.sampler, disable=not progress) as bar:
        for start in starts:
            B = min(config.batch_size, n_samples - start)
            x0 = None if x_init is None else x_init[start : start + B]
            like = torch.empty((B, score.d), dtype=dtype, device=device)
            out.append(_batch(score, config, grid, like, x0, generator, bar.update))
    return torch.cat(out)


def _batch(score, config, grid, like, x0, generator, callback) -> torch.Tensor:
    if config.sampler in CONTINUOUS:
        _, alpha_T = time_of_sigma(score, float(grid[0]))
        y = float(grid[0]) * noise_like(like, generator) if x0 is None else x0 / alpha_T
        sigmas = torch.cat([grid, torch.zeros(1, dtype=grid.dtype)]) if config.denoise else grid
        return integrate(score, y, sigmas, config.sampler, generator=generator, callback=callback)
    sigma_T = float(score.schedule.sigma(np.float64(grid[0])))
    x = sigma_T * noise_like(like, generator) if x0 is None else x0
    x = integrate_discrete(
        score,
        x,
        grid,
        config.sampler,
        denoise=config.denoise,
        generator=generator,
        callback=callback,
    )
    if config.denoise:
        return x
    return x / float(score.schedule.alpha(np.float64(grid[-1])))


def _check_init(x_init, n: int, d: int, dtype, device) -> torch.Tensor:
    x = torch.as_tensor(x_init, dtype=dtype, device=device)
    if tuple(x.shape) != (n, d):
        _validate.fail("x_init", f"shape ({n}, {d})", tuple(x.shape))
    if not bool(torch.isfinite(x).all()):
        _validate.fail("x_init", "finite values", "NaN/inf entries")
    return x
