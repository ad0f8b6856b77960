"""geomem.lid: one row per (point, noise level), rules agree with measure, multiscale read-outs."""

from __future__ import annotations

import numpy as np
import pytest

import geomem
from geomem.schedules import VE
from geomem.scores import EmpiricalScore, GaussianScore
from geomem.spectra.lid import COLUMNS, MULTISCALE_COLUMNS
from geomem.spectra.measure import measure
from geomem.spectra.multiscale import knee, plateau

pytest.importorskip("pandas")
STDS = np.r_[np.ones(4), np.full(12, 1e-3)]  # a 4-dimensional Gaussian in R^16


def gaussian_4_in_16(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 16)) * STDS


def test_exact_score_at_fresh_points_reads_four():
    """At v = 0.3 the exact score of N = 2000 points still generalizes at fresh points (at
    v = 0.01 it has collapsed onto single training points: dimension 0)."""
    X, Q = gaussian_4_in_16(2000, 0), gaussian_4_in_16(20, 1)
    frame = geomem.lid(EmpiricalScore(X, VE()), Q, 0.3)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 20
    assert np.mean(frame["threshold"] == 4) >= 0.75 and np.mean(frame["gap"] == 4) >= 0.75
    assert (frame["route"] == "gram").all() and frame["spike"].notna().all()
    np.testing.assert_array_equal(frame["point"], np.arange(20))
    assert np.all(frame["n_below_half"] == frame["threshold"])
    assert np.all(frame["ambiguous"] == (frame["ambiguous_count"] > 0))
    collapsed = geomem.lid(EmpiricalScore(X, VE()), X[:5], 1e-4, with_flipd=False)
    assert (collapsed["threshold"] == 0).all() and (collapsed["gap"] == 0).all()
    assert collapsed["flipd"].isna().all()


def test_frame_agrees_with_measure_and_flipd():
    X, Q = gaussian_4_in_16(300, 2), gaussian_4_in_16(3, 3)
    score = EmpiricalScore(X, VE())
    levels = [0.05, 0.5]
    frame = geomem.lid(score, Q, levels)
    res = measure(score, Q, levels, rules=("threshold", "gap"), with_flipd=True)
    assert len(frame) == 6 and list(frame["noise_var"]) == [0.05] * 3 + [0.5] * 3
    np.testing.assert_array_equal(frame["threshold"], res.dimension("threshold").ravel())
    np.testing.assert_array_equal(frame["gap"], res.dimension("gap").ravel())
    np.testing.assert_allclose(frame["flipd"], res.flipd.ravel())
    np.testing.assert_allclose(frame["r_min"], res.spectra.min(2).ravel())
    np.testing.assert_allclose(frame["t"], np.repeat(res.t, 3))


def test_multiscale_on_the_population_score():
    """Population score of stds (1, 0.1, 1e-3 x 14) at the mean: r_k = v / (std_k^2 + v), so
    the threshold dimension steps 2 -> 1 -> 0 as v crosses 1e-2 and 1."""
    lam = np.r_[1.0, 1e-2, np.full(14, 1e-6)]
    score = GaussianScore(np.eye(16), lam, VE())
    levels = np.logspace(-5, 1, 13)
    frame = geomem.lid(score, np.zeros((2, 16)), levels, multiscale=True)
    assert list(frame.columns) == [*COLUMNS, *MULTISCALE_COLUMNS] and len(frame) == 26
    one = frame[frame["point"] == 0].sort_values("noise_var")
    np.testing.assert_allclose(
        one["flipd"], (lam / (lam[None] + one["noise_var"].to_numpy()[:, None])).sum(1)
    )
    assert (one["plateau_dim"] == 2).all() and (one["plateau_levels"] == 6).all()
    assert one["plateau_v_lo"].iloc[0] == pytest.approx(1e-5)
    assert 1e-4 <= one["knee_noise_var"].iloc[0] <= 1e0
    assert (frame["ambiguous"] == (frame["ambiguous_count"] > 0)).all()
    with pytest.raises(ValueError, match="noise_var: expected distinct noise levels"):
        geomem.lid(score, np.zeros((1, 16)), [0.1, 0.1], multiscale=True)


def test_plateau_and_knee_rules():
    v = np.logspace(-4, 0, 7)
    p = plateau(np.array([5, 4, 4, 4, 2, 2, 0]), v)
    assert p == {
        "plateau_dim": 4.0,
        "plateau_levels": 3,
        "plateau_v_lo": v[1],
        "plateau_v_hi": v[3],
    }
    assert plateau(np.array([3, 3, 1, 1]), v[:4])["plateau_v_lo"] == v[0]  # tie: finest scale
    assert knee(np.array([10.0, 9.9, 9.8, 9.7, 2.0, 1.0, 0.5]), v) == 3
    assert knee(np.ones(7), v) is None and knee(np.array([1.0, 2.0]), v[:2]) is None


def test_slq_route_gives_the_threshold_estimate_only():
    X, Q = gaussian_4_in_16(300, 4), gaussian_4_in_16(2, 5)
    frame = geomem.lid(
        EmpiricalScore(X, VE()), Q, 0.3, route="slq", with_flipd=False, rng=np.random.default_rng(0)
    )
    assert (frame["route"] == "slq").all() and frame["threshold"].between(0, 16).all()
    assert frame[["gap", "spike", "r_min", "ambiguous"]].isna().all().all()
