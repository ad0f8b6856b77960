"""Copies among generated samples: exact nearest neighbours streamed over the training set,
copy criteria (ratio test, Carlini et al., memorized/spurious/generalized labels), per-block
tests on linear manifolds, and one summary table (docs/science.md §9)."""

from geomem.memorization.blocks import block_copies, block_neighbors
from geomem.memorization.criteria import (
    LABELS,
    carlini_score,
    carlini_test,
    label_samples,
    nearest_ratio,
    ratio_test,
)
from geomem.memorization.neighbors import Neighbors, nearest_neighbors
from geomem.memorization.table import CopyTable, copy_table

__all__ = [
    "LABELS",
    "CopyTable",
    "Neighbors",
    "block_copies",
    "block_neighbors",
    "carlini_score",
    "carlini_test",
    "copy_table",
    "label_samples",
    "nearest_neighbors",
    "nearest_ratio",
    "ratio_test",
]
