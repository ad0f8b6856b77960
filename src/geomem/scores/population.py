"""The population reference of a linear manifold (docs/science.md §4)."""

from __future__ import annotations

import numpy as np

from geomem.data.manifolds import LinearManifold
from geomem.schedules import Schedule
from geomem.scores.empirical import EmpiricalScore
from geomem.scores.gaussian import GaussianScore


def population_score(
    manifold: LinearManifold,
    schedule: Schedule | None = None,
    *,
    n_samples: int,
    rng: np.random.Generator,
    device: str = "cpu",
    **kw,
) -> GaussianScore | EmpiricalScore:
    """N -> infinity reference: the closed-form ``GaussianScore`` of an unnormalised manifold;
    for a sphere-normalised one (no closed form) the ``EmpiricalScore`` of ``n_samples`` fresh
    samples drawn with ``rng`` (itself finite: it memorizes below v ~ std^2 / (2 ln n))."""
    if not manifold.normalize:
        return GaussianScore.from_manifold(manifold, schedule, device=device)
    return EmpiricalScore(manifold.sample(n_samples, rng), schedule, device=device, **kw)
