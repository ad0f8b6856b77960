"""SamplerConfig validation, grids and the score-evaluation count."""

import math

import numpy as np
import pytest
import torch

from geomem.sampling import (
    SAMPLERS,
    SamplerConfig,
    ddpm_timesteps,
    karras_sigmas,
    noise_grid,
    sample,
    score_evaluations,
    sigma_range,
)
from geomem.schedules import DDPM, EDM, VE, VP
from tests.sampling.helpers import CountingScore, gaussian


@pytest.mark.parametrize(
    ("kw", "param"),
    [
        ({"steps": 0}, "steps"),
        ({"sampler": "euler-a"}, "sampler"),
        ({"sigma_min": float("nan")}, "sigma_min"),
        ({"sigma_max": float("inf")}, "sigma_max"),
        ({"sigma_min": 2.0, "sigma_max": 1.0}, "sigma_max"),
        ({"sigma_min": -1.0}, "sigma_min"),
        ({"batch_size": 0}, "batch_size"),
        ({"rho": 0.0}, "rho"),
        ({"dtype": "float16"}, "dtype"),
        ({"sampler": "ddpm", "sigma_min": 0.1}, "sigma_min"),
        ({"sampler": "ddpm", "first_step": 5, "last_step": 5}, "last_step"),
        ({"sampler": "ddim", "first_step": -1}, "first_step"),
        ({"sampler": "heun", "last_step": 10}, "last_step"),
    ],
)
def test_bad_config_names_the_parameter(kw, param):
    with pytest.raises(ValueError, match=f"^{param}: expected"):
        SamplerConfig(**kw)


def test_bad_sample_arguments():
    score = gaussian()
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="^n_samples: expected"):
        sample(score, 0, SamplerConfig(steps=2), generator=g)
    with pytest.raises(TypeError, match="^generator: expected"):
        sample(score, 2, SamplerConfig(steps=2), generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="^x_init: expected"):
        sample(score, 2, SamplerConfig(steps=2), generator=g, x_init=np.zeros((3, 30)))
    with pytest.raises(ValueError, match="^schedule: expected .*DDPM"):
        sample(score, 2, SamplerConfig("ddpm", steps=2), generator=g)
    with pytest.raises(ValueError, match="^steps: expected at most"):
        sample(gaussian(DDPM()), 2, SamplerConfig("ddim", steps=1000), generator=g)
    # a VE-equivalent noise beyond the DDPM's last step would be clamped: refuse it
    with pytest.raises(ValueError, match="^sigma_max: expected a noise level"):
        sample(gaussian(DDPM()), 2, SamplerConfig("heun", sigma_max=1e3), generator=g)


def test_karras_grid_ends_and_spacing():
    s = karras_sigmas(0.002, 80.0, 17, rho=7.0)
    assert s.shape == (18,) and s[0] == 80.0 and s[-1] == 0.002
    assert torch.all(s[1:] < s[:-1])
    # rho = 1 is uniform spacing; sigma^(1/rho) is uniform in general
    assert torch.allclose(karras_sigmas(1.0, 3.0, 4, rho=1.0), torch.linspace(3, 1, 5).double())
    r = s ** (1 / 7)
    assert torch.allclose(r[1:] - r[:-1], (r[1] - r[0]).expand(17))


def test_ddpm_timesteps_cover_the_range():
    assert ddpm_timesteps(0, 999, 999).tolist() == list(range(999, -1, -1))
    k = ddpm_timesteps(0, 999, 50)
    assert k[0] == 999 and k[-1] == 0 and len(k) == 51 and np.all(np.diff(k) < 0)
    assert np.all(np.abs(np.diff(k) + 999 / 50) <= 1)  # even spacing up to rounding


def test_default_sigma_ranges_follow_the_schedule():
    assert sigma_range(SamplerConfig(), VE(0.02, 20.0)) == (0.02, 20.0)
    assert sigma_range(SamplerConfig(), EDM()) == (0.002, 80.0)
    assert sigma_range(SamplerConfig(), VP()) == (0.002, 80.0)
    lo, hi = sigma_range(SamplerConfig(), DDPM())
    assert math.isclose(lo**2, DDPM().noise_var(0.0))
    assert math.isclose(hi**2, DDPM().noise_var(999.0))
    assert noise_grid(SamplerConfig("ddim", steps=10), DDPM()).tolist()[-1] == 0


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("denoise", [True, False])
def test_score_evaluations_counts_the_calls(sampler, denoise):
    schedule = DDPM() if sampler in ("ddpm", "ddim") else VP()
    score = CountingScore(gaussian(schedule))
    config = SamplerConfig(sampler, steps=5, denoise=denoise, batch_size=4)
    out = sample(score, 10, config, generator=torch.Generator().manual_seed(0))
    assert out.shape == (10, 30) and bool(torch.isfinite(out).all())
    n_batches = 3  # 4 + 4 + 2
    assert score.calls == n_batches * score_evaluations(config)
    assert score.rows == 10 * score_evaluations(config)
    per_step = 2 if sampler == "heun" else 1
    assert score_evaluations(config) == per_step * 5 + denoise
