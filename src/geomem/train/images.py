"""Training DDPM U-Nets on image subsets through the loop of ``geomem.train.loop`` (``fit``).

``ImageTrainConfig`` carries the training fields of ``TrainConfig`` (DDPM schedule,
eps-prediction, Adam, EMA, gradient clipping, checkpoints, bit-identical resume) plus the
U-Net sizes and the image shape; the images reach the loop flattened to (N, d).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

import geomem
from geomem import _validate
from geomem.checkpoints.format import CHECKPOINT, read_run
from geomem.nets.precond import check_parameterization
from geomem.nets.unet import UNet, UNetConfig
from geomem.schedules import DDPM
from geomem.seeds import derive_seed
from geomem.train.config import RunConfig
from geomem.train.loop import fit


@dataclass(frozen=True)
class ImageTrainConfig(RunConfig):
    """Everything that decides an image training run (and so its final weights)."""

    image_shape: tuple[int, int, int]  # (C, H, W) the network is built for
    dataset: str = "fashion-mnist"  # where the images came from (identity only)
    n_train: int = 1024  # N images: the nested subset(ds, N, seed)
    downsample: int = 1  # block-average factor applied to the dataset's images
    steps: int = 2000
    seed: int = 0  # subset draw; init [seed, 3]; batch/noise of step k [seed, 4, k]
    batch_size: int = 64
    lr: float = 1e-4
    optimizer: str = "adam"  # adam | radam
    ema_decay: float = 0.9999
    grad_clip: float = 1.0
    parameterization: str = "eps"
    schedule: str = "ddpm"  # the U-Net's time input is the DDPM step: ddpm only
    noise_sampling: str = "steps"  # uniform integer DDPM step (Ho et al.) | log-uniform
    noise_min: float = 0.01  # log-uniform range (used only with noise_sampling="log-uniform")
    noise_max: float = 150.0
    sigma_data: float = 1.0  # with 1, the U-Net input is exactly x_t of DDPM
    base_channels: int = 32
    channel_mult: tuple[int, ...] = (1, 2)
    layers_per_block: int = 1
    attention_resolutions: tuple[int, ...] = ()
    mid_attention: bool = False
    dropout: float = 0.0
    checkpoint_every: int = 500
    device: str = "cpu"
    threads: int = 0  # torch threads of the run (0: unset; training records this machine's)
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        for name in ("n_train", "downsample", "steps", "batch_size", "checkpoint_every"):
            _validate.positive_int(name, getattr(self, name))
        _validate.positive("lr", self.lr)
        if self.optimizer not in ("adam", "radam"):
            _validate.fail("optimizer", "'adam' or 'radam'", self.optimizer)
        if not 0 <= self.ema_decay < 1:
            _validate.fail("ema_decay", "a number in [0, 1)", self.ema_decay)
        if self.grad_clip < 0:
            _validate.fail("grad_clip", "a number >= 0", self.grad_clip)
        check_parameterization(self.parameterization)
        if self.schedule != "ddpm":
            _validate.fail("schedule", "'ddpm' (the U-Net is fed the DDPM step)", self.schedule)
        if self.noise_sampling not in ("steps", "log-uniform"):
            _validate.fail("noise_sampling", "'steps' or 'log-uniform'", self.noise_sampling)
        if self.device not in ("cpu", "cuda") and not self.device.startswith("cuda:"):
            _validate.fail("device", "'cpu' or 'cuda'", self.device)
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


# "paper": Ho et al. / SCIENCE.md §7.3 (needs H divisible by 8: CIFAR-10 32, CelebA 64).
# "gpu": sized for a 30-minute GPU slot (3 N). "cpu": Fashion-MNIST block-averaged to 14x14,
# a small U-Net and a short budget (minutes per N on 2 cores): *under-trained* networks.
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
}


def image_train_preset(name: str, **overrides) -> ImageTrainConfig:
    """ImageTrainConfig of preset ``name`` (cpu | gpu | paper) with overrides (None: keep)."""
    if name not in PRESETS:
        _validate.fail("preset", f"one of {sorted(PRESETS)}", name)
    kw = {**PRESETS[name], **{k: v for k, v in overrides.items() if v is not None}}
    return ImageTrainConfig(**kw)


def build_unet(cfg: ImageTrainConfig) -> UNet:
    """The U-Net of ``cfg``, initialised under torch's global RNG forked and seeded by [seed, 3]
    (diffusers' default initialisation), so the same config gives the same weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(cfg.seed, 3))
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
