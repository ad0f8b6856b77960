"""Image loaders read each exact file format; nested subsets; bad input fails in one line."""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geomem.data.images import (
    ImageDataset,
    crop_resize,
    find_default_root,
    flatten,
    load_celeba,
    load_cifar10,
    load_image_folder,
    load_images,
    load_mnist,
    read_idx,
    subset,
    subset_indices,
    to_uint8,
    unflatten,
)

DEBIAN_FMNIST = Path("/usr/share/datasets/fashion-mnist")


def one_line_error(match: str, fn, *args, **kwargs) -> str:
    with pytest.raises(ValueError, match=match) as info:
        fn(*args, **kwargs)
    assert "\n" not in str(info.value)
    return str(info.value)


def idx_bytes(arr: np.ndarray) -> bytes:
    return bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def write_idx(path: Path, arr: np.ndarray, gz: bool) -> None:
    data = idx_bytes(arr)
    if gz:
        with gzip.open(f"{path}.gz", "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def mnist_files(root: Path, gz: bool, seed: int = 0, hw=(5, 4)):
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for prefix, n in (("train", 7), ("t10k", 3)):
        images = rng.integers(0, 256, (n, *hw), dtype=np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255  # both ends of the pixel range
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        write_idx(root / f"{prefix}-images-idx3-ubyte", images, gz)
        write_idx(root / f"{prefix}-labels-idx1-ubyte", labels, gz)
        out[prefix] = (images, labels)
    return out


# ---------------------------------------------------------------- IDX: MNIST, Fashion-MNIST


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_idx_loader_reads_fixture_exactly(tmp_path, gz, name):
    raw = mnist_files(tmp_path, gz)
    for split, prefix in (("train", "train"), ("test", "t10k")):
        ds = load_mnist(tmp_path, split, name=name)
        images, labels = raw[prefix]
        assert ds.images.shape == (len(images), 1, 5, 4) and ds.shape == (1, 5, 4)
        assert ds.images.dtype == np.float32 and ds.labels.dtype == np.int64
        assert ds.images.min() == -1.0 and ds.images.max() == 1.0
        np.testing.assert_array_equal(to_uint8(ds.images)[:, 0], images)  # round trip
        np.testing.assert_allclose(ds.images[:, 0], images / 127.5 - 1, rtol=0, atol=1e-7)
        np.testing.assert_array_equal(ds.labels, labels)
    both = load_images(name, tmp_path, "all")
    assert len(both) == 10 and np.array_equal(both.labels[7:], raw["t10k"][1])


def test_idx_torchvision_layout(tmp_path):
    raw = mnist_files(tmp_path / "FashionMNIST" / "raw", gz=True)
    ds = load_mnist(tmp_path, "train", name="fashion-mnist")
    np.testing.assert_array_equal(to_uint8(ds.images)[:, 0], raw["train"][0])


def test_idx_dotted_names(tmp_path):
    raw = mnist_files(tmp_path, gz=False)
    for f in tmp_path.iterdir():
        f.rename(tmp_path / f.name.replace("-idx", ".idx"))
    np.testing.assert_array_equal(load_mnist(tmp_path, "test").labels, raw["t10k"][1])


def test_idx_missing_files_message(tmp_path):
    msg = one_line_error("root", load_mnist, tmp_path, "test")
    for text in (
        "t10k-images-idx3-ubyte[.gz]",
        "t10k-labels-idx1-ubyte[.gz]",
        str(tmp_path),
        "yann.lecun.com",
        "ossci",
    ):
        assert text in msg
    msg = one_line_error("root", load_mnist, tmp_path / "nowhere", name="fashion-mnist")
    assert "zalandoresearch/fashion-mnist" in msg and "no such folder" in msg
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((2, 3, 3), np.uint8)))
    msg = one_line_error("got no train-labels", load_mnist, tmp_path)
    assert "got no train-images" not in msg


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_idx(tmp_path, gz):
    data = idx_bytes(np.zeros((4, 6, 6), np.uint8))[:-10]  # header claims 144 bytes, 134 left
    path = tmp_path / ("x.gz" if gz else "x")
    path.write_bytes(gzip.compress(data) if gz else data)
    msg = one_line_error("144 data bytes", read_idx, path)
    assert "got 134" in msg and "4x6x6" in msg
    path.write_bytes(gzip.compress(data)[:-12] if gz else data[:10])  # cut stream / header
    one_line_error("x", read_idx, path)


def test_bad_idx_content(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"\x00\x00\x0d\x01" + struct.pack(">I", 2) + b"\x00" * 8)  # float32 code
    one_line_error("unsigned bytes", read_idx, path)
    mnist_files(tmp_path, gz=False)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8), gz=False)
    one_line_error("7 labels", load_mnist, tmp_path)


@pytest.mark.skipif(
    not (DEBIAN_FMNIST / "train-images-idx3-ubyte.gz").is_file(),
    reason="Debian package dataset-fashion-mnist not installed",
)
def test_debian_fashion_mnist():
    assert find_default_root("fashion-mnist") == DEBIAN_FMNIST
    ds = load_images("fashion-mnist")  # root found by find_default_root
    assert ds.images.shape == (60000, 1, 28, 28) and ds.images.dtype == np.float32
    assert ds.images.min() == -1.0 and ds.images.max() == 1.0
    assert np.array_equal(np.bincount(ds.labels), np.full(10, 6000))
    assert len(load_images("fashion-mnist", split="test", n=100, seed=3)) == 100


def test_default_root_unknown():
    assert find_default_root("celeba") is None
    one_line_error("root: expected a folder with the celeba files", load_images, "celeba")


# ---------------------------------------------------------------- CIFAR-10


def cifar_files(root: Path, protocol: int = 2, n: int = 4):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    out = {}
    for i, name in enumerate([*(f"data_batch_{k}" for k in range(1, 6)), "test_batch"]):
        data = rng.integers(0, 256, (n + i % 2, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, 10, len(data))]
        batch = {
            b"batch_label": b"fixture",
            b"labels": labels,
            b"data": data,
            b"filenames": [b"f%d.png" % j for j in range(len(data))],
        }
        (folder / name).write_bytes(pickle.dumps(batch, protocol=protocol))
        out[name] = (data, labels)
    return out


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar_reads_fixture_exactly(tmp_path, protocol):
    raw = cifar_files(tmp_path, protocol)
    train = load_cifar10(tmp_path, "train")
    data = np.concatenate([raw[f"data_batch_{k}"][0] for k in range(1, 6)])
    assert train.images.shape == (len(data), 3, 32, 32) and train.images.dtype == np.float32
    u8 = to_uint8(train.images)
    np.testing.assert_array_equal(u8[:, 0].reshape(len(data), -1), data[:, :1024])  # red plane
    np.testing.assert_array_equal(u8[:, 2, 0, :], data[:, 2048:2080])  # blue, first row
    np.testing.assert_array_equal(u8.reshape(len(data), -1), data)
    labels = [v for k in range(1, 6) for v in raw[f"data_batch_{k}"][1]]
    np.testing.assert_array_equal(train.labels, labels)
    test = load_cifar10(tmp_path / "cifar-10-batches-py", "test")  # the batch folder itself
    np.testing.assert_array_equal(
        to_uint8(test.images).reshape(len(test), -1), raw["test_batch"][0]
    )
    assert len(load_images("cifar10", tmp_path, "all")) == len(data) + len(test)


def test_cifar_missing_and_corrupt(tmp_path):
    msg = one_line_error("root", load_cifar10, tmp_path)
    assert "cifar-10-batches-py/data_batch_5" in msg and "www.cs.toronto.edu/~kriz" in msg
    cifar_files(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(b"\x80\x02}q\x00")  # truncated
    one_line_error("test_batch: expected a CIFAR-10 python batch", load_cifar10, tmp_path, "test")


class _Exploit:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


def test_cifar_unpickler_refuses_code(tmp_path):
    cifar_files(tmp_path)
    target = tmp_path / "pwned"
    bad = {b"data": np.zeros((1, 3072), np.uint8), b"labels": [_Exploit(target)]}
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps(bad, protocol=2))
    one_line_error("forbidden global", load_cifar10, tmp_path, "test")
    assert not target.exists()


# ---------------------------------------------------------------- CelebA


def celeba_files(root: Path, n: int = 6):
    (root / "img_align_celeba").mkdir(parents=True)
    lines, colours = [], []
    for i in range(n):
        colour = (40 * i, 255 - 30 * i, 100)
        img = np.zeros((218, 178, 3), np.uint8)
        img[:, :] = (255, 0, 255)  # outside the centre crop: rows 0-19 and 198-217
        img[20:198] = colour
        Image.fromarray(img).save(
            root / "img_align_celeba" / f"{i + 1:06d}.jpg", quality=98, subsampling=0
        )
        lines.append(f"{i + 1:06d}.jpg {0 if i < 4 else i - 3}")
        colours.append(colour)
    (root / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    return np.array(colours)


@pytest.mark.parametrize("size", [32, 64])
def test_celeba_reads_fixture(tmp_path, size):
    colours = celeba_files(tmp_path)
    ds = load_celeba(tmp_path, "train", size=size)
    assert ds.images.shape == (4, 3, size, size) and ds.images.dtype == np.float32
    assert ds.labels is None and -1 <= ds.images.min() and ds.images.max() <= 1
    # the centre 178 x 178 crop holds only the image's colour: the border colour is cut off
    mean = to_uint8(ds.images).reshape(4, 3, -1).astype(float).mean(2)
    np.testing.assert_allclose(mean, colours[:4], atol=3)
    ref = crop_resize(Image.open(tmp_path / "img_align_celeba" / "000002.jpg").convert("RGB"), size)
    np.testing.assert_array_equal(to_uint8(ds.images[1]), np.asarray(ref).transpose(2, 0, 1))
    assert [len(load_celeba(tmp_path, s, size=size)) for s in ("valid", "test", "all")] == [1, 1, 6]


def test_celeba_subset_decodes_the_same_images(tmp_path):
    celeba_files(tmp_path / "celeba")  # torchvision layout: root/celeba/...
    full = load_images("celeba", tmp_path, "all", size=32)
    part = load_images("celeba", tmp_path, "all", size=32, n=3, seed=5)
    ref = subset(full, 3, seed=5)
    assert part.name == ref.name and np.array_equal(part.images, ref.images)


def test_celeba_bad_input(tmp_path):
    msg = one_line_error("root", load_celeba, tmp_path)
    assert "img_align_celeba/*.jpg" in msg and "list_eval_partition.txt" in msg
    assert "mmlab.ie.cuhk.edu.hk/projects/CelebA.html" in msg
    celeba_files(tmp_path)
    (tmp_path / "img_align_celeba" / "000003.jpg").unlink()
    one_line_error("1 missing, e.g. 000003.jpg", load_celeba, tmp_path)
    (tmp_path / "list_eval_partition.txt").write_text("000001.jpg 0\n000002.jpg train\n")
    one_line_error("line 2", load_celeba, tmp_path)


# ---------------------------------------------------------------- any folder of images


def test_folder_of_pngs_round_trips(tmp_path):
    rng = np.random.default_rng(2)
    gray = rng.integers(0, 256, (5, 9, 7), dtype=np.uint8)
    for i, g in enumerate(gray):
        Image.fromarray(g).save(tmp_path / f"img{i}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    ds = load_image_folder(tmp_path)
    assert ds.images.shape == (5, 1, 9, 7) and ds.images.dtype == np.float32
    np.testing.assert_array_equal(to_uint8(ds.images)[:, 0], gray)
    rgb = rng.integers(0, 256, (9, 7, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "img9.png")  # one colour image: all become RGB
    ds = load_image_folder(tmp_path)
    assert ds.images.shape == (6, 3, 9, 7)
    np.testing.assert_array_equal(to_uint8(ds.images[5]), rgb.transpose(2, 0, 1))
    np.testing.assert_array_equal(to_uint8(ds.images[0]), np.stack([gray[0]] * 3))


def test_folder_mixed_sizes(tmp_path):
    Image.new("L", (8, 8)).save(tmp_path / "a.png")
    Image.new("L", (10, 12)).save(tmp_path / "b.png")
    msg = one_line_error("one size", load_image_folder, tmp_path)
    assert "8x8 (a.png)" in msg and "10x12 (b.png)" in msg
    assert load_images("folder", tmp_path, size=6).images.shape == (2, 1, 6, 6)


def test_folder_bad_input(tmp_path):
    one_line_error("image files", load_image_folder, tmp_path)
    one_line_error("existing folder", load_image_folder, tmp_path / "nowhere")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    one_line_error("broken.png: expected a readable image", load_image_folder, tmp_path)


# ---------------------------------------------------------------- subsets and shapes


def test_subsets_are_nested_and_deterministic():
    x = np.random.default_rng(0).uniform(-1, 1, (2000, 1, 2, 2)).astype(np.float32)
    ds = ImageDataset("toy", x, np.arange(2000))
    small, big = subset(ds, 256, seed=7), subset(ds, 1024, seed=7)
    assert np.array_equal(big.images[:256], small.images)
    assert set(small.labels) <= set(big.labels) and len(set(big.labels)) == 1024
    assert np.array_equal(subset(ds, 256, seed=7).labels, small.labels)
    assert not np.array_equal(subset(ds, 256, seed=8).labels, small.labels)
    assert np.array_equal(ds.images[small.labels], small.images)  # labels follow their images
    assert len(subset(ds, 2000, seed=1)) == 2000
    one_line_error(
        "N \\(subset size\\): expected at most the dataset size 2000, got 2001", subset, ds, 2001, 7
    )
    one_line_error("seed", subset_indices, 10, 3, -1)
    with pytest.raises(TypeError):
        subset(ds, 2.5, 0)


def test_flatten_unflatten_and_dataset_checks():
    x = np.random.default_rng(0).uniform(-1, 1, (3, 3, 4, 5)).astype(np.float32)
    ds = ImageDataset("toy", x)
    assert ds.d == 60 and flatten(ds).shape == (3, 60)
    assert np.array_equal(flatten(ds)[1, 20:40], x[1, 1].ravel())  # channel-major (C, H, W)
    assert np.array_equal(unflatten(flatten(ds), ds.shape), x)
    one_line_error("x: expected shape", unflatten, flatten(ds), (3, 4, 4))
    one_line_error("images", ImageDataset, "bad", x.astype(np.float64))
    one_line_error("labels", ImageDataset, "bad", x, np.arange(4))
    one_line_error("dataset", load_images, "imagenet", ".")
    one_line_error("size", load_images, "mnist", ".", size=32)


# ---------------------------------------------------------------- images meet the exact score


@pytest.mark.parametrize("hw", [(8, 8), (12, 12)])
def test_empirical_score_on_image_subset(tmp_path, hw):
    import torch

    from geomem.schedules import VE
    from geomem.scores.empirical import EmpiricalScore
    from geomem.spectra import autodiff_jacobian, jacobian_spectrum

    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[: hw[0], : hw[1]]
    blobs = [
        127 + 120 * np.cos(0.5 * (xx * np.cos(a) + yy * np.sin(a)))
        for a in rng.uniform(0, np.pi, 80)
    ]
    write_idx(tmp_path / "train-images-idx3-ubyte", np.rint(blobs).astype(np.uint8), gz=True)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(80, np.uint8), gz=True)
    X = flatten(subset(load_mnist(tmp_path), 64, seed=0))  # (64, d), d = 64 or 144
    assert X.shape == (64, hw[0] * hw[1])
    score = EmpiricalScore(X, VE())
    sigma = 1.5
    t = float(score.schedule.t_of_noise_var(sigma**2))
    x = torch.as_tensor(X[:4], dtype=torch.float64) + sigma * torch.as_tensor(
        rng.standard_normal((4, X.shape[1]))
    )
    n_eff = score.effective_n(x, t)
    assert torch.all(n_eff > 1.5) and torch.all(n_eff < 60)  # a posterior spread over images
    J = score.jacobian(x, t)
    J_ad = autodiff_jacobian(score, x, t)
    assert (torch.linalg.matrix_norm(J - J_ad) / torch.linalg.matrix_norm(J_ad)).max() < 1e-8
    dense = jacobian_spectrum(score, x, t, method="closed-form")
    gram = jacobian_spectrum(score, x, t, method="gram")
    np.testing.assert_allclose(gram.eigvals, dense.eigvals, rtol=0, atol=1e-10)
    assert dense.eigvals[:, 0].min() < 0.9  # some directions tangent to the training images


def test_digits_loader_reads_its_file_exactly(tmp_path):
    import gzip

    from geomem.data.images import load_images

    rows = np.random.default_rng(0).integers(0, 17, (5, 64))
    labels = np.arange(5) % 10
    with gzip.open(tmp_path / "digits.csv.gz", "wt") as fh:
        for r, y in zip(rows, labels, strict=True):
            fh.write(",".join(map(str, [*r, y])) + "\n")
    ds = load_images("digits", tmp_path)
    assert ds.images.shape == (5, 1, 8, 8) and ds.images.dtype == np.float32
    np.testing.assert_array_equal(ds.images.reshape(5, 64), rows / 8.0 - 1.0)
    np.testing.assert_array_equal(ds.labels, labels)
    with pytest.raises(ValueError, match=r"root \(digits\): expected digits.csv.gz in"):
        load_images("digits", tmp_path / "nowhere")


def test_digits_from_the_installed_scikit_learn():
    from geomem.data.images import load_images, sklearn_digits_dir

    assert sklearn_digits_dir() is not None, "scikit-learn (a dev dependency) ships the file"
    ds = load_images("digits")
    assert ds.images.shape == (1797, 1, 8, 8)
    assert ds.images.min() == -1.0 and ds.images.max() == 1.0
    assert np.bincount(ds.labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
