"""Which network a training config names (``arch``), built from sizes or from a checkpoint.

``"mlp"``: geomem's residual MLP (``nets.mlp``; the default, and what a checkpoint written
before ``arch`` existed holds); ``"paper"``: the authors' ``DDPMTabular`` (``nets.paper``),
fed x unscaled (``Precond(scale_input=False)``) and conditioned on sigma.
"""

from __future__ import annotations

from torch import nn

from geomem import _validate
from geomem.nets.mlp import load_frozen, mlp_from_checkpoint
from geomem.nets.paper import PaperNet, PaperNetConfig
from geomem.nets.precond import Precond

ARCHS = ("mlp", "paper")


def check_arch(arch: str) -> str:
    if arch not in ARCHS:
        _validate.fail("arch", f"one of {list(ARCHS)}", arch)
    return arch


def precond_of(config: dict) -> Precond:
    """The input scaling a training config (as stored in config.json) trained with."""
    if config.get("arch", "mlp") == "paper":
        return Precond(config.get("sigma_data", 1.0), scale_input=False)
    return Precond(config["sigma_data"])


def network_from_checkpoint(checkpoint: dict, *, ema: bool = True, where=None) -> nn.Module:
    """The network of a geomem training checkpoint (EMA weights unless ``ema=False``), frozen
    in eval mode: ``checkpoint["config"]["arch"]`` names it; absent means the MLP."""
    arch = checkpoint["config"].get("arch", "mlp")
    if arch == "mlp":
        return mlp_from_checkpoint(checkpoint, ema=ema, where=where)
    check_arch(arch)

    def build():
        return PaperNet(PaperNetConfig(d=int(checkpoint["model"]["layers.0.0.weight"].shape[1])))

    what = "the weights of the authors' network (arch 'paper')"
    return load_frozen(build, checkpoint, ema=ema, where=where, what=what)
