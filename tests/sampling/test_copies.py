"""The exact empirical score sampled to small noise reproduces its training points (docs/science.md
§9); the population score of the same manifold does not."""

import math

import pytest
import torch

from geomem.sampling import SamplerConfig, sample
from geomem.schedules import VE
from geomem.scores import EmpiricalScore
from tests.sampling.helpers import gaussian, rng_points

SIGMA_MIN = 0.01  # VE() default
BOUND = 3 * SIGMA_MIN * math.sqrt(30)  # a few sigma_min sqrt(d)
CONFIGS = {
    "heun": SamplerConfig("heun", steps=20),
    "sde": SamplerConfig("sde", steps=200),
    "heun-no-denoise": SamplerConfig("heun", steps=20, denoise=False),
}


def _nearest(samples, Y):
    d = torch.cdist(samples, Y)
    return d.min(1)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_empirical_score_samples_are_training_points(name):
    Y = torch.as_tensor(rng_points(16))
    score = EmpiricalScore(Y, VE())
    samples = sample(score, 200, CONFIGS[name], generator=torch.Generator().manual_seed(0))
    dist, idx = _nearest(samples, Y)
    assert float(dist.max()) <= BOUND
    if CONFIGS[name].denoise:  # Tweedie at sigma_min: one point carries all the weight
        assert float(dist.max()) <= 1e-6
    assert len(set(idx.tolist())) >= 8  # copies of many points, not a collapse onto one


@pytest.mark.parametrize("name", ["heun", "sde"])
def test_population_score_samples_are_not_copies(name):
    Y = torch.as_tensor(rng_points(16))
    samples = sample(gaussian(VE()), 200, CONFIGS[name], generator=torch.Generator().manual_seed(0))
    dist, _ = _nearest(samples, Y)
    assert float(dist.min()) > BOUND
    assert float(dist.median()) > 5 * BOUND
