import numpy as np
import pytest
import torch

from geomem.data import LinearManifold
from geomem.schedules import VE
from geomem.scores import GaussianScore
from geomem.spectra import (
    Spectrum,
    ambiguous_directions,
    dimension,
    gap_dimension,
    is_ambiguous,
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


def test_gap_rule_reads_zero_on_a_collapsed_spectrum():
    rng = np.random.default_rng(0)
    collapsed = 1.0 - 1e-9 * rng.random((3, 12))  # an exact score at a memorized point
    np.testing.assert_array_equal(gap_dimension(_spec(*collapsed)), [0, 0, 0])
    np.testing.assert_array_equal(gap_dimension(_spec(np.ones(12))), [0])
    np.testing.assert_array_equal(gap_dimension(_spec(np.full(12, 1e-4))), [12])  # all tangent


@pytest.mark.parametrize("k", [1, 4, 10, 50])
def test_gap_rule_finds_k_with_tangent_values_over_decades(k):
    """Tangent r spread over 1e-6..1e-1 (log r jumps of decades inside the cluster), normals
    near 1: the old log-gap rule put the cut inside the tangent cluster."""
    rng = np.random.default_rng(k)
    tangent = np.sort(10.0 ** rng.uniform(-6, -1, k))
    tangent[: min(k, 2)] = [1e-6, 1e-4][: min(k, 2)]  # a two-decade log jump at the bottom
    normal = 1.0 - 0.05 * rng.random(100 - k)
    np.testing.assert_array_equal(gap_dimension(_spec(np.r_[tangent, normal])), [k])


@pytest.mark.parametrize("k", [3, 11, 51])
def test_gap_rule_finds_k_with_noisy_negative_tangent_values(k):
    rng = np.random.default_rng(k)
    tangent = rng.normal(0.0, 0.05, k) - np.r_[1.5, np.zeros(k - 1)]  # r < 0: C > v, noise
    normal = 1.0 + rng.normal(0, 0.05, 100 - k)  # a network's normals, some above 1
    s = _spec(np.r_[tangent, normal])
    np.testing.assert_array_equal(gap_dimension(s), [k])
    np.testing.assert_array_equal(threshold_dimension(s), [k])


def test_ambiguous_directions_count_the_middle_band():
    s = _spec(
        [0.001, 0.01, 0.45, 0.99, 1.0, 1.0],  # one unlearned normal direction stuck half-way
        [0.001, 0.01, 0.05, 0.99, 1.0, 1.0],  # clean
        [0.2, 0.3, 0.79, 0.81, 1.0, 1.0],  # band edges are inclusive
    )
    np.testing.assert_array_equal(ambiguous_directions(s), [1, 0, 3])
    np.testing.assert_array_equal(is_ambiguous(s), [True, False, True])
    np.testing.assert_array_equal(is_ambiguous(s, max_count=1), [False, False, True])
    np.testing.assert_array_equal(ambiguous_directions(s, 0.4, 0.6), [1, 0, 0])
    assert (
        threshold_dimension(s)[0] == 3
    )  # the threshold rule counts it as tangent: the flag says so
    with pytest.raises(ValueError, match="low: expected"):
        ambiguous_directions(s, 0.9, 0.8)


def test_spike_rule_ignores_rounding_noise_on_a_flat_spectrum():
    flat = 1.0 - 1e-15 * np.random.default_rng(1).random(40)  # median(D) ~ 1e-16
    np.testing.assert_array_equal(spike_dimension(_spec(flat)), [40])  # no spike: d
