"""CIFAR-10 from the official python batches (``cifar-10-batches-py``).

Each batch is a pickled dict {b"data": uint8 array (10000, 3072), b"labels": list of int, ...};
a row holds the 1024 red, then green, then blue values of a 32 x 32 image, row-major.
The unpickler admits only the numpy array constructors those files use, so a file that
names any other callable (os.system, eval, ...) is refused instead of run.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from geomem import _validate
from geomem.data.images.dataset import ImageDataset, from_uint8
from geomem.data.images.sources import missing

FOLDER = "cifar-10-batches-py"
TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST = ("test_batch",)


def _numpy_reconstructors() -> dict[tuple[str, str], object]:
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct
        from numpy._core.numeric import _frombuffer
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct
        from numpy.core.numeric import _frombuffer
    import _codecs  # protocol-2 pickles written by Python 3 encode bytes through it

    allowed = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): _codecs.encode,
    }
    for mod in ("numpy.core", "numpy._core"):
        allowed[(f"{mod}.multiarray", "_reconstruct")] = _reconstruct
        allowed[(f"{mod}.numeric", "_frombuffer")] = _frombuffer
    return allowed


class _SafeUnpickler(pickle.Unpickler):
    allowed = _numpy_reconstructors()

    def find_class(self, module, name):
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(f"forbidden global {module}.{name}")
        return self.allowed[(module, name)]


def read_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (n, 3, 32, 32) and int64 labels (n,) of one CIFAR-10 python batch."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            batch = _SafeUnpickler(f, encoding="bytes").load()
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError) as exc:
        _validate.fail(str(path), "a CIFAR-10 python batch", f"{type(exc).__name__}: {exc}")
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        _validate.fail(str(path), "a dict with b'data' and b'labels'", type(batch).__name__)
    data, labels = batch[b"data"], np.asarray(batch[b"labels"], dtype=np.int64)
    if (
        not isinstance(data, np.ndarray)
        or data.dtype != np.uint8
        or data.ndim != 2
        or data.shape[1] != 3072
    ):
        _validate.fail(
            str(path),
            "b'data' as a uint8 array of shape (n, 3072)",
            getattr(data, "shape", type(data).__name__),
        )
    if labels.shape != (data.shape[0],):
        _validate.fail(str(path), f"{data.shape[0]} labels (one per image)", labels.shape)
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(root: str | Path, split: str = "train") -> ImageDataset:
    """CIFAR-10 from ``root/cifar-10-batches-py`` (or ``root`` itself being that folder).

    Parameters
    ----------
    root : folder
        Holds ``cifar-10-batches-py/data_batch_1..5`` and ``test_batch``.
    split : {"train", "test", "all"}
        50,000 training, 10,000 test images, or both (train first).

    Returns
    -------
    ImageDataset with images (N, 3, 32, 32) in [-1, 1] and labels (N,) in 0..9.
    """
    if split not in ("train", "test", "all"):
        _validate.fail("split", "'train', 'test' or 'all'", split)
    root = Path(root)
    folder = root if (root / TEST[0]).is_file() or (root / TRAIN[0]).is_file() else root / FOLDER
    names = {"train": TRAIN, "test": TEST, "all": TRAIN + TEST}[split]
    absent = [f"{FOLDER}/{n}" for n in names if not (folder / n).is_file()]
    if absent:
        missing("cifar10", root, [f"{FOLDER}/{n}" for n in names], absent)
    parts = [read_batch(folder / n) for n in names]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    return ImageDataset(f"cifar10/{split}", from_uint8(images), labels)
