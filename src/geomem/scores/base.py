"""The one Score protocol: ``score(x, t)`` with its schedule attached (k-diffusion style)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

from geomem import _validate
from geomem.schedules import Schedule


@runtime_checkable
class Score(Protocol):
    """s(x, t) = grad_x log p_t(x) for a forward process ``schedule``.

    ``x`` has shape (B, d); ``t`` is a float, a 0-d tensor or a (B,) tensor of the schedule's
    own time. Returns (B, d).
    """

    schedule: Schedule
    d: int

    def __call__(self, x: torch.Tensor, t) -> torch.Tensor: ...


@runtime_checkable
class HasJacobian(Protocol):
    """A score that gives its Jacobian J = ds/dx in closed form, shape (B, d, d)."""

    def jacobian(self, x: torch.Tensor, t) -> torch.Tensor: ...


@runtime_checkable
class HasGram(Protocol):
    """A score whose Jacobian is (-I + C alpha^2/sigma^2)/sigma^2 with C of low rank, giving the
    eigenpairs of C through a small Gram matrix: returns (eigvals (B, d) ascending,
    eigvecs (B, d, d) or None, route)."""

    def covariance_eigh(self, x: torch.Tensor, t, eigvecs: bool = False): ...


def coefficients(
    schedule: Schedule, t, batch: int, dtype: torch.dtype, device: torch.device | str
) -> tuple[torch.Tensor, torch.Tensor]:
    """(alpha_t, sigma_t) as (B, 1) tensors for a scalar or (B,) time ``t``."""
    t = torch.as_tensor(t, dtype=torch.float64)
    if t.ndim > 1 or (t.ndim == 1 and t.shape[0] not in (1, batch)):
        _validate.fail("t", f"a scalar or a tensor of shape ({batch},)", tuple(t.shape))
    alpha = torch.as_tensor(schedule.alpha(t), dtype=torch.float64)
    sigma = torch.as_tensor(schedule.sigma(t), dtype=torch.float64)
    if not torch.all(sigma > 0):
        _validate.fail("t", "times with sigma_t > 0 (noise > 0)", t.tolist())
    shape = (-1, 1)
    return (
        alpha.to(dtype=dtype, device=device).expand(batch).reshape(shape),
        sigma.to(dtype=dtype, device=device).expand(batch).reshape(shape),
    )


def as_points(x, d: int, dtype: torch.dtype, device) -> torch.Tensor:
    """``x`` as a (B, d) tensor of the score's dtype and device (shape check only)."""
    x = torch.as_tensor(x, dtype=dtype, device=device)
    if x.ndim != 2 or x.shape[-1] != d:
        _validate.fail("x", f"shape (B, {d})", tuple(x.shape))
    return x
