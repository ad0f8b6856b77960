"""Collapse and speciation times of Biroli et al. (docs/science.md §6)."""

import math

import numpy as np
import pytest

from geomem.theory import (
    collapse_noise_var,
    collapse_time,
    collapse_time_isotropic,
    excess_entropy,
    speciation_time,
)
from geomem.theory.collapse import load_of


def test_worked_value():
    assert collapse_time_isotropic(1.0, 0.1) == pytest.approx(0.8539, abs=5e-5)


@pytest.mark.parametrize("variance", [0.09, 1.0, 4.0])
@pytest.mark.parametrize("load", [0.01, 0.1, 0.5, 2.0])
@pytest.mark.parametrize("d", [1, 30])
def test_root_finding_matches_isotropic_closed_form(variance, load, d):
    t = collapse_time([variance] * d, load)
    assert t == pytest.approx(collapse_time_isotropic(variance, load), abs=1e-9)
    assert excess_entropy([variance] * d, t)[0] == pytest.approx(load, abs=1e-12)


def test_collapse_time_decreases_with_load():
    lam = [1.0] * 2 + [0.09] * 5 + [1e-4] * 23
    t = [collapse_time(lam, a) for a in np.linspace(0.01, 1.0, 30)]
    assert np.all(np.diff(t) < 0)


def test_zero_eigenvalues_do_not_contribute_but_set_d():
    # f only counts non-zero lambda_i; the 1/2d factor uses all d
    t = collapse_time([1.0, 0.0, 0.0], 0.1)
    assert t == pytest.approx(collapse_time_isotropic(1.0, 0.3), abs=1e-9)


def test_noise_var_and_speciation():
    lam = [2.0, 0.5]
    assert collapse_noise_var(lam, 0.2) == pytest.approx(math.expm1(2 * collapse_time(lam, 0.2)))
    t_s, v_s = speciation_time(lam)
    assert t_s == pytest.approx(0.5 * math.log(2.0)) and v_s == pytest.approx(1.0)
    assert math.expm1(2 * t_s) == pytest.approx(v_s)


def test_load_of():
    assert load_of(1000, 30) == pytest.approx(math.log(1000) / 30)


@pytest.mark.parametrize(
    "call",
    [
        lambda: collapse_time([1.0], 0.0),
        lambda: collapse_time([1.0], -1.0),
        lambda: collapse_time([], 0.1),
        lambda: collapse_time([0.0, 0.0], 0.1),
        lambda: collapse_time([-1.0], 0.1),
        lambda: load_of(1, 30),
    ],
)
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("scale", [1e-300, 1e-320, 1.0, 1e90])
def test_collapse_time_at_extreme_scales_matches_the_isotropic_formula(scale):
    # f(v) = 1/2 ln(1 + lam / v) for one eigenvalue: v_C = lam / (e^{2 load} - 1), so the
    # noise variance scales with lam down to subnormal lam (the sum is taken in log space)
    v = math.expm1(2 * collapse_time([scale], 0.1))
    assert v == pytest.approx(scale / math.expm1(0.2), rel=1e-9)
    assert collapse_time([scale], 0.1) == pytest.approx(collapse_time_isotropic(scale, 0.1))
