"""Loading a model to measure: a folder resolved to one ``Score`` (``load_model``), and images
for it (``model_images``); what `geomem audit` and `geomem.measure` users start from.

Formats (each a thin adapter to the one ``Score`` protocol):

- a diffusers pipeline folder (``model_index.json``, ``unet/``, ``scheduler/``) or a bare
  ``UNet2DModel`` folder with ``--scheduler`` (``geomem.scores.diffusers``);
- a geomem image run: ``geomem experiment images`` run directory (its ``train/``) or the
  training directory itself (``config.json`` with ``image_shape`` + ``checkpoint.pt``);
- a geomem `geomem train` run directory (an MLP on flat vectors, no image shape);
- any Python callable, through ``geomem.scores.callable.CallableScore`` (library only).

Nothing is unpickled: configs are JSON, weights safetensors or geomem's own checkpoints read
with ``weights_only``; training images come from ``.npy``/``.npz`` (no pickle) or image files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from geomem import _validate
from geomem.boundary.files import open_array, read_json
from geomem.data.images.dataset import from_uint8
from geomem.schedules import DDPM
from geomem.scores.base import Score

KINDS = ("diffusers", "geomem-images", "geomem-mlp", "callable")


@dataclass(frozen=True)
class Model:
    """A model to audit: its score, what it is, and the shape of its images.

    ``image_shape`` is (C, H, W), or None for a model of flat vectors (then d = score.d)."""

    score: Score
    kind: str
    image_shape: tuple[int, int, int] | None
    source: str

    @property
    def d(self) -> int:
        return int(self.score.d)

    @property
    def default_sampler(self) -> str:
        """The model's own sampler family: DDIM on a DDPM schedule's steps, else EDM Heun."""
        return "ddim" if isinstance(self.score.schedule, DDPM) else "heun"


def from_score(score: Score, image_shape=None, source: str = "callable") -> Model:
    """Wrap any ``Score`` (e.g. a ``CallableScore``) for ``run_audit``."""
    if not isinstance(score, Score):
        _validate.fail("score", "a Score (callable with .schedule and .d)", score, TypeError)
    shape = getattr(score, "image_shape", None) if image_shape is None else image_shape
    if shape is not None:
        shape = tuple(int(n) for n in shape)
        if len(shape) != 3 or math.prod(shape) != score.d:
            _validate.fail("image_shape", f"(C, H, W) with C H W = d = {score.d}", shape)
    return Model(score, "callable", shape, source)


def load_model(
    path: str | Path,
    *,
    scheduler: str | Path | None = None,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Model:
    """Resolve a model folder to an ``Model`` (formats: module docstring)."""
    path = Path(path)
    if not path.is_dir():
        _validate.fail("model", "a diffusers model folder or a geomem run directory", str(path))
    if (path / "model_index.json").is_file() or _is_diffusers_unet(path):
        from geomem.scores.diffusers import load_diffusers

        score = load_diffusers(path, scheduler=scheduler, device=device, dtype=dtype)
        return Model(score, "diffusers", score.image_shape, str(path))
    if scheduler is not None:
        _validate.fail(
            "scheduler", "no scheduler for a geomem run (its schedule is its own)", scheduler
        )
    for run in (path / "train", path):
        if (run / "checkpoint.pt").is_file() and (run / "config.json").is_file():
            cfg = run_config(run, "model").to_json()
            if "image_shape" in cfg:
                from geomem.train.images import image_score

                score = image_score(run, dtype=dtype, device=device)
                return Model(score, "geomem-images", tuple(cfg["image_shape"]), str(run))
            from geomem.scores.network import NetworkScore

            score = NetworkScore.from_run(run, dtype=dtype, device=device)
            return Model(score, "geomem-mlp", None, str(run))
    _validate.fail(
        "model",
        "a diffusers folder (model_index.json, or a UNet2DModel config.json) or a geomem run "
        "directory (config.json + checkpoint.pt)",
        f"{path} (neither)",
    )


def run_config(run: str | Path, name: str = "model"):
    """The config of a geomem training run directory ``run``, validated exactly as `geomem
    train` validates it: its ``config.json`` read as an ``ImageTrainConfig`` (it has
    ``image_shape``) or a ``TrainConfig`` through the dataclass (``cls(**fields)``, so every
    field the config class knows is checked and an unknown one refused). One line naming
    ``name`` and the file when anything is wrong (``"width": "wide"``, unknown keys, a bad
    schedule)."""
    from geomem.train.config import TrainConfig
    from geomem.train.images import ImageTrainConfig

    path = Path(run) / "config.json"
    obj = read_json(name, path)
    cls = ImageTrainConfig if "image_shape" in obj else TrainConfig
    try:
        return cls.from_json(obj)
    except (ValueError, TypeError) as exc:
        _validate.fail(
            name,
            f"a run config.json that `geomem train` accepts ({cls.__name__})",
            f"{path}: {' '.join(str(exc).split())}",
        )


def _is_diffusers_unet(path: Path) -> bool:
    if not (path / "config.json").is_file():
        return False
    cfg = read_json("model", path / "config.json")
    return "_class_name" in cfg or "_diffusers_version" in cfg


def model_images(path: str | Path, model: Model, *, name: str = "images") -> np.ndarray:
    """(N, d) float32 images in [-1, 1] for ``model`` from ``path``.

    ``path``: an ``.npy``/``.npz`` array (N, C, H, W) or (N, d), float in [-1, 1] or uint8
    in [0, 255]; or a folder of image files (resized to the model's side). Refused with one
    line: empty, non-finite, wrong size or channel count, pickled arrays.
    """
    path = Path(path)
    if path.is_dir():
        X = _folder(name, path, model)
    else:
        X = np.asarray(open_array(name, path))
        if X.dtype == np.uint8:
            X = from_uint8(X)
        if not np.issubdtype(X.dtype, np.number) or np.iscomplexobj(X):
            _validate.fail(name, "a real image array", f"dtype {X.dtype} in {path}")
    shape = model.image_shape
    want = (
        f"(N, {shape[0]}, {shape[1]}, {shape[2]}) or (N, {model.d})" if shape else f"(N, {model.d})"
    )
    if X.ndim not in (2, 4) or math.prod(X.shape[1:]) != model.d:
        _validate.fail(name, f"images of the model's shape {want}", f"shape {X.shape} in {path}")
    if X.ndim == 4 and shape is not None and tuple(X.shape[1:]) != shape:
        _validate.fail(name, f"images of the model's shape {want}", f"shape {X.shape} in {path}")
    if len(X) == 0:
        _validate.fail(name, "at least one image", f"0 images in {path}")
    X = np.asarray(X, dtype=np.float32).reshape(len(X), -1)
    if not np.isfinite(X).all():
        _validate.fail(name, "finite pixel values", f"NaN or inf in {path}")
    return X


def _folder(name: str, path: Path, model: Model) -> np.ndarray:
    from geomem.data.images import load_image_folder

    if model.image_shape is None:
        _validate.fail(name, f"an (N, {model.d}) array file for a model of flat vectors", str(path))
    from geomem.data.images.pictures import EXTENSIONS

    if not any(p.suffix.lower() in EXTENSIONS for p in path.iterdir()):
        _validate.fail(
            name,
            f"an array file or a folder of images ({', '.join(EXTENSIONS)})",
            f"none in {path}",
        )
    C, H, W = model.image_shape
    ds = load_image_folder(path, size=H if H == W else None)
    if ds.images.shape[1] != C and C == 3:  # grey files for an RGB model
        return np.repeat(ds.images, 3, axis=1)
    return ds.images
