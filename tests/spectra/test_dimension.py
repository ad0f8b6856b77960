import numpy as np
import pytest
import torch

from geomem.data import LinearManifold
from geomem.schedules import VE
from geomem.scores import GaussianScore
from geomem.spectra import (
    Spectrum,
    dimension,
    gap_dimension,
    jacobian_spectrum,
    spike_dimension,
    subspace_dimension,
    threshold_dimension,
)


def _spec(*rows, kind="eig-sym"):
    return Spectrum(np.sort(np.asarray(rows, dtype=float), axis=1), 0.1, "hand", kind)


def test_threshold_rule():
    s = _spec([0.01, 0.2, 0.49, 0.51, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0], [-3.0, 0.1, 1, 1, 1])
    np.testing.assert_array_equal(threshold_dimension(s), [3, 0, 2])
    np.testing.assert_array_equal(threshold_dimension(s, 0.3), [2, 0, 2])


def test_gap_rule():
    s = _spec([1e-3, 2e-3, 3e-3, 0.9, 1.0, 1.0], [0.3, 0.4, 0.95, 0.97, 1.0, 1.0])
    np.testing.assert_array_equal(gap_dimension(s), [3, 2])


def test_spike_rule():
    # 20 tangent directions (0.01) and 10 normal ones (1.0): d = 30, dimension 20
    row = np.r_[np.full(20, 0.01), np.full(10, 1.0)] + 1e-3 * np.random.default_rng(0).random(30)
    np.testing.assert_array_equal(spike_dimension(_spec(row)), [20])
    flat = np.linspace(0.5, 1.0, 30)  # no spike
    np.testing.assert_array_equal(spike_dimension(_spec(flat)), [30])
    np.testing.assert_array_equal(dimension(_spec(row), "spike"), [20])
    with pytest.raises(ValueError, match="rule: expected one of"):
        dimension(_spec(row), "median")


def test_subspace_accounting_on_population():
    m = LinearManifold.from_stds(
        12, [2, 3], [1.0, 0.3], thickness=0.01, embedding="haar", basis_seed=5
    )
    score = GaussianScore.from_manifold(m)
    x = torch.zeros(2, 12, dtype=torch.float64)
    for v, expected in [(2.0, [0, 0, 0]), (0.5, [2, 0, 0]), (0.05, [2, 3, 0]), (1e-5, [2, 3, 7])]:
        sp = jacobian_spectrum(score, x, VE().t_of_noise_var(v), eigvecs=True)
        np.testing.assert_array_equal(subspace_dimension(sp, m.block_bases()), [expected] * 2)
        assert threshold_dimension(sp)[0] == sum(expected)


def test_subspace_needs_eigvecs():
    with pytest.raises(ValueError, match="eigvecs"):
        subspace_dimension(_spec([0.1, 1.0]), [np.eye(2)[:, :1]])
