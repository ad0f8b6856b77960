"""The DDPM U-Net of Ho et al. (2020) as a score network on flat vectors (docs/science.md §7.3).

diffusers' ``UNet2DModel`` does the work (imported lazily: the core needs no diffusers). The
wrapper keeps geomem's network interface ``net(x_in (B, d), c_noise (B,)) -> (B, d)``: it
reshapes x to (B, C, H, W) inside and feeds the U-Net the DDPM step whose noise level is
c_noise = log(sigma_t / alpha_t), so the network sees exactly the inputs of the DDPM paper
(x_in = x_t with ``Precond(sigma_data=1)``, the integer step at integer times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from geomem import _validate
from geomem.schedules import DDPM


def require_diffusers():
    """The ``diffusers`` module, or one line saying how to install it."""
    try:
        import diffusers
    except ImportError:
        raise ImportError(
            "diffusers: expected the package for U-Net score models "
            "(pip install 'geomem[images]' or pip install diffusers), got it not installed"
        ) from None
    return diffusers


@dataclass(frozen=True)
class UNetConfig:
    """Sizes of the DDPM U-Net; the paper's CIFAR-10 model is base 128, mult (1, 2, 2, 2),
    2 res-blocks per level, attention at 16x16 (and in the middle block)."""

    image_shape: tuple[int, int, int]  # (C, H, W)
    base_channels: int = 128
    channel_mult: tuple[int, ...] = (1, 2, 2, 2)
    layers_per_block: int = 2  # res-blocks per level
    attention_resolutions: tuple[int, ...] = (16,)  # side lengths with self-attention
    mid_attention: bool = True  # attention in the middle block (DDPM has it)
    dropout: float = 0.0

    def __post_init__(self):
        shape = tuple(self.image_shape)
        if len(shape) != 3 or any(not isinstance(s, int) or s < 1 for s in shape):
            _validate.fail("image_shape", "(C, H, W) of positive ints", self.image_shape)
        for name in ("base_channels", "layers_per_block"):
            _validate.positive_int(name, getattr(self, name))
        if not self.channel_mult:
            _validate.fail("channel_mult", "a non-empty tuple of positive ints", self.channel_mult)
        for m in self.channel_mult:
            _validate.positive_int("channel_mult", m)
        factor = 2 ** (len(self.channel_mult) - 1)
        if shape[1] % factor or shape[2] % factor:
            _validate.fail(
                "image_shape",
                f"H and W divisible by 2^(levels-1) = {factor} for {len(self.channel_mult)} levels",
                shape,
            )
        if not 0 <= self.dropout < 1:
            _validate.fail("dropout", "a number in [0, 1)", self.dropout)

    @property
    def d(self) -> int:
        return int(math.prod(self.image_shape))

    def resolutions(self) -> list[int]:
        """Side length H at each level (the last level does not downsample)."""
        return [self.image_shape[1] // 2**i for i in range(len(self.channel_mult))]


def _groups(channels: list[int]) -> int:
    g = 32
    while any(c % g for c in channels):
        g //= 2
    return g


class UNet(nn.Module):
    """DDPM U-Net on flat vectors: ``forward(x (B, d), c_noise (B,)) -> (B, d)``.

    The time input is the (fractional) DDPM step of noise level v = exp(2 c_noise) under
    ``schedule``, found by interpolating log alpha_bar in torch (so it traces under vmap).
    """

    def __init__(self, config: UNetConfig, schedule: DDPM | None = None):
        super().__init__()
        diffusers = require_diffusers()
        self.config = config
        schedule = schedule if schedule is not None else DDPM()
        chans = [config.base_channels * m for m in config.channel_mult]
        attn = [r in config.attention_resolutions for r in config.resolutions()]
        C, H, _ = config.image_shape
        self.unet = diffusers.UNet2DModel(
            sample_size=H,
            in_channels=C,
            out_channels=C,
            block_out_channels=tuple(chans),
            layers_per_block=config.layers_per_block,
            down_block_types=tuple("AttnDownBlock2D" if a else "DownBlock2D" for a in attn),
            up_block_types=tuple("AttnUpBlock2D" if a else "UpBlock2D" for a in reversed(attn)),
            add_attention=config.mid_attention,
            norm_num_groups=_groups(chans),
            attention_head_dim=None,  # one head per block, as in DDPM
            dropout=config.dropout,
            flip_sin_to_cos=False,
            freq_shift=1,
        )
        # -log alpha_bar_k, increasing in k: the grid on which the step is interpolated.
        grid = -torch.as_tensor(schedule.log_alpha_bar, dtype=torch.float64)
        self.register_buffer("neg_log_abar", grid, persistent=False)

    def step_of(self, c_noise: torch.Tensor) -> torch.Tensor:
        """(B,) fractional DDPM step k with noise_var(k) = exp(2 c_noise) (clamped to the grid)."""
        grid = self.neg_log_abar.to(c_noise.dtype)
        y = torch.log1p(torch.exp(2 * c_noise)).clamp(grid[0], grid[-1])
        i = torch.searchsorted(grid, y.detach()).clamp(1, len(grid) - 1)
        lo, hi = grid[i - 1], grid[i]
        return (i - 1).to(c_noise.dtype) + (y - lo) / (hi - lo)

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor) -> torch.Tensor:
        B = x.shape[0]
        img = x.reshape(B, *self.config.image_shape)
        out = self.unet(img, self.step_of(c_noise).expand(B), return_dict=False)[0]
        return out.reshape(B, -1)
