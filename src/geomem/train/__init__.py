"""Denoising score matching with EMA and checkpoints that resume bit-identically."""

from geomem.runs.checkpoint import load_checkpoint, save_checkpoint
from geomem.train.config import PRESETS as TRAIN_PRESETS
from geomem.train.config import TrainConfig, train_preset
from geomem.train.loop import dsm_loss, train

__all__ = [
    "TRAIN_PRESETS",
    "TrainConfig",
    "dsm_loss",
    "load_checkpoint",
    "save_checkpoint",
    "train",
    "train_preset",
]
