"""The authors' score network, layer for layer: ``DDPMTabular`` of Achilli et al. (2024),
``beatriceachilli/losing-dimensions``, ``synthetic-experiments/synthetic_score_common.py``.

535 198 parameters at d = 30 (geomem's smaller ``nets.mlp.MLP`` has 140 702):

- sinusoidal embedding of sigma itself (128 features, [sin, cos], f_k = 10000^(-k / 63));
- time embedding Linear(128, 512) -> SiLU -> Linear(512, 512);
- input Linear(d, 128);
- 2 residual blocks: h + B2(B1(h) + P(e)) with B1 = LayerNorm -> SiLU -> Linear(128, 128),
  P = SiLU -> Linear(512, 128), B2 = LayerNorm -> SiLU -> Dropout(0) -> Linear(128, 128);
- output LayerNorm(128) -> SiLU -> Linear(128, d).

The output is the noise prediction eps (the authors' ``ScoreModel.get_score`` returns
``-net(x, sigma) / sigma``), trained with the unweighted loss mean |net(x0 + sigma z, sigma) - z|^2.
Module names follow the authors' file, so their state dicts load as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from geomem import _validate


@dataclass(frozen=True)
class PaperNetConfig:
    """Sizes of the authors' network (their defaults)."""

    d: int  # input/output dimension
    hidden: int = 128  # hidden width (their hidden_size)
    n_blocks: int = 2  # residual blocks (their num_res_blocks)
    emb_dim: int = 128  # sinusoidal features of sigma
    temb_dim: int = 512  # time embedding width (their time_embed_dim)
    dropout: float = 0.0  # their droprate

    def __post_init__(self):
        for name in ("d", "hidden", "n_blocks", "emb_dim", "temb_dim"):
            _validate.positive_int(name, getattr(self, name))
        if self.emb_dim < 4:
            _validate.fail("emb_dim", "an integer >= 4", self.emb_dim)
        if not 0 <= self.dropout < 1:
            _validate.fail("dropout", "a number in [0, 1)", self.dropout)


def paper_embedding(sigma: torch.Tensor, dim: int) -> torch.Tensor:
    """(B, dim) [sin(sigma f_k), cos(sigma f_k)], f_k = exp(-k ln(10000) / (dim/2 - 1)),
    k < dim/2 (zero-padded when dim is odd): the authors' ``SinusoidalEmbedding``."""
    half = dim // 2
    freqs = torch.exp(
        torch.arange(half, device=sigma.device, dtype=sigma.dtype) * -(math.log(10000) / (half - 1))
    )
    arg = sigma[:, None] * freqs[None, :]
    emb = torch.cat((torch.sin(arg), torch.cos(arg)), dim=-1)
    return nn.functional.pad(emb, (0, 1)) if dim % 2 else emb


class PaperResBlock(nn.Module):
    """h + block_2(block_1(h) + temb_proj(e)): the authors' ``ResBlock`` (in = out width)."""

    def __init__(self, width: int, temb_dim: int, dropout: float):
        super().__init__()
        self.block_1 = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, width))
        self.temb_proj = nn.Sequential(nn.SiLU(), nn.Linear(temb_dim, width))
        self.block_2 = nn.Sequential(
            nn.LayerNorm(width), nn.SiLU(), nn.Dropout(p=dropout), nn.Linear(width, width)
        )
        self.residual = nn.Identity()

    def forward(self, h: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        return self.block_2(self.block_1(h) + self.temb_proj(e)) + self.residual(h)


class PaperNet(nn.Module):
    """The authors' ``DDPMTabular``: ``forward(x, c_noise)``, x (B, d), c_noise (B,) -> (B, d).

    geomem passes c_noise = log sigma (``nets.precond.network_inputs``, run with
    ``Precond(scale_input=False)`` so x is the noisy point itself); the network embeds
    sigma = exp(c_noise), as the authors condition on sigma. The output is read as eps.

    Parameters
    ----------
    config : PaperNetConfig
    """

    def __init__(self, config: PaperNetConfig):
        super().__init__()
        self.config = c = config
        self.temb_layer = nn.Sequential(
            nn.Linear(c.emb_dim, c.temb_dim), nn.SiLU(), nn.Linear(c.temb_dim, c.temb_dim)
        )
        # nn.Sequential wrappers keep the authors' state-dict keys (layers.0.0.weight, ...)
        self.layers = nn.ModuleList([nn.Sequential(nn.Linear(c.d, c.hidden))])
        for _ in range(c.n_blocks):
            self.layers.append(nn.ModuleList([PaperResBlock(c.hidden, c.temb_dim, c.dropout)]))
        self.out = nn.Sequential(nn.LayerNorm(c.hidden), nn.SiLU(), nn.Linear(c.hidden, c.d))

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor) -> torch.Tensor:
        e = self.temb_layer(paper_embedding(torch.exp(c_noise), self.config.emb_dim))
        h = self.layers[0](x)
        for block in self.layers[1:]:
            h = block[0](h, e)
        return self.out(h)
