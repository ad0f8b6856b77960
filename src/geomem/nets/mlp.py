"""geomem's residual MLP score network (smaller than the authors' ``nets.paper.PaperNet``).

Width 128, 2 residual blocks, LayerNorm + SiLU, sinusoidal embedding of the noise level.
Input (B, d) and noise level c_noise (B,) -> output (B, d); what the output means (noise,
clean data or scaled score) is decided by the wrapper in ``geomem.nets.precond``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from geomem import _validate


@dataclass(frozen=True)
class MLPConfig:
    """Sizes of the residual MLP."""

    d: int  # input/output dimension
    width: int = 128  # hidden width
    n_blocks: int = 2  # residual blocks
    emb_dim: int = 128  # sinusoidal embedding size (even)
    max_period: float = 10_000.0  # longest period of the sinusoidal embedding

    def __post_init__(self):
        for name in ("d", "width", "n_blocks", "emb_dim"):
            _validate.positive_int(name, getattr(self, name))
        if self.emb_dim % 2:
            _validate.fail("emb_dim", "an even integer", self.emb_dim)
        _validate.positive("max_period", self.max_period)


def sinusoidal_embedding(c: torch.Tensor, dim: int, max_period: float) -> torch.Tensor:
    """(B, dim) [cos(c f_k), sin(c f_k)], f_k = max_period^(-k / (dim/2)) (Vaswani et al.)."""
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period) * torch.arange(half, dtype=c.dtype, device=c.device) / half
    )
    arg = c[:, None] * freqs[None] * 100.0  # c_noise ~ log sigma is O(1): spread it out
    return torch.cat([torch.cos(arg), torch.sin(arg)], dim=1)


class ResidualBlock(nn.Module):
    """h + W2 SiLU(W1 SiLU(LN(h)) + E e): pre-norm residual block with a noise embedding."""

    def __init__(self, width: int, emb_dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.lin1 = nn.Linear(width, width)
        self.emb = nn.Linear(emb_dim, width)
        self.lin2 = nn.Linear(width, width)
        self.act = nn.SiLU()

    def forward(self, h: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        z = self.lin1(self.act(self.norm(h))) + self.emb(e)
        return h + self.lin2(self.act(z))


class MLP(nn.Module):
    """Residual MLP: Linear(d, width) -> n_blocks residual blocks -> LN, SiLU, Linear(width, d).

    ``forward(x, c_noise)``: x (B, d), c_noise (B,) -> (B, d).
    """

    def __init__(self, config: MLPConfig):
        super().__init__()
        self.config = config
        self.inp = nn.Linear(config.d, config.width)
        self.emb = nn.Sequential(
            nn.Linear(config.emb_dim, config.emb_dim),
            nn.SiLU(),
            nn.Linear(config.emb_dim, config.emb_dim),
        )
        self.blocks = nn.ModuleList(
            ResidualBlock(config.width, config.emb_dim) for _ in range(config.n_blocks)
        )
        self.out = nn.Sequential(
            nn.LayerNorm(config.width), nn.SiLU(), nn.Linear(config.width, config.d)
        )

    def forward(self, x: torch.Tensor, c_noise: torch.Tensor) -> torch.Tensor:
        e = self.emb(sinusoidal_embedding(c_noise, self.config.emb_dim, self.config.max_period))
        h = self.inp(x)
        for block in self.blocks:
            h = block(h, e)
        return self.out(h)


def mlp_from_checkpoint(checkpoint: dict, *, ema: bool = True, where=None) -> MLP:
    """The residual MLP of a geomem training checkpoint (EMA weights unless ``ema=False``),
    frozen in eval mode; sizes from the checkpoint's config, d from its input layer."""
    cfg = checkpoint["config"]

    def build():
        d = int(checkpoint["model"]["inp.weight"].shape[1])
        return MLP(
            MLPConfig(d=d, width=cfg["width"], n_blocks=cfg["n_blocks"], emb_dim=cfg["emb_dim"])
        )

    what = "the weights of geomem's residual MLP matching its config"
    return load_frozen(build, checkpoint, ema=ema, where=where, what=what)


def load_frozen(build, checkpoint: dict, *, ema: bool, where, what: str) -> torch.nn.Module:
    """``build()`` loaded with the checkpoint's EMA (or raw) weights, frozen in eval mode; any
    mismatch is one line naming ``what`` was expected."""
    try:
        net = build()
        net.load_state_dict(checkpoint["ema" if ema else "model"])
    except (KeyError, RuntimeError, TypeError, ValueError, IndexError, AttributeError) as exc:
        _validate.fail(
            "checkpoint",
            what,
            f"{where or 'checkpoint'} ({type(exc).__name__}: "
            f"{(str(exc).splitlines() or [''])[0][:80]})",
        )
    return net.eval().requires_grad_(False)
