"""REM heuristic (docs/science.md §6): worked values, limits, the g = 0 reduction, monotonicity."""

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from geomem.theory import critical_n, critical_noise_var, kept_dimension, rem_singular_values


def test_worked_values_n1000_normalised():
    vc = critical_noise_var([1.0, 0.3], 1000, normalized=True)
    np.testing.assert_allclose(vc, [0.0723824, 0.00651442], rtol=1e-6)


def test_critical_n_is_exp_sigma2_over_2v():
    v = np.array([0.01, 0.05, 0.2])
    Nc = critical_n([1.0, 0.3], v, normalized=True)
    np.testing.assert_allclose(Nc, np.exp(np.array([1.0, 0.09])[None] / (2 * v[:, None])))


@pytest.mark.parametrize("normalized", [True, False])
def test_critical_n_inverts_critical_noise(normalized):
    for N in [50.0, 1000.0, 3e4]:
        vc = critical_noise_var([1.0, 0.3, 0.01], N, dims=[2, 5, 23], normalized=normalized)
        for k in range(3):
            Nc = critical_n([1.0, 0.3, 0.01], vc[k], dims=[2, 5, 23], normalized=normalized)
            assert Nc[0, k] == pytest.approx(N, rel=1e-9)


@pytest.mark.parametrize("normalized", [True, False])
def test_phi_switches_on_at_critical_noise(normalized):
    stds, dims, N = [1.0, 0.3], [2, 5], 1000
    vc = critical_noise_var(stds, N, dims=dims, normalized=normalized)
    for k in range(2):
        rem = rem_singular_values(
            stds, N, [vc[k] * 1.001, vc[k] * 0.999], dims=dims, normalized=normalized
        )
        assert rem.phi[0, k] == 0 and rem.phi[1, k] > 0


def test_sv_is_population_without_condensation():
    v = np.logspace(-1, 1, 5)  # above every critical noise at N = 1000
    rem = rem_singular_values([1.0, 0.3], 1000, v, normalized=True)
    np.testing.assert_allclose(rem.sv, 1 / (v[:, None] + np.array([1.0, 0.09])))


def test_kept_dimension_worked_sequence():
    # d1 = 2, d2 = 5, N = 1000: 7 -> 5 -> 0 as v falls (geometric memorization in between)
    kept = kept_dimension([1.0, 0.3], 1000, [0.08, 0.03, 0.005], dims=[2, 5])
    assert kept.sum(1).tolist() == [7, 5, 0]


@pytest.mark.parametrize("normalized", [True, False])
def test_kept_dimension_monotone_in_n(normalized):
    v = np.logspace(-4, 0.5, 60)
    prev = None
    for N in 2.0 ** np.arange(2, 40):
        k = kept_dimension([1.0, 0.3, 0.01], N, v, dims=[2, 5, 23], normalized=normalized)
        if prev is not None:
            assert np.all(k >= prev)
        prev = k


@pytest.mark.parametrize(
    "bad, match",
    [
        (dict(stds=[1.0, 0.0]), "stds"),
        (dict(stds=[-1.0]), "stds"),
        (dict(stds=[]), "stds"),
        (dict(n_train=1), "n_train"),
        (dict(n_train=1.5), "n_train"),
        (dict(dims=[2]), "dims"),
        (dict(dims=[2, 0]), "dims"),
    ],
)
def test_bad_input(bad, match):
    kw = dict(stds=[1.0, 0.3], n_train=1000, dims=[2, 5]) | bad
    with pytest.raises(ValueError, match=match):
        critical_noise_var(kw["stds"], kw["n_train"], dims=kw["dims"])


def test_theory_never_imports_torch():
    root = Path(__file__).parents[2] / "src" / "geomem" / "theory"
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            bad = [
                n
                for n in names
                if n.split(".")[0] == "torch"
                or n.startswith(("geomem.scores", "geomem.spectra", "geomem.schedules"))
            ]
            assert not bad, f"{path.name} imports {bad}"


def test_normalised_reduction_matches_formula():
    # g = 0: t_i = sqrt(v sigma_i^2 / (2 ln N)), phi_0 = 0
    v, N = np.array([0.001, 0.01]), 500
    rem = rem_singular_values([1.0, 0.3], N, v, normalized=True)
    np.testing.assert_allclose(
        rem.t, np.sqrt(v[:, None] * np.array([1.0, 0.09]) / (2 * math.log(N)))
    )
    assert np.all(rem.phi0 == 0)
