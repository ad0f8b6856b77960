"""Exact scores: identities between routes and limits (docs/science.md §4)."""

import math

import numpy as np
import pytest
import torch

from geomem.data import LinearManifold, preset
from geomem.schedules import EDM, VE, VP
from geomem.scores import EmpiricalScore, GaussianScore
from geomem.spectra import autodiff_jacobian, jacobian_spectrum, threshold_dimension


def _data(N, d, seed=0):
    return np.random.default_rng(seed).standard_normal((N, d)) * np.linspace(1.0, 0.1, d)


def _rel(a, b):
    return float(torch.linalg.norm(a - b) / torch.linalg.norm(b))


@pytest.mark.parametrize("d", [5, 30])
@pytest.mark.parametrize("sched, t", [(VE(), 0.35), (VP(), 0.2), (EDM(), 0.3)])
def test_closed_form_jacobian_equals_autograd(d, sched, t):
    X = _data(64, d)
    score = EmpiricalScore(X, sched, chunk_size=17)
    x = torch.as_tensor(_data(5, d, seed=1) * 0.8)
    J = score.jacobian(x, t)
    assert _rel(J, autodiff_jacobian(score, x, t)) < 1e-8
    torch.testing.assert_close(J, J.transpose(1, 2), rtol=0, atol=1e-10 * float(J.abs().max()))


@pytest.mark.parametrize(
    "score_of",
    [
        lambda X: EmpiricalScore(X, VE()),
        lambda X: GaussianScore(
            np.linalg.qr(np.random.default_rng(2).standard_normal((6, 6)))[0],
            np.linspace(2.0, 0.01, 6),
            VP(),
        ),
    ],
)
def test_score_is_gradient_of_log_density(score_of):
    score = score_of(_data(50, 6))
    x = torch.as_tensor(_data(4, 6, seed=3)).requires_grad_(True)
    t = 0.4
    (grad,) = torch.autograd.grad(score.log_prob(x, t).sum(), x)
    torch.testing.assert_close(score(x.detach(), t), grad, rtol=1e-9, atol=1e-9)


def test_empirical_log_prob_normalised():
    # 1-d check by quadrature: p_t integrates to 1
    score = EmpiricalScore(np.array([[0.0], [1.5], [-0.7]]), EDM())
    grid = torch.linspace(-8, 8, 40001, dtype=torch.float64)[:, None]
    p = torch.exp(score.log_prob(grid, 0.5))
    assert float(torch.trapezoid(p, grid[:, 0])) == pytest.approx(1.0, abs=1e-8)


def test_single_point_collapses():
    score = EmpiricalScore(_data(1, 7))
    x = torch.as_tensor(_data(3, 7, seed=4))
    for v in (1e-6, 0.1, 10.0):
        sp = jacobian_spectrum(score, x, VE().t_of_noise_var(v))
        np.testing.assert_allclose(sp.eigvals, 1.0, atol=1e-12)
        assert np.all(threshold_dimension(sp) == 0)


def test_gram_route_equals_dense_route():
    X = _data(12, 20)  # N < d: C has rank <= 11
    score = EmpiricalScore(X, VE(), rtol=0.0)
    x = torch.as_tensor(_data(4, 20, seed=5))
    t = VE().t_of_noise_var(0.3)
    dense = jacobian_spectrum(score, x, t, method="closed-form", eigvecs=True)
    gram = jacobian_spectrum(score, x, t, method="gram", eigvecs=True)
    np.testing.assert_allclose(gram.eigvals, dense.eigvals, atol=1e-10)

    # eigvecs reconstruct the same normalised matrix
    def rebuild(s):
        return np.einsum("bij,bj,bkj->bik", s.eigvecs, s.eigvals, s.eigvecs)

    np.testing.assert_allclose(rebuild(gram), rebuild(dense), atol=1e-10)


def test_chunked_equals_unchunked():
    X = _data(300, 10)
    x = torch.as_tensor(_data(6, 10, seed=6))
    a, b = EmpiricalScore(X, chunk_size=7), EmpiricalScore(X, chunk_size=10_000)
    for v in (1e-4, 0.05, 3.0):
        t = VE().t_of_noise_var(v)
        torch.testing.assert_close(a(x, t), b(x, t), rtol=1e-12, atol=1e-12 / v)
        torch.testing.assert_close(a.jacobian(x, t), b.jacobian(x, t), rtol=1e-10, atol=1e-10 / v)
        torch.testing.assert_close(a.log_weights(x, t), b.log_weights(x, t))


def test_spectra_finite_at_tiny_noise():
    score = EmpiricalScore(preset("paper").sample(2000, np.random.default_rng(0)))
    x = score.Y[:4] + 1e-4 * torch.randn(
        4, 30, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    t = VE().t_of_noise_var(1e-8)
    for method in ("closed-form", "gram"):
        sp = jacobian_spectrum(score, x, t, method=method)
        assert np.all(np.isfinite(sp.eigvals))
        assert np.all(threshold_dimension(sp) == 0)  # one point dominates: dimension 0
    assert torch.all(torch.isfinite(score(x, t)))
    np.testing.assert_allclose(score.effective_n(x, t).numpy(), 1.0, rtol=1e-9)


def test_effective_n_limits_and_weights_normalised():
    X = _data(200, 5)
    score = EmpiricalScore(X)
    x = torch.as_tensor(_data(3, 5, seed=7))
    lw = score.log_weights(x, VE().t_of_noise_var(1e6))
    torch.testing.assert_close(torch.logsumexp(lw, 1), torch.zeros(3, dtype=torch.float64))
    assert torch.all(score.effective_n(x, VE().t_of_noise_var(1e6)) > 199.0)


def test_large_n_reaches_population_spectrum_of_flat_manifold():
    """N = 40000 samples of a flat 3-block manifold: at v = 0.5 the empirical spectrum at fresh
    points matches v / (v + std^2) within 0.03 (stated tolerance; N_eff is in the thousands)."""
    m = LinearManifold.from_stds(8, [2, 3], [1.0, 0.5], thickness=0.1)
    rng = np.random.default_rng(0)
    score = EmpiricalScore(m.sample(40_000, rng))
    v = 0.5
    x = torch.as_tensor(m.sample(8, rng) + math.sqrt(v) * rng.standard_normal((8, 8)))
    sp = jacobian_spectrum(score, x, VE().t_of_noise_var(v))
    expected = np.sort(v / (v + m.direction_stds() ** 2))
    np.testing.assert_allclose(np.median(sp.eigvals, axis=0), expected, atol=0.03)
    pop = jacobian_spectrum(GaussianScore.from_manifold(m), x, VE().t_of_noise_var(v))
    np.testing.assert_allclose(pop.eigvals, np.broadcast_to(expected, (8, 8)), atol=1e-12)


def test_gaussian_jacobian_equals_autograd():
    m = LinearManifold.from_stds(6, [2, 2], [1.0, 0.3], thickness=0.01, embedding="haar")
    score = GaussianScore.from_manifold(m, VP())
    x = torch.as_tensor(_data(3, 6))
    assert _rel(score.jacobian(x, 0.3), autodiff_jacobian(score, x, 0.3)) < 1e-12


def test_gaussian_refuses_normalised_manifold():
    with pytest.raises(ValueError, match="manifold: expected an unnormalised manifold"):
        GaussianScore.from_manifold(preset("paper"))


@pytest.mark.parametrize(
    "bad, msg",
    [
        (np.zeros((0, 3)), "at least one row"),
        (np.array([[1.0, np.inf]]), "finite values"),
        (np.zeros(4), "2-D array"),
    ],
)
def test_bad_training_sets(bad, msg):
    with pytest.raises(ValueError, match=msg):
        EmpiricalScore(bad)


def test_bad_points_and_noise():
    score = EmpiricalScore(_data(5, 3))
    with pytest.raises(ValueError, match=r"x \(query points\): expected shape \(B, 3\)"):
        jacobian_spectrum(score, np.zeros((2, 4)), 0.5)
    with pytest.raises(ValueError, match="finite values"):
        jacobian_spectrum(score, np.full((2, 3), np.nan), 0.5)
    with pytest.raises(ValueError, match="t: expected a time with 0 < sigma_t"):
        jacobian_spectrum(EmpiricalScore(_data(5, 3), EDM()), np.zeros((2, 3)), 0.0)


@pytest.mark.parametrize("rtol", [1e-8, 1e-4])
def test_rtol_bounds_the_spectrum_change(rtol):
    """Skipping pairs with w |y - m|^2 < rtol v / N moves each normalised eigenvalue by at most
    rtol (Weyl), and skips many points where the weights are concentrated."""
    m = LinearManifold.from_stds(
        40, [4, 6], [1.0, 0.3], thickness=0.01, embedding="haar", normalize=True
    )
    rng = np.random.default_rng(3)
    X = m.sample(3000, rng)
    exact, loose = EmpiricalScore(X, rtol=0.0), EmpiricalScore(X, rtol=rtol)
    for v in (1.0, 0.05, 0.001):
        t = VE().t_of_noise_var(v)
        x = torch.as_tensor(X[:6] + np.sqrt(v) * rng.standard_normal((6, 40)))
        for method in ("closed-form", "gram"):
            a = jacobian_spectrum(exact, x, t, method=method).eigvals
            b = jacobian_spectrum(loose, x, t, method=method).eigvals
            assert np.abs(a - b).max() <= rtol
    assert loose.covariance_eigh(x, t).route == "gram"  # at v = 0.001 few pairs survive
    assert exact.covariance_eigh(x, t).route == "dense"


def test_rtol_validated():
    with pytest.raises(ValueError, match=r"rtol: expected a number in \[0, 1\)"):
        EmpiricalScore(np.zeros((2, 2)), rtol=-1.0)
