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


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ties", [False, True])
def test_group_widths_agree(monkeypatch, dtype, ties):
    """The top-k pre-selection by group minima with groups of 1 column (every column its own
    group), 3 (a padded last group: 16 = 5 x 3 + 1) and 64 (the whole chunk one group: the
    plain top-k over [best | chunk]) gives the brute-force neighbours."""
    from geomem.memorization import neighbors

    rng = np.random.default_rng(11)
    X = rng.standard_normal((300, 5))
    Q = np.concatenate([X[:20] + 0.01 * rng.standard_normal((20, 5)), rng.standard_normal((20, 5))])
    if ties:
        X, Q = np.round(2 * X), np.round(2 * Q)
        X[200:230] = X[:30]  # duplicated rows in a later chunk
    k = 3
    D, kth = _reference(Q, X, k, False)
    routes = []
    for width in (1, 3, 64):
        monkeypatch.setattr(neighbors, "_WIDTH", width)
        routes.append(nearest_neighbors(Q, X, k, chunk_size=16, query_chunk=8, dtype=dtype))
    for nb in routes:
        np.testing.assert_allclose(nb.distance, kth, rtol=1e-12, atol=0)
        np.testing.assert_allclose(D[np.arange(len(Q))[:, None], nb.index], kth, rtol=1e-12)
        assert all(len(set(r)) == k for r in nb.index)
    if not ties:  # no tie at any k-th place: the same rows, in the same order
        for nb in routes:
            np.testing.assert_array_equal(nb.index, np.argsort(D, 1, kind="stable")[:, :k])


@pytest.mark.parametrize("offset", [0.0, 3.0])
def test_shifted_and_unshifted_keys_agree(monkeypatch, offset):
    """Keys of the rows shifted by the queries' mean (_OFFSET = 0: always) and as they are
    (_OFFSET = inf: never) select the brute-force neighbours, near and away from the origin."""
    from geomem.memorization import neighbors

    rng = np.random.default_rng(13)
    X = offset + rng.standard_normal((400, 12)).astype(np.float32)
    Q = offset + rng.standard_normal((30, 12)).astype(np.float32)
    D, kth = _reference(Q.astype(np.float64), X.astype(np.float64), 4, False)
    for rule in (0.0, np.inf):
        monkeypatch.setattr(neighbors, "_OFFSET", rule)
        nb = nearest_neighbors(Q, X, 4, chunk_size=64, query_chunk=16)
        np.testing.assert_array_equal(nb.index, np.argsort(D, 1, kind="stable")[:, :4])
        np.testing.assert_allclose(nb.distance, kth, rtol=1e-12, atol=0)


def test_blocks_that_cannot_improve_any_row_are_skipped(monkeypatch):
    """Copies first, far points after: every later block is skipped (no top-k runs on it) and
    the neighbours are still the brute-force ones."""
    from geomem.memorization import neighbors

    rng = np.random.default_rng(12)
    near = rng.standard_normal((40, 4))
    X = np.concatenate([near, 50 + rng.standard_normal((400, 4))])
    Q = near[:10] + 0.01 * rng.standard_normal((10, 4))
    calls = []
    merged = neighbors._merged
    monkeypatch.setattr(neighbors, "_merged", lambda *a: calls.append(a[2]) or merged(*a))
    nb = nearest_neighbors(Q, X, 2, chunk_size=20)
    D, kth = _reference(Q, X, 2, False)
    np.testing.assert_array_equal(nb.index, np.argsort(D, 1, kind="stable")[:, :2])
    np.testing.assert_allclose(nb.distance, kth, rtol=1e-12, atol=0)
    assert calls and max(calls) < 40  # top-k only on the two chunks of copies
