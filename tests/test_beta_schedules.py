"""diffusers' beta schedules in geomem's DDPM, and the v-parameterisation."""

import numpy as np
import pytest
import torch

from geomem import schedules as S

diffusers = pytest.importorskip("diffusers")

CASES = [
    dict(beta_schedule="linear", beta_start=1e-4, beta_end=0.02, n_steps=1000),
    dict(beta_schedule="linear", beta_start=3e-4, beta_end=0.03, n_steps=250),
    dict(beta_schedule="scaled_linear", beta_start=8.5e-4, beta_end=0.012, n_steps=1000),
    dict(beta_schedule="squaredcos_cap_v2", n_steps=1000),
    dict(beta_schedule="squaredcos_cap_v2", n_steps=50),
]


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: f"{kw['beta_schedule']}-{kw['n_steps']}")
def test_alphas_cumprod_equal_diffusers(kw):
    ours = S.DDPM(**kw)
    ref_kw = {k: v for k, v in kw.items() if k != "n_steps"}
    ref = diffusers.DDPMScheduler(num_train_timesteps=kw["n_steps"], **ref_kw)
    abar = ref.alphas_cumprod.double().numpy()
    np.testing.assert_allclose(ours.betas, ref.betas.double().numpy(), rtol=1e-6)  # f32 there
    np.testing.assert_allclose(np.exp(ours.log_alpha_bar), abar, rtol=1e-4)  # f32 cumprod
    k = np.arange(kw["n_steps"], dtype=np.float64)
    np.testing.assert_allclose(ours.alpha(k) ** 2, abar, rtol=1e-4)
    np.testing.assert_allclose(ours.t_of_noise_var(ours.noise_var(k)), k, atol=1e-7)


def test_default_is_the_linear_schedule():
    assert S.DDPM() == S.DDPM(beta_schedule="linear")
    assert S.DDPM(1e-4, 0.02, 1000) == S.DDPM()


def test_bad_beta_schedule():
    with pytest.raises(ValueError, match="beta_schedule: expected one of"):
        S.DDPM(beta_schedule="sigmoid")


@pytest.mark.parametrize("sched", [S.DDPM(), S.VE(), S.VP()], ids=lambda s: s.name)
def test_v_prediction_identities(sched):
    """x = a x0 + s eps and v = a eps - s x0 give back eps, x0 and the score of eps."""
    g = torch.Generator().manual_seed(0)
    x0, eps = torch.randn(5, 7, generator=g, dtype=torch.float64), torch.randn(5, 7, generator=g)
    eps = eps.double()
    t = 40.0 if sched.name == "ddpm" else 0.4
    a, s = float(sched.alpha(t)), float(sched.sigma(t))
    x, v = a * x0 + s * eps, a * eps - s * x0
    score = S.score_from_v(v, x, a, s)
    torch.testing.assert_close(score, S.score_from_eps(eps, s))
    torch.testing.assert_close(S.denoiser_from_score(score, x, a, s), x0)
    torch.testing.assert_close(S.v_from_score(score, x, a, s), v)
