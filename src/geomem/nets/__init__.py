"""Score networks: the paper's residual MLP and the parameterisation wrappers around it."""

from geomem.nets.mlp import MLP, MLPConfig
from geomem.nets.precond import PARAMETERIZATIONS, Precond, network_inputs, to_score

__all__ = ["MLP", "PARAMETERIZATIONS", "MLPConfig", "Precond", "network_inputs", "to_score"]
