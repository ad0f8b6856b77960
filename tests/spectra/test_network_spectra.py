import numpy as np
import pytest
import torch

from geomem.data import LinearManifold, preset
from geomem.nets import MLP, MLPConfig, Precond
from geomem.schedules import VE, VP
from geomem.scores import EmpiricalScore
from geomem.scores.network import NetworkScore
from geomem.spectra import jacobian_spectrum, threshold_dimension
from geomem.spectra.lanczos import lanczos_spectrum
from geomem.spectra.network import probe_spectrum
from tests.scores.helpers_network import EmpiricalModule

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("param", ["eps", "x0"])
@pytest.mark.parametrize("sched", [VE(), VP()], ids=["ve", "vp"])
def test_exact_route_matches_closed_form(param, sched):
    X = preset("paper").sample(300, np.random.default_rng(0))
    emp = EmpiricalScore(X, sched)
    net = NetworkScore(
        EmpiricalModule(emp, param),
        sched,
        30,
        parameterization=param,
        precond=Precond(scale_input=False),
    )
    rng = np.random.default_rng(1)
    for v in (1e-3, 3e-2, 0.5):
        t = float(sched.t_of_noise_var(v))
        x = float(sched.alpha(t)) * (X[:4] + np.sqrt(v) * rng.standard_normal((4, 30)))
        ref = jacobian_spectrum(emp, x, t, method="closed-form")
        got = jacobian_spectrum(net, x, t, row_chunk=7, point_chunk=3, method="autodiff")
        np.testing.assert_allclose(got.eigvals, ref.eigvals, atol=1e-6)
        assert np.all(got.asymmetry < 1e-8)  # an exact score has a symmetric Jacobian


class LinearScore:
    """s(x) = A x: its Jacobian is A everywhere."""

    def __init__(self, A):
        self.A, self.d, self.schedule = A, A.shape[0], VE()

    def __call__(self, x, t):
        return torch.as_tensor(x, dtype=torch.float64) @ self.A.T


@pytest.mark.parametrize("k_mult", [1, 4])
def test_probes_give_exact_singular_values_of_linear_map(k_mult):
    d = 12
    A = torch.as_tensor(np.random.default_rng(0).standard_normal((d, d)))
    score, t = LinearScore(A), 0.3
    sigma2 = float(VE().sigma(t)) ** 2
    sv = np.sort(np.linalg.svd(sigma2 * A.numpy(), compute_uv=False))
    x0 = np.random.default_rng(1).standard_normal((3, d))
    got = probe_spectrum(
        score, x0, t, n_probes=k_mult * d, rng=np.random.default_rng(2), paper=False
    )
    np.testing.assert_allclose(got.eigvals, np.broadcast_to(sv, (3, d)), rtol=1e-9)
    # the paper's normalisation at the origin (no offset): drop the largest, divide by the max
    paper = probe_spectrum(
        score, np.zeros((1, d)), t, n_probes=k_mult * d, rng=np.random.default_rng(3)
    )
    np.testing.assert_allclose(paper.eigvals[0], sv[:-1] / sv[-2], rtol=1e-9)


def test_lanczos_dimension_matches_dense_on_200d_empirical_score():
    m = LinearManifold.from_stds(200, [3, 4], [1.0, 0.3], thickness=0.01)
    X = m.sample(2000, np.random.default_rng(0))
    emp = EmpiricalScore(X, VE())
    rng = np.random.default_rng(1)
    for v in (0.05, 0.2, 0.5):
        t = float(VE().t_of_noise_var(v))
        x = X[:3] + np.sqrt(v) * rng.standard_normal((3, 200))
        dense = jacobian_spectrum(emp, x, t, method="closed-form")
        lz = lanczos_spectrum(emp, x, t, k=8)
        np.testing.assert_array_equal(threshold_dimension(lz), threshold_dimension(dense))
        assert threshold_dimension(dense).max() > 0
        kk = lz.eigvals.shape[1]
        np.testing.assert_allclose(lz.eigvals, dense.eigvals[:, :kk], atol=1e-7)


def test_lanczos_matches_dense_on_200d_network():
    torch.manual_seed(0)  # test-only: the random network
    mlp = MLP(MLPConfig(d=200, width=64, emb_dim=16))
    with torch.no_grad():
        mlp.out[2].weight.mul_(40.0)  # a denoiser with a large Jacobian: non-trivial dimension
    net = NetworkScore(mlp, VE(), 200, parameterization="x0")
    x = np.random.default_rng(0).standard_normal((2, 200)) * 0.3
    t = float(VE().t_of_noise_var(0.05))
    dense = jacobian_spectrum(net, x, t, method="autodiff")
    lz = lanczos_spectrum(net, x, t, k=8)
    dim = threshold_dimension(dense)
    assert 0 < dim.min() and dim.max() < 64
    np.testing.assert_array_equal(threshold_dimension(lz), dim)
    np.testing.assert_allclose(lz.eigvals, dense.eigvals[:, : lz.eigvals.shape[1]], atol=1e-7)
    assert np.all(dense.asymmetry > 1e-3)  # a network's Jacobian is not symmetric


def test_bad_inputs():
    A = torch.eye(4, dtype=torch.float64)
    with pytest.raises(ValueError, match="x \\(query points\\): expected shape"):
        probe_spectrum(LinearScore(A), np.zeros((2, 3)), 0.3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_probes: expected"):
        probe_spectrum(
            LinearScore(A), np.zeros((2, 4)), 0.3, n_probes=0, rng=np.random.default_rng(0)
        )
