"""Image datasets in memory: pixels in [-1, 1], batch-first (N, C, H, W), nested subsets.

Scores see vectors: ``flatten`` turns (N, C, H, W) into (N, d), d = C H W, at the score
boundary, and ``unflatten`` turns them back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geomem import _validate


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Images of one size with optional integer labels.

    Parameters
    ----------
    name : str
        Where the images came from, e.g. ``"fashion-mnist/train"``.
    images : float32 array (N, C, H, W)
        Pixels scaled to [-1, 1] (uint8 value p becomes p / 127.5 - 1).
    labels : int64 array (N,) or None
        Class labels where the format has them.
    """

    name: str
    images: np.ndarray
    labels: np.ndarray | None = None

    def __post_init__(self):
        x = self.images
        if not isinstance(x, np.ndarray) or x.ndim != 4 or x.dtype != np.float32:
            _validate.fail("images", "a float32 array of shape (N, C, H, W)", _describe(x))
        if x.shape[0] < 1:
            _validate.fail("images", "at least one image", _describe(x))
        if self.labels is not None and self.labels.shape != (x.shape[0],):
            _validate.fail("labels", f"shape ({x.shape[0]},)", self.labels.shape)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(C, H, W) of one image."""
        return tuple(self.images.shape[1:])

    @property
    def d(self) -> int:
        """Ambient dimension C H W of the flattened images."""
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        return self.images.shape[0]


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"{x.dtype} array of shape {x.shape}"
    return type(x).__name__


def from_uint8(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels (any shape) to float32 in [-1, 1]: p / 127.5 - 1 (0 -> -1, 255 -> 1)."""
    return (pixels.astype(np.float32) / np.float32(127.5)) - np.float32(1.0)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Inverse of ``from_uint8``: clip to [-1, 1], then round((x + 1) 127.5) as uint8."""
    x = np.clip(np.asarray(images, dtype=np.float64), -1.0, 1.0)
    return np.rint((x + 1.0) * 127.5).astype(np.uint8)


def flatten(images: ImageDataset | np.ndarray) -> np.ndarray:
    """(N, C, H, W) images (or an ImageDataset) to (N, d) vectors, d = C H W (a view)."""
    x = images.images if isinstance(images, ImageDataset) else np.asarray(images)
    if x.ndim != 4:
        _validate.fail("images", "an array of shape (N, C, H, W)", _describe(x))
    return x.reshape(x.shape[0], -1)


def unflatten(x: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """(N, d) vectors back to (N, C, H, W) images of ``shape`` = (C, H, W)."""
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != int(np.prod(shape)):
        _validate.fail(
            "x", f"shape (N, {int(np.prod(shape))}) for images of shape {shape}", x.shape
        )
    return x.reshape(x.shape[0], *shape)


def subset_indices(n_total: int, N: int, seed: int) -> np.ndarray:
    """First ``N`` entries of one permutation of range(n_total) drawn from ``seed``.

    Subsets are nested: for one seed, ``subset_indices(n, 256, s)`` is the prefix of
    ``subset_indices(n, 1024, s)``.
    """
    N = _validate.positive_int("N (subset size)", N)
    if N > n_total:
        _validate.fail("N (subset size)", f"at most the dataset size {n_total}", N)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        _validate.fail("seed", "an integer >= 0", seed)
    return np.random.default_rng(int(seed)).permutation(n_total)[:N]


def subset(dataset: ImageDataset, N: int, seed: int = 0) -> ImageDataset:
    """Nested random subset of ``N`` images (see ``subset_indices``), in permutation order."""
    idx = subset_indices(len(dataset), N, seed)
    labels = None if dataset.labels is None else dataset.labels[idx]
    return ImageDataset(f"{dataset.name}[N={N},seed={seed}]", dataset.images[idx], labels)
