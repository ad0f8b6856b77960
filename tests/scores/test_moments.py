"""The moment route of EmpiricalScore (geomem.scores.moments) against the centred route, and
the subnormal-free weights (geomem.scores.weights)."""

import numpy as np
import pytest
import torch

from geomem.schedules import VE
from geomem.scores import EmpiricalScore, moments, onepass
from geomem.scores.weights import exp_shifted_, logits_
from geomem.spectra import jacobian_spectrum


def _data(N, d, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, d)) * np.linspace(1.0, 0.1, d) + 0.5


@pytest.mark.parametrize("chunk", [4096, 37])  # weights held (onepass) / streamed
@pytest.mark.parametrize("cache", [True, False])  # Phi cached on the score / per block
def test_moment_route_equals_centred_route(chunk, cache, monkeypatch):
    if not cache:
        monkeypatch.setattr(moments, "CACHE_ELEMENTS", 0)
        monkeypatch.setattr(moments, "BLOCK", 16)  # several blocks per chunk
    if chunk < 300:
        monkeypatch.setattr(onepass, "WHOLE_ELEMENTS", 0)
    X = _data(300, 12)
    fast = EmpiricalScore(X, chunk_size=chunk)
    slow = EmpiricalScore(X, chunk_size=chunk, moments=False)
    rng = np.random.default_rng(1)
    taken = 0
    for v in (4.0, 1.0, 0.3):
        t = VE().t_of_noise_var(v)
        x = torch.as_tensor(X[:5] + np.sqrt(v) * rng.standard_normal((5, 12)))
        _, q, phi = moments._state(fast)
        _, _, T = fast._lse_and_mean(*fast._prep(x, t), q)
        taken += moments.usable(T, torch.full((5,), v, dtype=torch.float64), 12, fast.rtol)
        a = jacobian_spectrum(fast, x, t).eigvals
        b = jacobian_spectrum(slow, x, t).eigvals
        assert np.abs(a - b).max() <= 1e-12
        m0, C0 = slow.posterior(x, t)
        m1, C1 = fast.posterior(x, t)
        torch.testing.assert_close(m1, m0, rtol=0, atol=1e-14)
        assert torch.equal(C1, C1.transpose(1, 2))
        assert float((C1 - C0).abs().max()) <= 1e-12 * v
        J0, J1 = slow.jacobian(x, t), fast.jacobian(x, t)
        assert float((J1 - J0).abs().max() * t**2) <= 1e-12  # sigma^2 J (VE: sigma = t)
    assert taken >= 2  # the route is exercised at the large noise levels
    assert (phi is None) == (not cache)


def test_moment_route_not_taken_where_it_would_blur():
    """At small noise (T / v large), rtol = 0 and d > MAX_D the centred route runs: the Gram
    route's exact null directions (r = 1) survive."""
    X = _data(200, 10)
    t = VE().t_of_noise_var(1e-4)
    x = torch.as_tensor(X[:3])
    eig = EmpiricalScore(X).covariance_eigh(x, t)
    assert eig.route == "gram"
    r = jacobian_spectrum(EmpiricalScore(X), x, t).eigvals
    assert np.all(r[:, -3:] == 1.0)
    assert (
        moments.route(EmpiricalScore(X, rtol=0.0), *EmpiricalScore(X)._prep(x, 1.0), True)[2]
        is None
    )
    big = EmpiricalScore(_data(20, moments.MAX_D + 1))
    xb = torch.as_tensor(_data(2, moments.MAX_D + 1, 1))
    assert moments.route(big, *big._prep(xb, 3.0), True) == (None, None, None)


def test_lower_products_and_covariance_unpack():
    rng = np.random.default_rng(2)
    Y = torch.as_tensor(rng.standard_normal((7, 4)))
    F = moments.features(Y)  # (10 + 4 + 1, 7)
    i, j = torch.tril_indices(4, 4)
    torch.testing.assert_close(F[:10].T, Y[:, i] * Y[:, j], rtol=0, atol=0)
    w = torch.softmax(torch.as_tensor(rng.standard_normal((3, 7))), 1)
    C = moments.covariance(w @ F.T, 4, symmetric=True)
    m = w @ Y
    ref = torch.einsum("bn,bni,bnj->bij", w, Y - m[:, None], Y - m[:, None])
    torch.testing.assert_close(C, ref, rtol=1e-12, atol=1e-14)


def test_exp_shifted_matches_exp_and_keeps_gradients():
    lg = torch.tensor(
        [0.0, -1.0, -600.0, -690.0, -691.0, -708.5, -745.5, -1e5], dtype=torch.float64
    )
    got = exp_shifted_(lg.clone())
    ref = torch.exp(lg)
    assert float((got - ref).abs().max()) < 1e-300
    assert torch.equal(got[:4], ref[:4])
    assert torch.all(got[4:] == 0)  # exp < 1e-300: exactly 0, no subnormal
    x = torch.tensor([-0.5, -800.0], dtype=torch.float64, requires_grad=True)
    exp_shifted_(x * 1.0).sum().backward()
    torch.testing.assert_close(x.grad, torch.tensor([np.exp(-0.5), 0.0], dtype=torch.float64))


@pytest.mark.parametrize("same_alpha", [True, False, 1.0])
def test_logits_in_place_round_as_the_expression(same_alpha):
    """weights.logits_ (four in-place passes) equals -(x2 - 2 a x.y + a^2 y2) / (2 s^2)
    written out, bit for bit: the committed spectra depend on the rounding of the logits."""
    rng = np.random.default_rng(4)
    x, Y = (torch.as_tensor(rng.standard_normal(sh)) * 7 for sh in ((5, 9), (40, 9)))
    a = torch.rand(5, 1, dtype=torch.float64) + 0.5
    if same_alpha:
        a = torch.full((5, 1), 0.8 if same_alpha is True else 1.0, dtype=torch.float64)
    s = torch.as_tensor(rng.random((5, 1)) * 0.1 + 1e-3)
    y2 = (Y**2).sum(1)
    ref = -((x**2).sum(1, keepdim=True) - 2 * a * (x @ Y.T) + a**2 * y2) / (2 * s**2)
    assert torch.equal(logits_(x @ Y.T, x, a, s, y2), ref)
    shifted, M = logits_(x @ Y.T, x, a, s, y2, shift=True)
    assert torch.equal(M, ref.amax(1))
    assert torch.equal(shifted, ref - M[:, None])
