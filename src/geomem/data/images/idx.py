"""MNIST and Fashion-MNIST from their IDX files (LeCun et al.), gzipped or not.

IDX layout: 2 zero bytes, a type code (0x08 = unsigned byte), the number of dimensions n,
n big-endian uint32 sizes, then the values in row-major order.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from geomem import _validate
from geomem.data.images.dataset import ImageDataset, from_uint8
from geomem.data.images.sources import missing

PREFIX = {"train": "train", "test": "t10k"}
SUBFOLDER = {"mnist": "MNIST/raw", "fashion-mnist": "FashionMNIST/raw"}  # torchvision layout


def read_idx(path: str | Path) -> np.ndarray:
    """The uint8 array stored in an IDX file (``.gz`` is decompressed), shape as its header."""
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as exc:
        _validate.fail(str(path), "a readable IDX file", f"{type(exc).__name__}: {exc}")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] < 1:
        _validate.fail(
            str(path),
            "an IDX file of unsigned bytes (magic 00 00 08 0n)",
            raw[:4].hex() or "an empty file",
        )
    ndim = raw[3]
    head = 4 + 4 * ndim
    if len(raw) < head:
        _validate.fail(str(path), f"a {head}-byte IDX header", f"{len(raw)} bytes (truncated)")
    dims = struct.unpack(f">{ndim}I", raw[4:head])
    size = int(np.prod(dims))
    if len(raw) - head != size:
        shape = "x".join(map(str, dims))
        _validate.fail(
            str(path),
            f"{size} data bytes after the header (shape {shape}; file truncated or corrupt)",
            len(raw) - head,
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=head).reshape(dims)


def _find(root: Path, name: str, stem: str) -> Path | None:
    for folder in (root, root / SUBFOLDER[name]):
        dotted = stem.replace("-idx", ".idx")  # train-images.idx3-ubyte (Kaggle, Windows)
        for candidate in (folder / stem, folder / f"{stem}.gz", folder / dotted):
            if candidate.is_file():
                return candidate
    return None


def _split_files(root: Path, name: str, split: str) -> tuple[Path, Path]:
    stems = [f"{PREFIX[split]}-images-idx3-ubyte", f"{PREFIX[split]}-labels-idx1-ubyte"]
    found = [_find(root, name, s) for s in stems]
    if None in found:
        files = [f"{s}[.gz]" for s in stems]
        absent = [f for f, p in zip(files, found, strict=True) if p is None]
        missing(name, root, files, absent, f"{root} (or {root / SUBFOLDER[name]})")
    return found[0], found[1]


def _read_split(root: Path, name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    img_path, lab_path = _split_files(root, name, split)
    images, labels = read_idx(img_path), read_idx(lab_path)
    if images.ndim != 3:
        _validate.fail(str(img_path), "images of shape (N, H, W)", images.shape)
    if labels.shape != (images.shape[0],):
        _validate.fail(str(lab_path), f"{images.shape[0]} labels (one per image)", labels.shape)
    return images, labels


def load_mnist(root: str | Path, split: str = "train", *, name: str = "mnist") -> ImageDataset:
    """MNIST or Fashion-MNIST (``name="fashion-mnist"``) from the four standard IDX files.

    Parameters
    ----------
    root : folder
        Holds ``train-images-idx3-ubyte[.gz]``, ``train-labels-idx1-ubyte[.gz]``,
        ``t10k-images-idx3-ubyte[.gz]``, ``t10k-labels-idx1-ubyte[.gz]`` (directly, or in
        torchvision's ``MNIST/raw`` / ``FashionMNIST/raw``).
    split : {"train", "test", "all"}
        60,000 training, 10,000 test images, or both (train first).

    Returns
    -------
    ImageDataset with images (N, 1, 28, 28) in [-1, 1] and labels (N,).
    """
    if name not in SUBFOLDER:
        _validate.fail("name", f"one of {list(SUBFOLDER)}", name)
    if split not in ("train", "test", "all"):
        _validate.fail("split", "'train', 'test' or 'all'", split)
    parts = [
        _read_split(Path(root), name, s)
        for s in (("train", "test") if split == "all" else (split,))
    ]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts]).astype(np.int64)
    return ImageDataset(f"{name}/{split}", from_uint8(images[:, None]), labels)
