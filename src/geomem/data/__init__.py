"""Data: linear manifolds (the paper's presets), user arrays, query points."""

from geomem.data.files import load_array
from geomem.data.manifolds import PRESETS, Block, LinearManifold, preset
from geomem.data.queries import QueryPoints, query_points

__all__ = [
    "PRESETS",
    "Block",
    "LinearManifold",
    "QueryPoints",
    "load_array",
    "preset",
    "query_points",
]
