"""Denoising score matching with EMA and checkpoints that resume bit-identically."""

from geomem.checkpoints.format import load_checkpoint, save_checkpoint
from geomem.checkpoints.snapshots import list_checkpoints, log_grid
from geomem.train.config import PRESETS as TRAIN_PRESETS
from geomem.train.config import TrainConfig, train_preset
from geomem.train.ensemble import train_ensemble
from geomem.train.loop import dsm_loss, train

__all__ = [
    "TRAIN_PRESETS",
    "TrainConfig",
    "dsm_loss",
    "list_checkpoints",
    "load_checkpoint",
    "log_grid",
    "save_checkpoint",
    "train",
    "train_ensemble",
    "train_preset",
]
