"""EmpiricalScore's covariance routes against an independent plain-numpy closed form."""

import numpy as np
import pytest
import torch

from geomem.schedules import VE
from geomem.scores import EmpiricalScore


def _numpy_closed_form(X, x, alpha, sigma):
    """(B, d) eigenvalues of C and (B, d, d) J, by the closed form on all N points at once:
    log-sum-exp weights w (B, N), m = w X, C = sum_mu w (y - m)(y - m)^T,
    J = (-I + (alpha^2 / sigma^2) C) / sigma^2."""
    lg = -((x[:, None, :] - alpha * X[None]) ** 2).sum(-1) / (2 * sigma**2)  # (B, N)
    lg -= lg.max(1, keepdims=True)
    w = np.exp(lg)
    w /= w.sum(1, keepdims=True)
    m = w @ X  # (B, d)
    D = X[None] - m[:, None, :]  # (B, N, d)
    C = np.einsum("bn,bni,bnj->bij", w, D, D)
    J = (-np.eye(X.shape[1]) + (alpha**2 / sigma**2) * C) / sigma**2
    return np.linalg.eigvalsh(C), J


CASES = [  # (N, d, chunk): N >> d (dense route at large noise), N < d (Gram route throughout)
    (400, 5, 64),
    (600, 30, 128),
    (150, 100, 32),
    (40, 784, 16),
]


@pytest.mark.parametrize("N, d, chunk", CASES)
@pytest.mark.parametrize("v", [4.0, 0.3, 0.02, 1e-4])
def test_matches_numpy_closed_form(N, d, chunk, v):
    rng = np.random.default_rng(N + d)
    X = rng.standard_normal((N, d)) * np.linspace(1.0, 0.2, d)
    # queries: noisy training points (few points carry weight at small v) and far points
    x = np.concatenate([X[:3] + np.sqrt(v) * rng.standard_normal((3, d)), 2 * X[3:5]])
    sched = VE()
    t = sched.t_of_noise_var(v)
    alpha, sigma = float(sched.alpha(t)), float(sched.sigma(t))
    lam_ref, J_ref = _numpy_closed_form(X, x, alpha, sigma)
    score = EmpiricalScore(X, sched, chunk_size=chunk, rtol=0.0)
    xt = torch.as_tensor(x)
    J = score.jacobian(xt, t).numpy()
    np.testing.assert_allclose(J, J_ref, rtol=0, atol=1e-12 * np.abs(J_ref).max())
    for eigvecs in (False, True):
        res = score.covariance_eigh(xt, t, eigvecs=eigvecs)
        lam = res.eigvals.numpy()
        # in units of v (the spectra's r = 1 - eig(C) / v): when all weight sits on one point,
        # eig(C) ~ 1e-90 v and both sides carry rounding of logits ~ 1e4 (relative 1e-12)
        scale = max(v, np.abs(lam_ref).max())
        np.testing.assert_allclose(lam, lam_ref, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(1 - lam / v, 1 - lam_ref / v, rtol=0, atol=1e-12)


def test_both_routes_exercised():
    """The cases above reach the dense route (some query keeps >= d points) and the Gram
    route (every query keeps < d), including queries that keep a single point."""
    seen = set()
    for N, d, chunk in CASES:
        X = np.random.default_rng(N + d).standard_normal((N, d))
        score = EmpiricalScore(X, chunk_size=chunk, rtol=0.0)
        for v in (4.0, 1e-4):
            xt = torch.as_tensor(X[:3])
            seen.add(score.covariance_eigh(xt, VE().t_of_noise_var(v)).route)
    assert seen == {"gram", "dense"}


@pytest.mark.parametrize("chunk", [7, 50, 4096])
def test_route_and_rows_independent_of_chunking(chunk):
    """Each query's own kept rows (ascending index, zero-padded) do not depend on the chunk."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 40))
    x = torch.as_tensor(X[:4] + 0.5 * rng.standard_normal((4, 40)))
    t = VE().t_of_noise_var(0.3)
    ref = EmpiricalScore(X, chunk_size=120)
    score = EmpiricalScore(X, chunk_size=chunk)
    r0, Z0 = ref._low_rank_or_dense(*ref._prep(x, t))
    r1, Z1 = score._low_rank_or_dense(*score._prep(x, t))
    assert r0 == r1
    torch.testing.assert_close(Z1, Z0, rtol=0, atol=1e-14)
