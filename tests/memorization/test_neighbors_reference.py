"""Streamed search against a brute-force float64 numpy reference, with exact ties and
duplicated rows (integer-grid data: every distance is exact in float32 and float64)."""

import numpy as np
import pytest

from geomem.memorization import nearest_neighbors


def _reference(Q, X, k, exclude_self):
    """(M, N) float64 distances / sqrt(d) and the k-th smallest per row."""
    D = np.sqrt(((Q[:, None, :] - X[None, :, :]) ** 2).sum(-1)) / np.sqrt(Q.shape[1])
    if exclude_self:
        np.fill_diagonal(D, np.inf)
    return D, np.sort(D, 1)[:, :k]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k, chunk, query_chunk", [(2, 5, 3), (4, 16, 64), (7, 1, 2), (3, 200, 7)])
@pytest.mark.parametrize("exclude_self", [False, True])
def test_ties_and_duplicates_equal_brute_force(dtype, k, chunk, query_chunk, exclude_self):
    rng = np.random.default_rng(k + chunk)
    X = rng.integers(-2, 3, size=(60, 6)).astype(np.float64)
    X[40:50] = X[:10]  # duplicated rows
    Q = X if exclude_self else np.concatenate([X[:5], rng.integers(-2, 3, size=(15, 6))])
    nb = nearest_neighbors(
        Q, X, k, exclude_self=exclude_self, chunk_size=chunk, query_chunk=query_chunk, dtype=dtype
    )
    D, kth = _reference(Q, X, k, exclude_self)
    np.testing.assert_array_equal(nb.distance, kth)  # same sorted distances, exactly
    rows = np.arange(Q.shape[0])[:, None]
    np.testing.assert_array_equal(D[rows, nb.index], nb.distance)  # each index at its distance
    assert all(len(set(r)) == k for r in nb.index)  # k distinct rows
    for i in range(Q.shape[0]):  # strictly closer than the k-th: the same rows as brute force
        closer = set(np.flatnonzero(D[i] < kth[i, -1]))
        assert closer <= set(nb.index[i])
        tied = nb.distance[i] == nb.distance[i][:, None]  # ties listed lower index first
        order = nb.index[i][None, :] > nb.index[i][:, None]
        assert not np.any(tied & order & np.tri(k, k, -1, dtype=bool))
    if exclude_self:
        assert not np.any(nb.index == rows)


def test_random_float32_equals_float64_reference():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((500, 40)).astype(np.float32)
    Q = rng.standard_normal((30, 40)).astype(np.float32)
    nb = nearest_neighbors(Q, X, 5, chunk_size=64, query_chunk=8)
    D, kth = _reference(Q.astype(np.float64), X.astype(np.float64), 5, False)
    np.testing.assert_array_equal(nb.index, np.argsort(D, 1, kind="stable")[:, :5])
    np.testing.assert_allclose(nb.distance, kth, rtol=1e-12, atol=0)
