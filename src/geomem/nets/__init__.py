"""Score networks: the authors' network (``paper``), geomem's smaller residual MLP and the
parameterisation wrappers around them."""

from geomem.nets.mlp import MLP, MLPConfig
from geomem.nets.paper import PaperNet, PaperNetConfig
from geomem.nets.precond import PARAMETERIZATIONS, Precond, network_inputs, to_score

__all__ = [
    "MLP",
    "PARAMETERIZATIONS",
    "MLPConfig",
    "PaperNet",
    "PaperNetConfig",
    "Precond",
    "network_inputs",
    "to_score",
]
