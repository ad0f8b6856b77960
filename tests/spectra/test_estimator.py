"""``LIDEstimator``: fit / transform agree with ``geomem.lid`` (one level: the rule's column; a
grid: the multiscale plateau), read 4 on a 4-dimensional Gaussian in R^16 like skdim's lPCA,
train a run for ``model="train"`` and refuse misuse in one line."""

from __future__ import annotations

import numpy as np
import pytest

import geomem

pytest.importorskip("pandas")
STDS = np.r_[np.ones(4), np.full(12, 1e-3)]  # a 4-dimensional Gaussian in R^16


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((2000, 16)) * STDS, rng.standard_normal((12, 16)) * STDS


def test_one_level_equals_the_frame_column(data):
    X, Q = data
    est = geomem.LIDEstimator(noise_var=0.3).fit(X)
    got = est.transform(Q)
    want = geomem.lid(geomem.EmpiricalScore(X, geomem.VE()), Q, [0.3])
    assert np.array_equal(got, want["threshold"].to_numpy(dtype=float))
    assert np.mean(got == 4) >= 0.75
    gap = geomem.LIDEstimator(noise_var=0.3, rule="gap").fit(X).transform(Q)
    assert np.array_equal(gap, want["gap"].to_numpy(dtype=float))


def test_a_grid_gives_the_plateau_and_a_score_can_be_passed(data):
    X, Q = data
    grid = [0.2, 0.3, 0.4]
    got = geomem.LIDEstimator(noise_var=grid).fit(X).transform(Q)
    frame = geomem.lid(geomem.EmpiricalScore(X, geomem.VE()), Q, grid, multiscale=True)
    want = frame.groupby("point")["plateau_dim"].first().to_numpy()
    assert np.array_equal(got, want) and np.mean(got == 4) >= 0.5
    score = geomem.EmpiricalScore(X, geomem.VE())
    same = geomem.LIDEstimator(noise_var=grid, model=score).fit(X).transform(Q)
    assert np.array_equal(same, got)


@pytest.mark.slow  # importing skdim compiles numba code (~20 s)
def test_default_grid_and_skdim_side_by_side(data):
    skdim = pytest.importorskip("skdim")
    X, _ = data
    est = geomem.LIDEstimator().fit(X)
    s1 = np.sqrt(np.linalg.eigvalsh(np.cov(X, rowvar=False))[-1])
    assert np.allclose(est.noise_var_, np.geomspace(1e-4 * s1**2, s1**2, 9))
    assert round(skdim.id.lPCA().fit(X).dimension_) == 4  # an independent estimator agrees
    assert np.median(geomem.LIDEstimator(noise_var=0.3).fit_transform(X[:200])) <= 4


def test_model_train_makes_a_data_run(data, tmp_path):
    X, Q = data
    est = geomem.LIDEstimator(
        noise_var=0.1, model="train", run_dir=tmp_path / "r", train={"steps": 2}
    ).fit(X[:100])
    assert (tmp_path / "r" / "config.json").is_file() and (tmp_path / "r" / "data.npy").is_file()
    assert est.transform(Q).shape == (12,)


def test_misuse_is_one_line(data):
    X, Q = data
    with pytest.raises(ValueError, match="^LIDEstimator: expected fit"):
        geomem.LIDEstimator(noise_var=0.1).transform(Q)
    with pytest.raises(ValueError, match="^rule: expected a noise grid"):
        geomem.LIDEstimator(noise_var=0.1, rule="plateau").fit(X).transform(Q)
    with pytest.raises(ValueError, match="^rule: expected one of"):
        geomem.LIDEstimator(rule="median")
    with pytest.raises(ValueError, match="^run_dir: expected"):
        geomem.LIDEstimator(model="train").fit(X)
