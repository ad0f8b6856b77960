"""EmpiricalScore with all B x N weights held (geomem.scores.onepass) against its streamed
route, the per-query syrk against the batched GEMMs, and both against a plain closed form."""

import numpy as np
import pytest
import torch

from geomem.schedules import VE
from geomem.scores import EmpiricalScore, moments, onepass


def _clusters(N, d, seed=0):
    # two clusters 40 apart: a query at one keeps only its own cluster's points at v = 4
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d)) * np.linspace(1.0, 0.2, d)
    X[: N // 3, 0] += 40.0
    return X


def _queries(X, v, seed=1):
    rng = np.random.default_rng(seed)
    d = X.shape[1]
    return torch.as_tensor(
        np.concatenate([X[:2], X[-3:]]) + np.sqrt(v) * rng.standard_normal((5, d))
    )


def _closed_form_C(X, x, alpha, sigma):
    # C = sum_mu w (y - m)(y - m)^T with all N points: plain numpy, one query at a time
    lg = -((x[:, None, :] - alpha * X[None]) ** 2).sum(-1) / (2 * sigma**2)
    w = np.exp(lg - lg.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    out = []
    for b in range(len(x)):
        Z = X - w[b] @ X
        out.append((Z * w[b][:, None]).T @ Z)
    return np.stack(out)


@pytest.mark.parametrize("d", [12, 40, 150])  # moment route, centred Gram / dense, syrk
@pytest.mark.parametrize("v", [4.0, 0.3, 1e-3])
def test_held_equals_streamed(d, v, monkeypatch):
    X = _clusters(300, d)
    t = VE().t_of_noise_var(v)
    x = _queries(X, v)
    held = EmpiricalScore(X, chunk_size=64)
    assert onepass.fits(held, 5)
    m0, C0 = held.posterior(x, t)
    eig0 = held.covariance_eigh(x, t)
    route0, Z0 = held._low_rank_or_dense(*held._prep(x, t))
    monkeypatch.setattr(onepass, "WHOLE_ELEMENTS", 0)
    streamed = EmpiricalScore(X, chunk_size=64)
    assert not onepass.fits(streamed, 5)
    m1, C1 = streamed.posterior(x, t)
    eig1 = streamed.covariance_eigh(x, t)
    assert eig0.route == eig1.route
    torch.testing.assert_close(m0, m1, rtol=0, atol=1e-13)
    assert float((C0 - C1).abs().max()) <= 1e-12 * v
    assert float((eig0.eigvals - eig1.eigvals).abs().max()) <= 1e-12 * v
    route1, Z1 = streamed._low_rank_or_dense(*streamed._prep(x, t))
    assert route0 == route1
    if route0 == "gram":  # each query's own rows, same order and padding
        torch.testing.assert_close(Z0, Z1, rtol=0, atol=1e-14)
    C_ref = _closed_form_C(X, x.numpy(), 1.0, float(VE().sigma(t)))
    assert np.abs(C0.numpy() - C_ref).max() <= 1e-12 * max(v, np.abs(C_ref).max())


def test_syrk_equals_batched_dense(monkeypatch):
    """d > SYRK_D: per-query syrk (rows gathered for the query that keeps only its cluster,
    all rows with zero weights for the others), several row blocks, against the batched
    GEMMs and the plain closed form."""
    d, v = 150, 4.0
    X = _clusters(600, d)
    t = VE().t_of_noise_var(v)
    x = _queries(X, v)
    score = EmpiricalScore(X, rtol=1e-12)
    kept = [int((w > 0).sum()) for w in _kept_counts(score, x, t)]
    assert min(kept) < 300 < max(kept) and min(kept) >= d  # both row branches, dense route
    monkeypatch.setattr(onepass, "ROWS_ELEMENTS", 64 * d)  # 64 rows per block
    C_syrk = score.posterior(x, t)[1]
    assert score.covariance_eigh(x, t).route == "dense"
    monkeypatch.setattr(onepass, "SYRK_D", 10**6)
    C_bmm = score.posterior(x, t)[1]
    assert torch.equal(C_syrk, C_syrk.transpose(1, 2))
    assert float((C_syrk - C_bmm).abs().max()) <= 1e-13 * float(C_bmm.abs().max())
    C_ref = _closed_form_C(X, x.numpy(), 1.0, float(VE().sigma(t)))
    assert np.abs(C_syrk.numpy() - C_ref).max() <= 1e-12 * np.abs(C_ref).max()


def _kept_counts(score, x, t):
    x, a, s = score._prep(x, t)
    e, S, _ = onepass.weights(score, x, a, s)
    m = (e @ score.Y) / S[:, None]
    return onepass._kept(score, e, S, m, ((s / a) ** 2)[:, 0])[0]


def test_weights_normalise_to_log_prob():
    """log Z from the held weights equals the streamed log-normaliser, and the weights sum
    to exp(log Z - M) consistently: log_prob from both routes agrees."""
    X = _clusters(200, 7)
    score = EmpiricalScore(X, chunk_size=32)
    for v in (5.0, 0.01):
        t = VE().t_of_noise_var(v)
        x, a, s = score._prep(_queries(X, v), t)
        e, S, logZ = onepass.weights(score, x, a, s)
        lp = score.log_prob(x, t)
        ref = logZ - np.log(200) - 0.5 * 7 * torch.log(2 * np.pi * s[:, 0] ** 2)
        torch.testing.assert_close(lp, ref, rtol=1e-13, atol=1e-10)
        torch.testing.assert_close(e / S[:, None], score.log_weights(x, t).exp())


def test_moment_sums_blocked_equal_cached(monkeypatch):
    rng = np.random.default_rng(3)
    Y = torch.as_tensor(rng.standard_normal((50, 6)))
    c = Y.mean(0)
    w = torch.as_tensor(rng.random((4, 50)))
    cached = moments.sums(w, Y, c, moments.features(Y - c))
    monkeypatch.setattr(moments, "BLOCK", 7)
    blocked = moments.sums(w, Y, c, None)
    torch.testing.assert_close(blocked, cached, rtol=1e-13, atol=1e-13)


def test_under_vmap_and_autograd():
    """The in-place logits keep score calls vmap-able (torch.func) and differentiable."""
    from torch.func import jacfwd, vmap

    X = _clusters(60, 5)
    score = EmpiricalScore(X)
    x = _queries(X, 0.5)
    t = VE().t_of_noise_var(0.5)
    J = vmap(jacfwd(lambda z: score(z[None], t)[0]))(x)
    torch.testing.assert_close(J, score.jacobian(x, t), rtol=1e-10, atol=1e-10)
    xg = x.clone().requires_grad_()
    score(xg, t).sum().backward()
    assert xg.grad is not None and torch.isfinite(xg.grad).all()
