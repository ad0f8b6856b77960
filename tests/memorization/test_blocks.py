"""Per-block copies on linear manifolds."""

from functools import partial

import numpy as np
import pytest

from geomem.data import LinearManifold, preset
from geomem.memorization import block_copies, carlini_test, nearest_neighbors, ratio_test


def test_one_identity_block_is_the_whole_vector_test():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 7))
    S = np.concatenate([X[:5] + 1e-3 * rng.standard_normal((5, 7)), rng.standard_normal((15, 7))])
    whole = nearest_neighbors(S, X, 40).distance
    np.testing.assert_array_equal(block_copies(S, X, [np.eye(7)])[:, 0], ratio_test(whole))
    carlini = partial(carlini_test, n=40)
    flags = block_copies(S, X, [np.eye(7)], test=carlini, k=40)
    np.testing.assert_array_equal(flags[:, 0], carlini(whole))
    assert flags[:5, 0].all()


@pytest.mark.parametrize("embedding", ["axis", "haar"])
def test_copy_of_the_first_block_only(embedding):
    m = LinearManifold.from_stds(30, [2, 5], [1.0, 0.3], thickness=0.01, embedding=embedding)
    rng = np.random.default_rng(1)
    X = m.sample(200, rng)
    U1 = m.block_bases()[0]
    fresh = m.sample(10, rng)
    S = X[:10] @ U1 @ U1.T + fresh - fresh @ U1 @ U1.T  # block 1 copied, the rest fresh
    flags = block_copies(S, X, m.block_bases())
    assert flags.shape == (10, 3)
    assert flags[:, 0].all()
    assert not flags[:, 1].any()
    assert not ratio_test(nearest_neighbors(S, X, 2).distance).any()


def test_preset_bases_and_bad_bases():
    X = preset("paper-flat").sample(20, np.random.default_rng(2))
    bases = preset("paper-flat").block_bases()
    assert block_copies(X[:3], X, bases).all()  # training points copy themselves in every block
    with pytest.raises(ValueError, match=r"bases\[0\]: expected a \(d, m\) array with d = 30"):
        block_copies(X, X, [np.eye(29)])
    with pytest.raises(ValueError, match=r"bases\[1\]: expected orthonormal columns"):
        block_copies(X, X, [bases[0], 2 * bases[1]])
    with pytest.raises(ValueError, match="bases: expected a non-empty list"):
        block_copies(X, X, [])
