"""Training DDPM U-Nets on image subsets through the loop of ``geomem.train.loop`` (``fit``).

``ImageTrainConfig`` carries the training fields of ``geomem.train.config.TrainingFields``
(with DDPM defaults: DDPM schedule, eps-prediction, Adam, EMA, gradient clipping, checkpoints,
bit-identical resume) plus the U-Net sizes and the image shape; the images reach the loop
flattened to (N, d).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from geomem import _validate
from geomem.checkpoints.format import CHECKPOINT, read_run
from geomem.nets.unet import UNet, UNetConfig
from geomem.schedules import DDPM
from geomem.seeds import INIT, derive_seed
from geomem.train.config import TrainingFields
from geomem.train.loop import fit


@dataclass(frozen=True)
class ImageTrainConfig(TrainingFields):
    """Everything that decides an image training run (and so its final weights): the
    training fields (DDPM defaults), the image source and shape, and the U-Net's sizes."""

    image_shape: tuple[int, int, int] = field(kw_only=True)  # (C, H, W) of the network
    dataset: str = "fashion-mnist"  # where the images came from (identity only)
    n_train: int = 1024  # N images: the nested subset(ds, N, seed)
    downsample: int = 1  # block-average factor applied to the dataset's images
    steps: int = 2000
    batch_size: int = 64
    optimizer: str = "adam"
    schedule: str = "ddpm"  # the U-Net's time input is the DDPM step: ddpm only
    noise_sampling: str = "steps"  # uniform integer DDPM step (Ho et al.) | log-uniform
    noise_max: float = 150.0  # (noise_min, noise_max: used only with "log-uniform")
    base_channels: int = 32
    channel_mult: tuple[int, ...] = (1, 2)
    layers_per_block: int = 1
    attention_resolutions: tuple[int, ...] = ()
    mid_attention: bool = False
    dropout: float = 0.0
    checkpoint_every: int = 500

    def __post_init__(self):
        super().__post_init__()
        _validate.positive_int("downsample", self.downsample)
        if self.schedule != "ddpm":
            _validate.fail("schedule", "'ddpm' (the U-Net is fed the DDPM step)", self.schedule)
        if self.noise_sampling not in ("steps", "log-uniform"):
            _validate.fail("noise_sampling", "'steps' or 'log-uniform'", self.noise_sampling)
        self.unet_config()  # validates the U-Net sizes against the image shape

    def unet_config(self) -> UNetConfig:
        return UNetConfig(
            image_shape=tuple(self.image_shape),
            base_channels=self.base_channels,
            channel_mult=tuple(self.channel_mult),
            layers_per_block=self.layers_per_block,
            attention_resolutions=tuple(self.attention_resolutions),
            mid_attention=self.mid_attention,
            dropout=self.dropout,
        )


# "paper": Ho et al. / docs/science.md §7.3 (needs H divisible by 8: CIFAR-10 32, CelebA 64).
# "gpu": sized for a 30-minute GPU slot (3 N). "cpu": Fashion-MNIST block-averaged to 14x14,
# a small U-Net and a short budget (minutes per N on 2 cores): *under-trained* networks.
# "cpu-mnist": MNIST at its own 28x28 (no block averaging) on a loaded 2-core CPU: a U-Net of
# base 16 (159 697 parameters), batch 32, 1 200 steps (~0.3 s a step on one thread): under-trained.
PRESETS = {
    "paper": dict(
        steps=400_000,
        batch_size=128,
        lr=1e-4,
        ema_decay=0.9999,
        base_channels=128,
        channel_mult=(1, 2, 2, 2),
        layers_per_block=2,
        attention_resolutions=(16,),
        mid_attention=True,
        checkpoint_every=10_000,
    ),
    "gpu": dict(
        steps=8_000,
        batch_size=128,
        lr=2e-4,
        ema_decay=0.999,
        base_channels=64,
        channel_mult=(1, 2, 2),
        layers_per_block=2,
        attention_resolutions=(14, 16),
        mid_attention=True,
        checkpoint_every=1_000,
    ),
    "cpu": dict(
        downsample=2,
        steps=1_200,
        batch_size=64,
        lr=1e-3,
        ema_decay=0.995,
        base_channels=32,
        channel_mult=(1, 2),
        layers_per_block=1,
        attention_resolutions=(),
        mid_attention=False,
        checkpoint_every=250,
    ),
    "cpu-mnist": dict(
        downsample=1,
        steps=1_200,
        batch_size=32,
        lr=1e-3,
        ema_decay=0.995,
        base_channels=16,
        channel_mult=(1, 2),
        layers_per_block=1,
        attention_resolutions=(),
        mid_attention=False,
        checkpoint_every=200,
    ),
}


def image_train_preset(name: str, **overrides) -> ImageTrainConfig:
    """ImageTrainConfig of preset ``name`` (cpu | cpu-mnist | gpu | paper); None overrides keep."""
    if name not in PRESETS:
        _validate.fail("preset", f"one of {sorted(PRESETS)}", name)
    kw = {**PRESETS[name], **{k: v for k, v in overrides.items() if v is not None}}
    return ImageTrainConfig(**kw)


def build_unet(cfg: ImageTrainConfig) -> UNet:
    """The U-Net of ``cfg``, initialised under torch's global RNG forked and seeded by [seed, INIT]
    (diffusers' default initialisation), so the same config gives the same weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(cfg.seed, INIT))
        return UNet(cfg.unet_config(), DDPM())


def train_images(
    cfg: ImageTrainConfig, X: np.ndarray, run_dir: str | Path, *, progress: bool = False
) -> dict:
    """Train (or resume) the U-Net of ``cfg`` on images X (N, C, H, W) or (N, d) in ``run_dir``."""
    X = np.asarray(X, dtype=np.float32)
    d = math.prod(cfg.image_shape)
    if X.ndim == 4 and tuple(X.shape[1:]) != tuple(cfg.image_shape):
        _validate.fail("images", f"shape (N, {tuple(cfg.image_shape)})", X.shape)
    X = X.reshape(len(X), -1)
    if X.shape[1] != d or len(X) != cfg.n_train:
        _validate.fail("images", f"{cfg.n_train} images of d = {d}", X.shape)
    return fit(cfg, run_dir, X, build_unet(cfg), progress=progress)


def load_image_run(
    run_dir: str | Path,
    *,
    image_shape: tuple[int, int, int] | None = None,
    ema: bool = True,
    device: str = "cpu",
) -> tuple[UNet, ImageTrainConfig, int]:
    """(U-Net, config, step) of an image run directory; ``image_shape`` given: a checkpoint
    trained on another image size is refused."""
    cfg, ck = read_run(run_dir, ImageTrainConfig, device=device)
    if image_shape is not None and tuple(cfg.image_shape) != tuple(image_shape):
        _validate.fail(
            "checkpoint",
            f"a model of image shape {tuple(image_shape)}",
            f"{tuple(cfg.image_shape)} in {Path(run_dir) / CHECKPOINT}",
        )
    model = build_unet(cfg)
    model.load_state_dict(ck["ema" if ema else "model"])
    return model.to(device).eval().requires_grad_(False), cfg, int(ck["step"])


def image_score(
    run_dir: str | Path,
    *,
    image_shape: tuple[int, int, int] | None = None,
    ema: bool = True,
    dtype: torch.dtype = torch.float64,
    device: str = "cpu",
):
    """The trained U-Net of ``run_dir`` as a ``NetworkScore`` on flat vectors (B, d)."""
    from geomem.nets.precond import Precond
    from geomem.scores.network import NetworkScore

    model, cfg, _ = load_image_run(run_dir, image_shape=image_shape, ema=ema, device=device)
    return NetworkScore(
        model,
        DDPM(),
        model.config.d,
        parameterization=cfg.parameterization,
        precond=Precond(cfg.sigma_data),
        dtype=dtype,
        device=device,
    )
