import numpy as np
import pytest

from geomem.data import Block, LinearManifold, load_array, preset, query_points


def test_paper_preset_is_exact():
    m = preset("paper")
    assert m.d == 30 and m.normalize and m.embedding == "axis" and m.thickness == 0.01
    assert [(b.dim, b.std) for b in m.blocks] == [(2, 1.0), (5, 0.3)]
    assert [b.dim for b in m.all_blocks] == [2, 5, 23]
    large = preset("paper-large")
    assert [(b.dim, b.std) for b in large.blocks] == [(5, 1.0), (10, 0.3)]
    assert m.describe()["scale_unit"] == "std"


def test_sample_shapes_and_sphere():
    X = preset("paper").sample(500, np.random.default_rng(0))
    assert X.shape == (500, 30) and X.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-12)


def test_flat_sample_covariance_matches_sigma():
    m = LinearManifold.from_stds(
        8, [2, 3], [1.0, 0.3], thickness=0.05, embedding="haar", basis_seed=3
    )
    X = m.sample(200_000, np.random.default_rng(1))
    np.testing.assert_allclose(np.cov(X.T), m.covariance(), atol=0.01)
    U = m.basis()
    np.testing.assert_allclose(U.T @ U, np.eye(8), atol=1e-12)


def test_variance_and_std_units_are_explicit():
    a = LinearManifold.from_variances(10, [2], [0.09])
    b = LinearManifold.from_stds(10, [2], [0.3])
    assert a.blocks[0].std == pytest.approx(0.3) and a.blocks[0].variance == pytest.approx(0.09)
    assert a.blocks == b.blocks
    assert Block.from_variance(1, 4.0).std == 2.0


def test_same_rng_same_sample():
    m = preset("paper")
    np.testing.assert_array_equal(
        m.sample(5, np.random.default_rng(7)), m.sample(5, np.random.default_rng(7))
    )


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        ({"d": 5, "dims": [4, 3], "stds": [1.0, 0.3]}, "blocks: expected dimensions summing"),
        ({"d": 5, "dims": [2], "stds": [-1.0]}, "block std: expected a finite number > 0"),
        ({"d": 5, "dims": [2, 1], "stds": [1.0]}, "dims: expected one entry per std"),
    ],
)
def test_bad_manifolds(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        LinearManifold.from_stds(kwargs["d"], kwargs["dims"], kwargs["stds"])


def test_unknown_preset():
    with pytest.raises(ValueError, match="preset: expected one of"):
        preset("mnist")


def test_load_array(tmp_path):
    X = np.arange(12.0).reshape(4, 3)
    np.save(tmp_path / "a.npy", X)
    np.savez(tmp_path / "b.npz", X=X, other=np.zeros(2))
    np.testing.assert_array_equal(load_array(tmp_path / "a.npy"), X)
    np.testing.assert_array_equal(load_array(tmp_path / "b.npz"), X)
    np.save(tmp_path / "bad.npy", np.zeros(5))
    with pytest.raises(ValueError, match="data: expected a 2-D array"):
        load_array(tmp_path / "bad.npy")
    X[1, 1] = np.nan
    np.save(tmp_path / "nan.npy", X)
    with pytest.raises(ValueError, match="data: expected finite values"):
        load_array(tmp_path / "nan.npy")
    with pytest.raises(ValueError, match="expected an existing readable file"):
        load_array(tmp_path / "missing.npy")
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match="expected a readable .npy/.npz file"):
        load_array(tmp_path / "junk.npy")
    np.save(tmp_path / "empty.npy", np.zeros((0, 3)))
    with pytest.raises(ValueError, match="at least one row"):
        load_array(tmp_path / "empty.npy")


def test_query_points_kinds(tmp_path):
    m = preset("paper")
    rng = np.random.default_rng(0)
    X = m.sample(10, rng)
    q = query_points("train", 4, rng, X_train=X)
    assert q.x0.shape == (4, 30) and all(any(np.allclose(r, y) for y in X) for r in q.x0)
    np.testing.assert_allclose(q.at(0.04) - q.x0, 0.2 * q.z)  # matched noise: sqrt(v) z
    np.testing.assert_allclose(q.at(0.04, alpha_t=0.5), 0.5 * (q.x0 + 0.2 * q.z))
    assert query_points("train", 50, rng, X_train=X).x0.shape == (10, 30)
    assert query_points("fresh", 3, rng, manifold=m).x0.shape == (3, 30)
    o = query_points("origin", 3, rng, d=30)
    np.testing.assert_array_equal(o.at(0.5), np.zeros((1, 30)))
    np.save(tmp_path / "p.npy", X[:2])
    f = query_points("file", 1, rng, path=tmp_path / "p.npy", d=30)
    np.testing.assert_array_equal(f.at(1.0), X[:2])
    with pytest.raises(ValueError, match="points: expected 31 columns"):
        query_points("file", 1, rng, path=tmp_path / "p.npy", d=31)
    with pytest.raises(ValueError, match="points: expected one of"):
        query_points("nowhere", 1, rng)
