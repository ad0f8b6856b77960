"""SLQ threshold dimension against the dense spectrum; Lanczos quadrature is Gauss quadrature."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from geomem.data import preset
from geomem.nets import MLP, MLPConfig
from geomem.schedules import DDPM, VE
from geomem.scores import CallableScore, EmpiricalScore
from geomem.scores.network import NetworkScore
from geomem.spectra import jacobian_spectrum, slq_dimension, threshold_dimension
from geomem.spectra.slq import lanczos_tridiagonal

pytestmark = pytest.mark.usefixtures("one_thread")


def agree(est, ref):
    assert np.all(np.abs(est.dimension - ref) <= 3 * est.se + 1), (est.dimension, est.se, ref)


def test_gauss_quadrature_moments():
    """sum_j tau_j^2 theta_j^p = q^T A^p q for p <= 2m - 1, and m = d recovers the spectrum."""
    rng = np.random.default_rng(0)
    d, m = 40, 6
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = rng.uniform(0, 1.2, d)
    A = (Q * lam) @ Q.T
    q0 = rng.choice([-1.0, 1.0], (3, d)) / np.sqrt(d)
    nodes, w = lanczos_tridiagonal(lambda U: U @ A, q0, m)
    np.testing.assert_allclose(w.sum(1), 1.0, rtol=1e-12)
    for p in range(2 * m):
        ref = np.einsum("kd,kd->k", q0 @ np.linalg.matrix_power(A, p), q0)
        np.testing.assert_allclose((w * nodes**p).sum(1), ref, rtol=1e-8, atol=1e-12)
    nodes, w = lanczos_tridiagonal(lambda U: U @ A, q0, d)
    for i in range(3):
        kept = w[i] > 1e-8
        assert np.allclose(np.sort(nodes[i][kept]), np.sort(lam), atol=1e-8)


def test_early_stop_on_invariant_subspace():
    A = np.diag([0.1, 0.1, 0.9, 0.9, 0.9])  # two distinct eigenvalues: Lanczos stops at 2
    nodes, w = lanczos_tridiagonal(lambda U: U @ A, np.full((1, 5), 1 / np.sqrt(5)), 5)
    assert np.count_nonzero(w[0] > 1e-12) == 2
    np.testing.assert_allclose(np.sort(nodes[0][w[0] > 1e-12]), [0.1, 0.9], atol=1e-12)
    np.testing.assert_allclose(w[0][w[0] > 1e-12].sum(), 1.0)


@pytest.mark.parametrize("noise_var", [0.3, 0.05, 0.01])
def test_exact_empirical_score_agrees_with_dense(noise_var):
    X = preset("paper").sample(1000, np.random.default_rng(0))
    emp = EmpiricalScore(X, VE())
    t = float(VE().t_of_noise_var(noise_var))
    rng = np.random.default_rng(1)
    x = X[:3] + np.sqrt(noise_var) * rng.standard_normal((3, 30))
    ref = threshold_dimension(jacobian_spectrum(emp, x, t))
    est = slq_dimension(emp, x, t, n_probes=12, m=12, rng=np.random.default_rng(2))
    agree(est, ref)
    assert est.n_products == 144 and est.nodes.shape == (3, 12, 12)
    tr, _ = est.trace(lambda r: r)  # tr A exactly per probe's quadratic form: unbiased
    dense = jacobian_spectrum(emp, x, t).eigvals.sum(1)
    np.testing.assert_allclose(tr, dense, atol=4 * np.abs(dense).max() / np.sqrt(12))


@pytest.mark.parametrize("noise_var", [1.0, 10.0])
def test_random_mlp_agrees_with_dense(noise_var):
    torch.manual_seed(0)
    score = NetworkScore(MLP(MLPConfig(256)), VE(), 256)
    t = float(VE().t_of_noise_var(noise_var))
    x = np.random.default_rng(3).standard_normal((2, 256))
    ref = threshold_dimension(jacobian_spectrum(score, x, t))
    assert np.all(ref < 256)  # a non-trivial count
    est = slq_dimension(score, x, t, n_probes=8, m=30, rng=np.random.default_rng(4))
    agree(est, ref)
    grid = np.linspace(-6, 6, 1201)
    dens = est.density(grid, width=0.05)
    np.testing.assert_allclose(np.trapezoid(dens, grid, axis=1), 256, rtol=1e-3)


def test_tiny_unet_agrees_with_dense():
    diffusers = pytest.importorskip("diffusers")
    from geomem.scores.diffusers import DiffusersScore

    torch.manual_seed(0)
    unet = diffusers.UNet2DModel(
        sample_size=8, in_channels=1, out_channels=1, block_out_channels=(8, 16),
        layers_per_block=1, norm_num_groups=4, down_block_types=("DownBlock2D",) * 2,
        up_block_types=("UpBlock2D",) * 2, attention_head_dim=8,
    )  # fmt: skip
    score = DiffusersScore(unet, DDPM(), dtype=torch.float64)
    x = np.random.default_rng(5).uniform(-1, 1, (1, 64))
    ref = threshold_dimension(jacobian_spectrum(score, x, 500.0))
    assert np.all((0 < ref) & (ref < 64))
    est = slq_dimension(score, x, 500.0, n_probes=8, m=20, rng=np.random.default_rng(6))
    agree(est, ref)


def test_bad_arguments():
    score = CallableScore(lambda x, t: x, VE(), 4, dtype=torch.float64)
    with pytest.raises(ValueError, match="n_probes: expected an integer >= 2"):
        slq_dimension(score, np.zeros((1, 4)), 0.5, n_probes=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="x \\(query points\\): expected shape"):
        slq_dimension(score, np.zeros((1, 5)), 0.5, rng=np.random.default_rng(0))
