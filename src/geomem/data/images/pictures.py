"""Images stored one per file (Pillow): CelebA and any folder of images.

File-per-image sets can be large (CelebA: 202,599 JPEGs), so these loaders take ``n`` and
``seed`` and decode only the nested subset ``subset_indices(n_files, n, seed)``; the result
equals ``subset(load_...(root), n, seed)`` without decoding the rest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from geomem import _validate
from geomem.data.images.dataset import ImageDataset, from_uint8, subset_indices
from geomem.data.images.sources import missing

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F")
CELEBA_SPLITS = {"train": ("0",), "valid": ("1",), "test": ("2",), "all": ("0", "1", "2")}


def crop_resize(img: Image.Image, size: int, crop: int | None = None) -> Image.Image:
    """Centre square crop of side ``crop`` (default: the shorter side), resized (bicubic, with
    Pillow's antialiasing when shrinking) to ``size`` x ``size``."""
    w, h = img.size
    c = min(w, h) if crop is None else crop
    if c > min(w, h):
        _validate.fail("crop", f"at most the shorter image side {min(w, h)}", c)
    left, top = (w - c) // 2, (h - c) // 2
    img = img.crop((left, top, left + c, top + c))
    return img if c == size else img.resize((size, size), Image.Resampling.BICUBIC)


def _open(path: Path, mode: str) -> Image.Image:
    try:
        with Image.open(path) as img:
            return img.convert(mode)
    except (OSError, UnidentifiedImageError) as exc:
        _validate.fail(str(path), "a readable image", f"{type(exc).__name__}: {exc}")


def _decode(paths, mode: str, size: int | None, crop: int | None) -> np.ndarray:
    arrays = []
    for p in paths:
        img = _open(p, mode)
        if size is not None:
            img = crop_resize(img, size, crop)
        arrays.append(np.asarray(img, dtype=np.uint8))
    x = np.stack(arrays)
    return x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)  # (N, C, H, W)


def _pick(paths: list[Path], n: int | None, seed: int) -> tuple[list[Path], str]:
    if n is None:
        return paths, ""
    return [paths[i] for i in subset_indices(len(paths), n, seed)], f"[N={n},seed={seed}]"


def _check_size(size, crop) -> None:
    if size is not None:
        _validate.positive_int("size", size)
    if crop is not None:
        _validate.positive_int("crop", crop)


def _celeba_files(root: Path) -> tuple[Path, Path]:
    files = ["img_align_celeba/*.jpg", "list_eval_partition.txt"]
    for folder in (root, root / "celeba"):
        images = folder / "img_align_celeba"
        parts = [folder / files[1], folder / "Eval" / files[1]]
        part = next((p for p in parts if p.is_file()), None)
        if images.is_dir() and part is not None:
            return images, part
    present = [(root / "img_align_celeba").is_dir(), (root / files[1]).is_file()]
    absent = [f for f, ok in zip(files, present, strict=True) if not ok]
    missing("celeba", root, files, absent)


def _read_partition(path: Path, split: str) -> list[str]:
    names = []
    for i, line in enumerate(path.read_text().splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
            _validate.fail(f"{path} line {i}", "'<image>.jpg <0|1|2>'", line)
        if fields[1] in CELEBA_SPLITS[split]:
            names.append(fields[0])
    return names


def load_celeba(
    root: str | Path,
    split: str = "train",
    *,
    size: int = 64,
    crop: int | None = None,
    n: int | None = None,
    seed: int = 0,
) -> ImageDataset:
    """CelebA aligned faces from ``root/img_align_celeba/*.jpg`` and ``list_eval_partition.txt``.

    Parameters
    ----------
    root : folder
        Holds ``img_align_celeba/`` and ``list_eval_partition.txt`` (also found in ``Eval/``
        or under ``root/celeba/``).
    split : {"train", "valid", "test", "all"}
        Partition 0, 1, 2 of the official file, or all three.
    size : int
        Output side (the paper uses 32 or 64).
    crop : int, optional
        Side of the centre square crop before resizing; default the shorter side (178).
    n, seed : optional
        Decode only the nested subset of ``n`` images drawn with ``seed``.

    Returns
    -------
    ImageDataset with images (N, 3, size, size) in [-1, 1]; no labels.
    """
    if split not in CELEBA_SPLITS:
        _validate.fail("split", f"one of {list(CELEBA_SPLITS)}", split)
    _check_size(size, crop)
    folder, partition = _celeba_files(Path(root))
    names = _read_partition(partition, split)
    if not names:
        _validate.fail(str(partition), f"at least one image in split {split!r}", "none")
    paths, tag = _pick([folder / name for name in names], n, seed)
    absent = [p.name for p in paths if not p.is_file()]
    if absent:
        _validate.fail(
            str(folder),
            "every image listed in list_eval_partition.txt",
            f"{len(absent)} missing, e.g. {absent[0]}",
        )
    images = _decode(paths, "RGB", size, crop)
    return ImageDataset(f"celeba{size}/{split}{tag}", from_uint8(images))


def load_image_folder(
    root: str | Path,
    *,
    size: int | None = None,
    crop: int | None = None,
    n: int | None = None,
    seed: int = 0,
) -> ImageDataset:
    """Every image file directly in ``root`` (sorted by name; extensions ``EXTENSIONS``).

    All images must have one size unless ``size`` is given (then each is centre-cropped and
    resized). Grey if every image is greyscale, RGB otherwise (alpha dropped).

    Returns
    -------
    ImageDataset with images (N, 1 or 3, H, W) in [-1, 1]; no labels.
    """
    root = Path(root)
    _check_size(size, crop)
    if not root.is_dir():
        _validate.fail("root (image folder)", "an existing folder", str(root))
    paths = sorted(p for p in root.iterdir() if p.suffix.lower() in EXTENSIONS and p.is_file())
    if not paths:
        _validate.fail(
            "root (image folder)", f"image files ({', '.join(EXTENSIONS)})", f"none in {root}"
        )
    heads = {}
    for p in paths:
        try:
            with Image.open(p) as img:
                heads[p] = (img.size, img.mode)
        except (OSError, UnidentifiedImageError) as exc:
            _validate.fail(str(p), "a readable image", f"{type(exc).__name__}: {exc}")
    sizes = {s for s, _ in heads.values()}
    if size is None and len(sizes) > 1:
        a, b = paths[0], next(p for p in paths if heads[p][0] != heads[paths[0]][0])
        got = f"{_wh(heads[a][0])} ({a.name}) and {_wh(heads[b][0])} ({b.name})"
        _validate.fail(
            "root (image folder)", "images of one size (or pass size= to crop and resize)", got
        )
    mode = "L" if all(m in GRAY_MODES for _, m in heads.values()) else "RGB"
    chosen, tag = _pick(paths, n, seed)
    return ImageDataset(f"folder:{root.name}{tag}", from_uint8(_decode(chosen, mode, size, crop)))


def _wh(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"
