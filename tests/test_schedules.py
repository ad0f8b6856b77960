import math

import numpy as np
import pytest
import torch

from geomem import schedules as S
from geomem.scores import EmpiricalScore

ALL = [S.VE(), S.VE(0.002, 80.0), S.VP(), S.DDPM(), S.EDM()]


@pytest.mark.parametrize("sched", ALL, ids=lambda s: repr(s))
def test_round_trip_numpy_and_torch(sched):
    t = (
        np.array([3.0, 15.0, 151.5, 700.0])
        if sched.name == "ddpm"
        else np.array([0.05, 0.3, 0.77, 1.0])
    )
    np.testing.assert_allclose(sched.t_of_noise_var(sched.noise_var(t)), t, rtol=1e-10)
    tt = torch.as_tensor(t)
    back = sched.t_of_noise_var(sched.noise_var(tt))
    assert isinstance(back, torch.Tensor)
    np.testing.assert_allclose(back.numpy(), t, rtol=1e-10)


@pytest.mark.parametrize("sched", ALL, ids=lambda s: repr(s))
def test_noise_var_is_sigma_over_alpha_squared(sched):
    t = np.array([5.0, 100.0]) if sched.name == "ddpm" else np.array([0.1, 0.9])
    np.testing.assert_allclose(
        sched.noise_var(t), (sched.sigma(t) / sched.alpha(t)) ** 2, rtol=1e-12
    )


def test_ddpm_worked_values():
    ddpm = S.DDPM()
    assert ddpm.sigma(2.0) == pytest.approx(0.0190, abs=5e-5)
    assert ddpm.sigma(15.0) == pytest.approx(0.0631, abs=1e-4)
    assert ddpm.noise_var(15.0) == pytest.approx(0.0040, abs=5e-5)
    # alpha^2 + sigma^2 = 1 for a variance-preserving discrete schedule
    np.testing.assert_allclose(
        ddpm.alpha(np.arange(1000.0)) ** 2 + ddpm.sigma(np.arange(1000.0)) ** 2, 1.0, rtol=1e-12
    )


def test_vp_closed_forms():
    vp = S.VP()
    assert vp.noise_var(0.3) == pytest.approx(math.exp(0.6) - 1)
    assert vp.alpha(0.3) ** 2 + vp.sigma(0.3) ** 2 == pytest.approx(1.0)


def test_parameterisations_agree_with_tweedie():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    vp = S.VP()
    score = EmpiricalScore(X, vp)
    x, t = torch.as_tensor(rng.standard_normal((6, 4))), 0.4
    a, s = vp.alpha(t), vp.sigma(t)
    sc, D = score(x, t), score.denoiser(x, t)
    torch.testing.assert_close(S.score_from_denoiser(D, x, a, s), sc)
    torch.testing.assert_close(S.denoiser_from_score(sc, x, a, s), D)
    torch.testing.assert_close(S.score_from_eps(S.eps_from_score(sc, s), s), sc)


def test_schedule_conversion_scores_and_jacobians():
    """s_VP(x) = s_VE(x/alpha)/alpha and J_VP = J_VE/alpha^2 at equal noise variance."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 5))
    vp, edm = S.VP(), S.EDM()
    s_vp, s_ve = EmpiricalScore(X, vp), EmpiricalScore(X, edm)
    t = 0.35
    a = vp.alpha(t)
    t_ve = edm.t_of_noise_var(vp.noise_var(t))
    x = torch.as_tensor(rng.standard_normal((4, 5)))
    torch.testing.assert_close(s_vp(x, t), S.score_from_ve(s_ve(x / a, t_ve), a))
    torch.testing.assert_close(S.score_to_ve(s_vp(x, t), a), s_ve(x / a, t_ve))
    torch.testing.assert_close(S.jacobian_to_ve(s_vp.jacobian(x, t), a), s_ve.jacobian(x / a, t_ve))


def test_bad_schedule_parameters():
    with pytest.raises(ValueError, match="sigma_max"):
        S.VE(1.0, 0.5)
    with pytest.raises(ValueError, match="sigma_min: expected a finite number > 0"):
        S.VE(-1.0, 2.0)
    with pytest.raises(ValueError, match="schedule: expected one of"):
        S.get_schedule("cosine")
