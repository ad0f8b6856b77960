"""Predicted spectra and theory curves (layouts of the measurement side)."""

import itertools

import numpy as np
import pytest

from geomem.theory import predicted_spectra, theory_curves
from geomem.theory.population import population_block_spectrum


@pytest.mark.parametrize("name", ["paper", "paper-flat", "paper-large"])
@pytest.mark.parametrize("mapping", ["rem", "step"])
def test_predicted_spectra_tend_to_population(name, mapping):
    v = np.logspace(-1, 0.5, 25)  # N -> inf at fixed v: exp(sigma^2 / 2v) must fit a float
    pop = np.array(predicted_spectra(name, 1000, v, mapping="population")["spectra"])[:, 0]
    errs = [
        np.abs(
            np.array(predicted_spectra(name, N, v, mapping=mapping)["spectra"])[:, 0] - pop
        ).max()
        for N in [10, 1e3, 1e8, 1e30, 1e300]
    ]
    assert errs[-1] < 1e-12 and errs[0] > 0.1
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(errs))


def test_population_mapping_is_block_spectrum():
    v = [0.3, 0.01]
    got = np.array(predicted_spectra("paper-flat", 100, v, mapping="population")["spectra"])
    np.testing.assert_allclose(
        got[:, 0], population_block_spectrum([1.0, 0.3, 0.01], [2, 5, 23], v)
    )


def test_layout_matches_spectrum_json():
    out = predicted_spectra("paper", 1000, [0.08, 0.03, 0.001])
    assert np.array(out["spectra"]).shape == (3, 1, 30)
    assert np.array(out["dimension"]).shape == (3, 1)
    assert np.array(out["subspace_dimension"]).shape == (3, 1, 3)
    s = np.array(out["spectra"])
    assert np.all(np.diff(s, axis=2) >= 0) and np.all(s <= 1)
    assert out["predicted_kept"] == [[2, 5, 0], [0, 5, 0], [0, 0, 0]]


def test_theory_curves():
    v = np.logspace(-4, 0, 50)
    c = theory_curves("paper", 1000, v)
    assert c.kept.shape == (50, 3) and c.labels[0].startswith("2 dir")
    np.testing.assert_allclose(c.critical_noise_var[:2], [0.0723824, 0.00651442], rtol=1e-6)
    assert np.all(c.kept <= c.kept_population)
    big = theory_curves("paper", 1e300, v)
    assert np.array_equal(big.kept[v > 1e-2], big.kept_population[v > 1e-2])
