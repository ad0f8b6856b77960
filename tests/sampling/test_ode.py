"""Deterministic samplers: Heun's order against the exact Gaussian flow, schedule routes,
the Tweedie end step, and DDIM as the Euler step of the same ODE."""

import numpy as np
import pytest
import torch

from geomem.sampling import (
    SamplerConfig,
    ddpm_timesteps,
    integrate,
    karras_sigmas,
    sample,
    tweedie,
    ve_score,
)
from geomem.schedules import DDPM, VE, VP
from tests.sampling.helpers import exact_flow, flat, gaussian

SMIN, SMAX = 0.02, 50.0


def _start(n=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return SMAX * torch.randn(n, 30, generator=g, dtype=torch.float64)


def _order(method, steps):
    score, y0 = gaussian(), _start()
    exact = exact_flow(y0, SMAX, SMIN)
    errs = []
    for n in steps:
        y = integrate(score, y0, karras_sigmas(SMIN, SMAX, n), method)
        errs.append(float(((y - exact).norm(dim=1) / exact.norm(dim=1)).max()))
    return np.polyfit(np.log(steps), np.log(errs), 1)[0], errs


def test_heun_is_second_order_on_the_exact_gaussian_flow():
    slope, errs = _order("heun", [10, 20, 40])
    assert -2.3 <= slope <= -1.7, errs
    assert errs[-1] < 1e-2


def test_euler_is_first_order():
    slope, errs = _order("euler", [20, 40, 80])
    assert -1.3 <= slope <= -0.7, errs


@pytest.mark.parametrize("schedule", [VP(), DDPM()], ids=["vp", "ddpm"])
def test_other_schedules_give_the_ve_answer_through_x_over_alpha(schedule):
    y0 = _start(8, seed=1)
    config = SamplerConfig("heun", steps=12, sigma_min=SMIN, sigma_max=SMAX, denoise=False)
    ve = sample(gaussian(VE()), 8, config, generator=torch.Generator(), x_init=y0)
    other = gaussian(schedule)
    alpha_T = other.schedule.alpha(other.schedule.t_of_noise_var(np.float64(SMAX**2)))
    got = sample(other, 8, config, generator=torch.Generator(), x_init=alpha_T * y0)
    assert torch.allclose(got, ve, rtol=1e-9, atol=1e-12)
    # and the VE answer is the exact flow up to Heun's error at 12 steps
    exact = exact_flow(y0, SMAX, SMIN)
    assert float((ve - exact).norm() / exact.norm()) < 0.1


def test_ve_score_of_a_vp_gaussian_is_the_ve_gaussian_score():
    y = _start(4) / SMAX
    for sigma in (0.05, 1.0, 30.0):
        assert torch.allclose(ve_score(gaussian(VP()), y, sigma), ve_score(gaussian(), y, sigma))


def test_denoise_is_the_tweedie_step_at_sigma_min():
    y0 = _start(8, seed=2)
    base = {"steps": 6, "sigma_min": SMIN, "sigma_max": SMAX}
    g = torch.Generator()
    raw = sample(gaussian(), 8, SamplerConfig(denoise=False, **base), generator=g, x_init=y0)
    den = sample(gaussian(), 8, SamplerConfig(denoise=True, **base), generator=g, x_init=y0)
    assert torch.allclose(den, tweedie(gaussian(), raw, SMIN))
    # Gaussian closed form: D(y) = (I - s^2 (Sigma + s^2 I)^{-1}) y
    m = flat()
    U, lam = torch.as_tensor(m.basis()), torch.as_tensor(m.direction_stds() ** 2)
    assert torch.allclose(den, ((raw @ U) * (lam / (lam + SMIN**2))) @ U.T)


@pytest.mark.parametrize("denoise", [True, False])
def test_ddim_is_deterministic_and_is_euler_on_the_ve_axis(denoise):
    score, schedule = gaussian(DDPM()), DDPM()
    config = SamplerConfig("ddim", steps=40, denoise=denoise)
    x_T = torch.randn(6, 30, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    a = sample(score, 6, config, generator=torch.Generator().manual_seed(4), x_init=x_T)
    b = sample(score, 6, config, generator=torch.Generator().manual_seed(5), x_init=x_T)
    assert torch.equal(a, b)
    ks = ddpm_timesteps(0, 999, 40).astype(np.float64)
    sigmas = np.sqrt(schedule.noise_var(ks))
    if denoise:
        sigmas = np.append(sigmas, 0.0)
    euler = integrate(score, x_T / schedule.alpha(ks[0]), sigmas, "euler")
    assert torch.allclose(a, euler, rtol=1e-9, atol=1e-12)


def test_float32_state_runs_and_stays_close():
    y0 = _start(8, seed=6)
    c64 = SamplerConfig(steps=8, sigma_min=SMIN, sigma_max=SMAX)
    c32 = SamplerConfig(steps=8, sigma_min=SMIN, sigma_max=SMAX, dtype="float32")
    a = sample(gaussian(), 8, c64, generator=torch.Generator(), x_init=y0)
    b = sample(gaussian(), 8, c32, generator=torch.Generator(), x_init=y0)
    assert b.dtype == torch.float32
    assert float((a - b.double()).norm() / a.norm()) < 1e-5


def test_heun_with_denoise_is_edm_algorithm_1():
    # EDM Alg. 1 (no churn) written with the denoiser D(x; t), N = steps + 1 levels then t_N = 0
    m, steps, rho = flat(), 9, 7.0
    U, lam = torch.as_tensor(m.basis()), torch.as_tensor(m.direction_stds() ** 2)

    def D(x, t):
        return ((x @ U) * (lam / (lam + t**2))) @ U.T

    N = steps + 1
    t = [
        (SMAX ** (1 / rho) + i / (N - 1) * (SMIN ** (1 / rho) - SMAX ** (1 / rho))) ** rho
        for i in range(N)
    ] + [0.0]
    x = y0 = _start(8, seed=7)
    for i in range(N):
        d = (x - D(x, t[i])) / t[i]
        x_next = x + (t[i + 1] - t[i]) * d
        if t[i + 1] != 0:
            d2 = (x_next - D(x_next, t[i + 1])) / t[i + 1]
            x_next = x + (t[i + 1] - t[i]) * (0.5 * d + 0.5 * d2)
        x = x_next
    config = SamplerConfig("heun", steps=steps, sigma_min=SMIN, sigma_max=SMAX, rho=rho)
    ours = sample(gaussian(), 8, config, generator=torch.Generator(), x_init=y0, progress=True)
    assert torch.allclose(ours, x, rtol=1e-10, atol=1e-12)
