"""Copy criteria on hand-built distances and point sets where the answer is forced."""

import numpy as np
import pytest

from geomem.memorization import (
    carlini_score,
    carlini_test,
    label_samples,
    nearest_neighbors,
    nearest_ratio,
    ratio_test,
)


def test_near_copy_is_a_copy_and_equidistant_is_not():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6))
    near = X[7] + 1e-4 * rng.standard_normal(6)
    mid = (X[3] + X[11]) / 2  # equidistant from two training points
    nb = nearest_neighbors(np.stack([near, mid]), X, 50 if False else 40)
    copy_r, copy_c = ratio_test(nb.distance), carlini_test(nb.distance, n=40)
    assert copy_r[0] and copy_c[0] and nb.index[0, 0] == 7
    assert not copy_r[1]
    if set(nb.index[1, :2]) == {3, 11}:
        assert nearest_ratio(nb.distance)[1] == pytest.approx(1.0)


def test_ratio_threshold_is_strict():
    dist = np.array([[1.0, 3.0], [0.99, 3.0], [1.0, 1.0]])
    np.testing.assert_array_equal(ratio_test(dist), [False, True, False])
    np.testing.assert_array_equal(ratio_test(dist, threshold=0.5), [True, True, False])


def test_exact_match_of_a_duplicate_is_a_copy():
    dist = np.array([[0.0, 0.0, 1.0]])
    assert ratio_test(dist)[0] and carlini_test(np.zeros((1, 3)), n=3)[0]


@pytest.mark.parametrize("c", [1e-6, 0.37, 1e5])
def test_scale_invariance(c):
    rng = np.random.default_rng(1)
    dist = np.sort(rng.uniform(0, 2, (200, 50)), axis=1)
    np.testing.assert_array_equal(ratio_test(c * dist), ratio_test(dist))
    np.testing.assert_allclose(carlini_score(c * dist), carlini_score(dist), rtol=1e-12)


def test_carlini_formula_and_neighbourhood_size():
    dist = np.array([[1.0, 2.0, 3.0, 10.0]])
    # n = 3: 1 / (0.5 * 2) = 1 -> not < 1; n = 4: 1 / (0.5 * 4) = 0.5 -> copy
    assert carlini_score(dist, n=3)[0] == pytest.approx(1.0) and not carlini_test(dist, n=3)[0]
    assert carlini_test(dist, n=4)[0]
    with pytest.raises(ValueError, match="dist: expected at least 50 neighbour distances"):
        carlini_test(dist)


def test_labels():
    d1 = np.array([0.1, 0.5, 0.5, 0.2])
    other = np.array([0.0, 0.05, 0.9, np.inf])
    labels = label_samples(d1, other, delta_m=0.2, delta_s=0.1)
    assert labels.tolist() == ["memorized", "spurious", "generalized", "memorized"]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: ratio_test(np.ones((3, 1))), "dist: expected at least 2"),
        (lambda: ratio_test(np.full((3, 2), np.nan)), "dist: expected finite"),
        (lambda: ratio_test(-np.ones((3, 2))), "dist: expected non-negative"),
        (lambda: ratio_test(np.ones((3, 2)), threshold=1.5), "threshold: expected a number in"),
        (lambda: ratio_test(np.ones((0, 2))), "dist: expected at least one row"),
        (lambda: label_samples([0.1], [0.1, 0.2], 1, 1), "d1_other_sample: expected shape"),
        (lambda: label_samples([np.nan], [0.1], 1, 1), "d1_train: expected non-negative"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("m", [1, 2, 3])
def test_ratio_test_false_positive_rate_is_threshold_to_the_m(m):
    # locally uniform training points in m dimensions: (d1/d2)^m ~ Uniform(0, 1), so a fresh
    # sample passes the ratio test with probability threshold^m (why small blocks need care)
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 1, (6000, m))
    S = rng.uniform(0.3, 0.7, (3000, m))  # away from the edges
    r = 0.5
    rate = ratio_test(nearest_neighbors(S, X, 2).distance, threshold=r).mean()
    assert abs(rate - r**m) < 4 * np.sqrt(r**m * (1 - r**m) / 3000)
