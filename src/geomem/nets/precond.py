"""What a network sees and what its output means (EDM-style wrapper, Karras et al. 2022).

Inputs are VE-equivalent (docs/science.md §2): x_in = c_in x / alpha_t with
c_in = 1 / sqrt(sigma_data^2 + v), and c_noise = log(v) / 2 = log(sigma_t / alpha_t).
Outputs, by parameterisation:

- ``eps``: noise prediction, s = -eps_hat / sigma_t;
- ``x0``: denoiser D(x) ~ E[x_0 | x_t = x], s = (alpha_t D - x) / sigma_t^2 (Tweedie);
- ``score``: the scaled score sigma_t s (NCSN, Song & Ermon 2020), s = out / sigma_t.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from geomem import _validate
from geomem.schedules import score_from_denoiser, score_from_eps, score_from_v

PARAMETERIZATIONS = ("eps", "x0", "score")


@dataclass(frozen=True)
class Precond:
    """Input scaling of the network: ``sigma_data`` of c_in; ``scale_input=False`` feeds x as is
    (then c_noise is still log(v)/2)."""

    sigma_data: float = 1.0  # data scale in c_in = 1 / sqrt(sigma_data^2 + v)
    scale_input: bool = True  # apply c_in and divide by alpha_t

    def __post_init__(self):
        _validate.positive("sigma_data", self.sigma_data)


def check_parameterization(name: str) -> str:
    if name not in PARAMETERIZATIONS:
        _validate.fail("parameterization", f"one of {list(PARAMETERIZATIONS)}", name)
    return name


def network_inputs(
    x: torch.Tensor, alpha_t: torch.Tensor, sigma_t: torch.Tensor, precond: Precond
) -> tuple[torch.Tensor, torch.Tensor]:
    """(x_in (B, d), c_noise (B,)) for x (B, d) and (B, 1) coefficients alpha_t, sigma_t."""
    v = (sigma_t / alpha_t) ** 2
    c_noise = 0.5 * torch.log(v[:, 0])
    if not precond.scale_input:
        return x, c_noise
    return x / alpha_t / torch.sqrt(precond.sigma_data**2 + v), c_noise


def to_score(
    out: torch.Tensor,
    x: torch.Tensor,
    alpha_t: torch.Tensor,
    sigma_t: torch.Tensor,
    parameterization: str,
) -> torch.Tensor:
    """(B, d) score from the network output ``out`` (B, d) under ``parameterization`` ("eps",
    "x0", "score" = the scaled score sigma_t s, or "v" = alpha_t eps - sigma_t x0)."""
    if parameterization == "eps":
        return score_from_eps(out, sigma_t)
    if parameterization == "x0":
        return score_from_denoiser(out, x, alpha_t, sigma_t)
    if parameterization == "v":
        return score_from_v(out, x, alpha_t, sigma_t)
    return out / sigma_t


def target(x0: torch.Tensor, z: torch.Tensor, parameterization: str) -> torch.Tensor:
    """Regression target of denoising score matching for x_t = alpha_t x0 + sigma_t z."""
    return {"eps": z, "x0": x0, "score": -z}[parameterization]
