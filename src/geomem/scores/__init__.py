"""Score sources behind one protocol: exact empirical, Gaussian population (and, later,
trained networks through adapters)."""

from geomem.scores.base import HasGram, HasJacobian, Score
from geomem.scores.empirical import EmpiricalScore
from geomem.scores.gaussian import GaussianScore
from geomem.scores.population import population_score

__all__ = [
    "EmpiricalScore",
    "GaussianScore",
    "HasGram",
    "HasJacobian",
    "Score",
    "population_score",
]
