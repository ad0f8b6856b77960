"""Streamed nearest neighbours against a brute-force distance matrix."""

import numpy as np
import pytest
import torch

from geomem.memorization import nearest_neighbors


def brute(Q, X, k, exclude_self=False):
    D = np.sqrt(((Q[:, None, :] - X[None, :, :]) ** 2).sum(-1)) / np.sqrt(Q.shape[1])
    if exclude_self:
        np.fill_diagonal(D, np.inf)
    idx = np.argsort(D, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(D, idx, 1), idx


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((23, 9)), rng.standard_normal((61, 9))


@pytest.mark.parametrize("k", [2, 3, 10, 61])
@pytest.mark.parametrize("chunk", [1, 7, 61])
def test_equals_brute_force(data, k, chunk):
    Q, X = data
    nb = nearest_neighbors(Q, X, k, chunk_size=chunk, query_chunk=5)
    dist, idx = brute(Q, X, k)
    assert nb.distance.shape == (23, k) and nb.index.dtype == np.int64
    np.testing.assert_array_equal(nb.index, idx)
    np.testing.assert_allclose(nb.distance, dist, rtol=1e-12, atol=1e-14)


def test_float32_and_float64_agree(data):
    Q, X = data
    a = nearest_neighbors(Q, X, 4, dtype=torch.float32)
    b = nearest_neighbors(Q, X, 4, dtype="float64")
    np.testing.assert_array_equal(a.index, b.index)
    np.testing.assert_allclose(a.distance, b.distance, rtol=1e-12)


def test_exact_distances_survive_cancellation():
    # far from the origin ||q||^2 - 2 q.x + ||x||^2 loses every digit in float32
    rng = np.random.default_rng(1)
    X = 1e3 + rng.standard_normal((50, 4)) * 1e-2
    Q = X[:5] + 1e-4
    nb = nearest_neighbors(Q, X, 2, dtype="float32")
    np.testing.assert_allclose(nb.distance[:, 0], np.full(5, 1e-4), rtol=1e-9)
    np.testing.assert_array_equal(nb.index[:, 0], np.arange(5))


def test_memmap_and_tensor_inputs_equal_array(data, tmp_path):
    Q, X = data
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    mm = np.load(tmp_path / "X.npy", mmap_mode="r")
    ref = nearest_neighbors(Q, X.astype(np.float32), 3, chunk_size=8)
    tensor = torch.as_tensor(X, dtype=torch.float32)
    for train in (mm, tensor):
        nb = nearest_neighbors(torch.as_tensor(Q), train, 3, chunk_size=8)
        np.testing.assert_array_equal(nb.index, ref.index)
        np.testing.assert_allclose(nb.distance, ref.distance, rtol=1e-12)
    assert torch.equal(tensor, torch.as_tensor(X, dtype=torch.float32))  # input left untouched


def test_exclude_self(data):
    _, X = data
    nb = nearest_neighbors(X, X, 3, exclude_self=True, chunk_size=7, query_chunk=4)
    dist, idx = brute(X, X, 3, exclude_self=True)
    np.testing.assert_array_equal(nb.index, idx)
    np.testing.assert_allclose(nb.distance, dist, rtol=1e-12)
    assert not np.any(nb.index == np.arange(61)[:, None])
    # without it every point finds itself first, at distance 0
    plain = nearest_neighbors(X, X, 2)
    np.testing.assert_array_equal(plain.index[:, 0], np.arange(61))
    np.testing.assert_array_equal(plain.distance[:, 0], 0.0)


def test_duplicates_find_each_other_with_exclude_self():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    nb = nearest_neighbors(X, X, 2, exclude_self=True)
    assert nb.index[0, 0] == 1 and nb.index[1, 0] == 0 and nb.distance[0, 0] == 0.0


def test_projection_on_basis_divides_by_sqrt_m(data):
    Q, X = data
    U = np.eye(9)[:, :4]
    nb = nearest_neighbors(Q, X, 3, basis=U, chunk_size=5)
    dist, idx = brute(Q[:, :4], X[:, :4], 3)
    np.testing.assert_array_equal(nb.index, idx)
    np.testing.assert_allclose(nb.distance, dist, rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 1}, "k: expected an integer >= 2"),
        ({"k": 62}, "k: expected an integer in"),
        ({"k": 2.0}, "k: expected an integer"),
        ({"train": np.zeros((5, 8))}, "train: expected 9 columns"),
        ({"train": np.zeros((0, 9))}, "train: expected at least one row"),
        ({"queries": np.zeros((0, 9))}, "queries: expected at least one row"),
        ({"queries": np.full((2, 9), np.nan)}, "queries: expected finite values"),
        ({"exclude_self": True}, "exclude_self: expected queries with as many rows"),
        ({"basis": np.ones((9, 2))}, "basis: expected orthonormal columns"),
        ({"dtype": "float16"}, "dtype: expected float32 or float64"),
        ({"chunk_size": 0}, "chunk_size: expected an integer >= 1"),
    ],
)
def test_bad_input(data, kwargs, match):
    Q, X = data
    args = {"queries": Q, "train": X, "k": 2} | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        nearest_neighbors(**args)


def test_nan_in_a_late_chunk_of_a_memmap(data, tmp_path):
    Q, X = data
    X = X.copy()
    X[50, 3] = np.nan
    np.save(tmp_path / "X.npy", X)
    mm = np.load(tmp_path / "X.npy", mmap_mode="r")
    with pytest.raises(ValueError, match="train: expected finite values, got 'NaN/inf in rows 50"):
        nearest_neighbors(Q, mm, 2, chunk_size=10)


def test_float32_overflow_is_reported_and_float64_works(data):
    Q, X = data
    big = X * 1e20  # finite, but squared norms overflow float32
    with pytest.raises(
        ValueError, match="train: expected values whose squares fit in torch.float32"
    ):
        nearest_neighbors(Q, big, 2)
    with pytest.raises(ValueError, match="queries: expected values whose squares fit"):
        nearest_neighbors(Q * 1e20, X, 2)
    nb = nearest_neighbors(Q * 1e20, big, 2, dtype="float64")
    np.testing.assert_array_equal(nb.index, brute(Q, X, 2)[1])
