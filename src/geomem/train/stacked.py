"""E residual MLPs of one architecture as stacked tensors: one batched forward, one optimizer.

Every parameter of ``MLP`` is held once with a leading member axis (E, *shape), named as in
``MLP.state_dict()``, so member i's network is ``{name: p[i]}``. The forward pass is the MLP's
symbol for symbol with batched matmuls (``torch.baddbmm``): member i's output equals
``MLP.forward`` with member i's weights to float rounding, and no member's gradient depends on
another's (the loss is a sum of per-member means).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from geomem.nets.mlp import MLP, MLPConfig


def stack_states(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """{name: (E, *shape)} of E state dicts with the same keys and shapes."""
    return {k: torch.stack([s[k] for s in states]).contiguous() for k in states[0]}


def member_state(stacked: dict[str, torch.Tensor], i: int) -> dict[str, torch.Tensor]:
    """Member i's state dict (copies, so saving one member does not save the stack)."""
    return {k: v[i].clone(memory_format=torch.contiguous_format) for k, v in stacked.items()}


def _linear(p: dict, name: str, x: torch.Tensor) -> torch.Tensor:
    """x (E, B, in) -> (E, B, out): x W_e^T + b_e for each member e; ``p[name.weight]`` holds
    W^T, (E, in, out)."""
    return torch.baddbmm(p[f"{name}.bias"].unsqueeze(1), x, p[f"{name}.weight"])


def _layer_norm(p: dict, name: str, h: torch.Tensor) -> torch.Tensor:
    """LayerNorm over the last axis with per-member affine weights (E, width)."""
    h = F.layer_norm(h, h.shape[-1:], eps=1e-5)
    return torch.addcmul(p[f"{name}.bias"].unsqueeze(1), h, p[f"{name}.weight"].unsqueeze(1))


def sinusoidal_embedding(c: torch.Tensor, dim: int, max_period: float) -> torch.Tensor:
    """(E, B, dim) embedding of c_noise (E, B), as ``geomem.nets.mlp.sinusoidal_embedding``."""
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period) * torch.arange(half, dtype=c.dtype, device=c.device) / half
    )
    arg = c[..., None] * freqs * 100.0
    return torch.cat([torch.cos(arg), torch.sin(arg)], dim=-1)


def stacked_forward(
    p: dict[str, torch.Tensor], config: MLPConfig, x: torch.Tensor, c_noise: torch.Tensor
) -> torch.Tensor:
    """Outputs (E, B, d) of the E MLPs with stacked parameters ``p`` at x (E, B, d) and
    c_noise (E, B); the same layers as ``MLP.forward`` (pre-norm residual blocks). ``p`` is
    as ``MLP.state_dict()`` with a leading member axis, but Linear weights transposed,
    (E, in, out) (``FlatStack.params``)."""
    e = sinusoidal_embedding(c_noise, config.emb_dim, config.max_period)
    e = _linear(p, "emb.2", F.silu(_linear(p, "emb.0", e)))
    h = _linear(p, "inp", x)
    for k in range(config.n_blocks):
        b = f"blocks.{k}"
        z = _linear(p, f"{b}.lin1", F.silu(_layer_norm(p, f"{b}.norm", h)))
        z = z + _linear(p, f"{b}.emb", e)
        h = h + _linear(p, f"{b}.lin2", F.silu(z))
    return _linear(p, "out.2", F.silu(_layer_norm(p, "out.0", h)))


def vmap_forward(model: MLP):
    """The same forward through ``torch.func.vmap`` over ``functional_call`` (the alternative
    route measured in benchmarks/bench_ensemble.py)."""
    from torch.func import functional_call, vmap

    def one(p, x, c):
        return functional_call(model, p, (x, c))

    batched = vmap(one)

    def forward(p, config, x, c):  # p as stacked_forward's: Linear weights back to (out, in)
        return batched({k: v.mT if v.ndim == 3 else v for k, v in p.items()}, x, c)

    return forward
