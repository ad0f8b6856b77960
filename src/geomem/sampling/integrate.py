"""Continuous-noise samplers from a given state: Heun / Euler PF-ODE and Euler–Maruyama SDE."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch

from geomem import _validate
from geomem.sampling.ode import euler_step, heun_step
from geomem.sampling.sde import em_step
from geomem.scores.base import Score

METHODS = ("heun", "euler", "sde")


def check_sigmas(sigmas) -> list[float]:
    """``sigmas`` as a list of >= 2 finite levels, strictly decreasing, > 0 but for a last 0."""
    s = torch.as_tensor(sigmas, dtype=torch.float64).reshape(-1)
    ok = (
        s.numel() >= 2
        and bool(torch.isfinite(s).all())
        and bool((s[1:] < s[:-1]).all())
        and bool((s[:-1] > 0).all())
        and float(s[-1]) >= 0
    )
    if not ok:
        _validate.fail("sigmas", ">= 2 finite decreasing noise levels > 0 (the last may be 0)", s)
    return s.tolist()


def integrate(
    score: Score,
    y: torch.Tensor,
    sigmas,
    method: str = "heun",
    *,
    generator: torch.Generator | None = None,
    callback: Callable[[], None] | None = None,
) -> torch.Tensor:
    """Integrate a VE-equivalent state from ``sigmas[0]`` to ``sigmas[-1]``.

    Parameters
    ----------
    score : Score
        Any schedule; it is evaluated at x = alpha_t y, t = schedule.t_of_noise_var(sigma^2).
    y : tensor (B, d)
        State x / alpha_t at noise ``sigmas[0]`` (data coordinates plus VE noise).
    sigmas : sequence of float, (n,)
        Decreasing VE-equivalent noise levels; a last 0 makes the last step the Tweedie
        denoiser y + sigma^2 s_VE(y, sigma) (for every method).
    method : str
        "heun" (2nd order, 2 evaluations per step; EDM Alg. 1), "euler" (1st order, 1) or
        "sde" (reverse SDE, Euler–Maruyama, 1; needs ``generator``).
    callback : callable, optional
        Called with no argument after each step (progress bars).

    Returns
    -------
    tensor (B, d)
        The state at ``sigmas[-1]``, same dtype and device as ``y``.
    """
    if method not in METHODS:
        _validate.fail("method", f"one of {list(METHODS)}", method)
    if method == "sde" and not isinstance(generator, torch.Generator):
        _validate.fail("generator", "a torch.Generator for method 'sde'", generator, TypeError)
    levels = check_sigmas(sigmas)
    for sigma, sigma_next in itertools.pairwise(levels):
        if method == "heun":
            y = heun_step(score, y, sigma, sigma_next)
        elif method == "euler":
            y = euler_step(score, y, sigma, sigma_next)
        else:
            y = em_step(score, y, sigma, sigma_next, generator)
        if callback is not None:
            callback()
    return y
