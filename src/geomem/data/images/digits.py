"""scikit-learn's 8x8 handwritten digits (1797 images, UCI optdigits), read from the file the
scikit-learn package ships, ``sklearn/datasets/data/digits.csv.gz``: one row per image, 64 pixel
values 0..16 then the label. Only the file is read; scikit-learn is never imported."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import _validate
from geomem.data.images.dataset import ImageDataset
from geomem.data.images.sources import package_data_dir, read_csv_gz

FILE = "digits.csv.gz"


def sklearn_digits_dir() -> Path | None:
    """The folder of the installed scikit-learn's ``digits.csv.gz``, or None."""
    return package_data_dir("sklearn", ("datasets", "data"), FILE)


def load_digits(root: str | Path) -> ImageDataset:
    """(1797, 1, 8, 8) float32 digits in [-1, 1] (pixel p in 0..16 becomes p / 8 - 1), labels."""
    table = read_csv_gz("digits", root, FILE)
    if table.shape[1] != 65 or table.min() < 0 or table[:, :64].max() > 16:
        _validate.fail("root (digits)", "rows of 64 pixels in 0..16 and a label", table.shape)
    images = (table[:, :64] / 8.0 - 1.0).astype(np.float32).reshape(-1, 1, 8, 8)
    return ImageDataset("digits", images, table[:, 64].astype(np.int64))
