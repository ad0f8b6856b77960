"""Score sources behind one protocol: exact empirical, Gaussian population, and models
through thin adapters (plain callables; diffusers folders, imported lazily from
``geomem.scores.diffusers``)."""

from geomem.scores.base import HasGram, HasJacobian, Score
from geomem.scores.callable import CallableScore
from geomem.scores.empirical import EmpiricalScore
from geomem.scores.gaussian import GaussianScore
from geomem.scores.population import population_score

__all__ = [
    "CallableScore",
    "EmpiricalScore",
    "GaussianScore",
    "HasGram",
    "HasJacobian",
    "Score",
    "population_score",
]
