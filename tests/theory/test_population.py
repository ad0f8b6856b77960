"""Population spectra and intermediate gaps (docs/science.md §4, §6)."""

import numpy as np
import pytest

from geomem.data import LinearManifold
from geomem.theory import (
    gap_peak_noise_var,
    intermediate_gap,
    population_block_spectrum,
    population_spectrum,
)


def test_population_spectrum_is_eig_of_minus_v_J():
    mf = LinearManifold.from_stds(6, [2, 3], [1.0, 0.3], thickness=0.01, embedding="haar")
    for v in [1e-3, 0.1, 2.0]:
        J = -np.linalg.inv(mf.covariance() + v * np.eye(6))
        r = np.linalg.eigvalsh(-v * J)
        np.testing.assert_allclose(
            population_block_spectrum([1.0, 0.3, 0.01], [2, 3, 1], v)[0], r, rtol=1e-10
        )


def test_block_spectrum_pads_normal_directions_with_one():
    r = population_block_spectrum([1.0], [2], [0.5], d=5)[0]
    np.testing.assert_allclose(r, [1 / 3, 1 / 3, 1, 1, 1])


@pytest.mark.parametrize("a, b", [(1.0, 0.09), (2.0, 0.5), (1.0, 1e-4)])
def test_gap_peak_at_sqrt_ab(a, b):
    vstar = gap_peak_noise_var(a, b)
    assert vstar == pytest.approx(np.sqrt(a * b))
    v = vstar * np.exp(np.linspace(-3, 3, 20001))
    G = intermediate_gap(a, b, v)
    assert v[np.argmax(G)] == pytest.approx(vstar, rel=1e-3)
    # the gap is the difference of the two blocks' population values
    pa, pb = population_spectrum([np.sqrt(a), np.sqrt(b)], v).T
    np.testing.assert_allclose(G, pb - pa, atol=1e-14)


def test_gap_worked_value_and_limits():
    assert gap_peak_noise_var(1.0, 0.09) == pytest.approx(0.3)
    G = intermediate_gap(1.0, 0.09, [1e-12, 1e12])
    assert np.all(G < 1e-10)


def test_gap_bad_input():
    with pytest.raises(ValueError, match="a > b"):
        intermediate_gap(0.09, 1.0, 0.1)
    with pytest.raises(ValueError, match="noise_var"):
        intermediate_gap(1.0, 0.09, [])
