"""Shared by the sampling tests: a flat preset, its exact solution, and a counting score."""

from __future__ import annotations

import numpy as np
import torch

from geomem.data.manifolds import preset
from geomem.scores import GaussianScore


def flat():
    """The paper-flat preset (d = 30; stds 1 x 2, 0.3 x 5, thickness 0.01 x 23)."""
    return preset("paper-flat")


def gaussian(schedule=None) -> GaussianScore:
    return GaussianScore.from_manifold(flat(), schedule)


def exact_flow(y0: torch.Tensor, sigma0: float, sigma: float) -> torch.Tensor:
    """VE PF-ODE solution for the flat preset: y(s) = y(s0) sqrt((lam + s^2)/(lam + s0^2))."""
    m = flat()
    U = torch.as_tensor(m.basis())
    lam = torch.as_tensor(m.direction_stds() ** 2)
    return ((y0 @ U) * torch.sqrt((lam + sigma**2) / (lam + sigma0**2))) @ U.T


def block_variances(samples: torch.Tensor) -> list[tuple[float, float, int]]:
    """Per block of the flat preset: (mean sample variance per direction, true variance, dim)."""
    m, x = flat(), samples.double()
    out = []
    for U_k, block in zip(m.block_bases(), m.all_blocks, strict=True):
        proj = x @ torch.as_tensor(U_k)
        out.append((float(proj.var(0).mean()), block.std**2, block.dim))
    return out


class CountingScore:
    """Wraps a score; counts calls and rows (one row of one call = one evaluation)."""

    def __init__(self, score):
        self.inner, self.schedule, self.d = score, score.schedule, score.d
        self.calls = self.rows = 0

    def __call__(self, x, t):
        self.calls += 1
        self.rows += x.shape[0]
        return self.inner(x, t)


def rng_points(n: int, seed: int = 0) -> np.ndarray:
    return flat().sample(n, np.random.default_rng(seed))
