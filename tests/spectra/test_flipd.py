"""FLIPD: d - sum r_i + v |s_VE|^2 on any score, the Gaussian closed form, Hutchinson unbiased."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from geomem.data import preset
from geomem.nets import MLP, MLPConfig
from geomem.schedules import DDPM, VE
from geomem.scores import EmpiricalScore, GaussianScore
from geomem.scores.network import NetworkScore
from geomem.spectra import flipd, jacobian_spectrum

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("schedule", [VE(), DDPM()], ids=lambda s: s.name)
def test_identity_with_the_normalised_spectrum(schedule):
    """FLIPD = d - sum_i r_i + sigma_t^2 |s(alpha_t x0)|^2, r from the Gram route."""
    X = preset("paper").sample(500, np.random.default_rng(0))
    emp = EmpiricalScore(X, schedule)
    x0 = X[:4] + 0.05 * np.random.default_rng(1).standard_normal((4, 30))
    for v in (0.3, 0.02):
        t = float(schedule.t_of_noise_var(v))
        a, sigma = float(schedule.alpha(t)), float(schedule.sigma(t))
        est = flipd(emp, x0, t)
        r = jacobian_spectrum(emp, a * x0, t, method="gram").eigvals
        s2 = (emp(torch.as_tensor(a * x0), t) ** 2).sum(1).numpy()
        np.testing.assert_allclose(est.trace_term, -r.sum(1), rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(est.lid, 30 - r.sum(1) + sigma**2 * s2, rtol=1e-8)
        assert est.method == "exact" and np.all(est.se == 0) and est.noise_var == pytest.approx(v)


def test_ddpm_equals_ve_at_equal_noise_variance():
    X = preset("paper").sample(300, np.random.default_rng(2))
    x0 = X[:3]
    v = 0.01
    ve = flipd(EmpiricalScore(X, VE()), x0, float(VE().t_of_noise_var(v)))
    dd = flipd(EmpiricalScore(X, DDPM()), x0, float(DDPM().t_of_noise_var(v)))
    np.testing.assert_allclose(dd.lid, ve.lid, rtol=1e-8)


def test_gaussian_closed_form_at_the_mean():
    """At x0 = 0 the score vanishes and FLIPD = sum_i lambda_i / (lambda_i + v) -> rank."""
    flat = preset("paper")
    lam = flat.direction_stds() ** 2
    score = GaussianScore(flat.basis(), lam, VE())
    for v in (1e-1, 1e-3, 1e-6):
        est = flipd(score, np.zeros((1, 30)), float(VE().t_of_noise_var(v)))
        np.testing.assert_allclose(est.lid, np.sum(lam / (lam + v)), rtol=1e-8)
        np.testing.assert_allclose(est.norm_term, 0.0, atol=1e-20)


def test_hutchinson_is_unbiased_and_matches_the_exact_trace():
    torch.manual_seed(0)
    score = NetworkScore(MLP(MLPConfig(64)), VE(), 64)
    x0 = np.random.default_rng(3).standard_normal((2, 64))
    t = float(VE().t_of_noise_var(4.0))
    exact = flipd(score, x0, t)
    hutch = flipd(score, x0, t, n_probes=4000, rng=np.random.default_rng(4), probe_chunk=1000)
    assert hutch.method == "hutchinson" and hutch.n_probes == 4000 and np.all(hutch.se > 0)
    assert np.all(np.abs(hutch.lid - exact.lid) <= 4 * hutch.se)
    np.testing.assert_allclose(hutch.norm_term, exact.norm_term, rtol=1e-12)
    big = flipd(score, x0, t, exact_max_d=10, rng=np.random.default_rng(5))
    assert big.method == "hutchinson" and big.n_probes == 64


def test_bad_arguments():
    score = NetworkScore(MLP(MLPConfig(8)), VE(), 8)
    with pytest.raises(TypeError, match="rng: expected a numpy Generator"):
        flipd(score, np.zeros((1, 8)), 0.5, n_probes=8)
    with pytest.raises(ValueError, match="n_probes: expected an integer >= 2"):
        flipd(score, np.zeros((1, 8)), 0.5, n_probes=1, rng=np.random.default_rng(0))


@pytest.mark.parametrize("schedule", [VE(), DDPM()], ids=lambda s: s.name)
def test_closed_form_trace_equals_autodiff_on_exact_scores(schedule):
    """The score's own Jacobian (HasJacobian) gives the same FLIPD as autodiff, to 1e-10."""
    rng = np.random.default_rng(6)
    X = rng.standard_normal((50, 6)) * np.r_[1.0, 1.0, 0.3, 0.01, 0.01, 0.01]
    x0 = X[:5] + 0.1 * rng.standard_normal((5, 6))
    basis = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    scores = [
        EmpiricalScore(X, schedule),
        GaussianScore(basis, np.r_[1.0, 0.5, 0.1, 0, 0, 0], schedule),
    ]
    for score in scores:
        for v in (0.5, 0.05, 0.005):
            auto = flipd(score, x0, noise_var=v, trace="autodiff")
            closed = flipd(score, x0, noise_var=v)
            assert closed.route == "closed-form" and auto.route == "autodiff"
            assert closed.method == auto.method == "exact"
            np.testing.assert_allclose(closed.trace_term, auto.trace_term, rtol=1e-10, atol=1e-10)
            np.testing.assert_allclose(closed.lid, auto.lid, rtol=1e-10, atol=1e-10)


def test_noise_var_entry_equals_the_time_entry():
    X = preset("paper").sample(200, np.random.default_rng(7))
    for schedule in (VE(), DDPM()):
        emp = EmpiricalScore(X, schedule)
        by_t = flipd(emp, X[:3], float(schedule.t_of_noise_var(0.02)))
        by_v = flipd(emp, X[:3], noise_var=0.02)
        np.testing.assert_allclose(by_v.lid, by_t.lid, rtol=1e-12)
        assert by_v.noise_var == pytest.approx(0.02)
    with pytest.raises(ValueError, match="t: expected exactly one of t and noise_var"):
        flipd(emp, X[:1], 0.5, noise_var=0.02)
    with pytest.raises(ValueError, match="t: expected exactly one"):
        flipd(emp, X[:1])
    with pytest.raises(ValueError, match="noise_var: expected a finite number > 0"):
        flipd(emp, X[:1], noise_var=-1.0)
    with pytest.raises(ValueError, match="trace: expected one of"):
        flipd(emp, X[:1], noise_var=0.1, trace="lanczos")
