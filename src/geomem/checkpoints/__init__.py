"""Checkpoints (bottom floor): the file format, run-directory reading, checkpoints kept at
chosen training times. ``train`` writes them, ``scores`` and the studies read them here, so
neither ``scores`` nor ``runs`` depends on ``train``."""

from geomem.checkpoints.format import (
    CHECKPOINT,
    FORMAT,
    load_checkpoint,
    read_checkpoint,
    read_run,
    save_checkpoint,
)
from geomem.checkpoints.snapshots import (
    SNAPSHOTS,
    check_steps,
    checkpoint_path,
    list_checkpoints,
    log_grid,
    snapshot_path,
)

__all__ = [
    "CHECKPOINT",
    "FORMAT",
    "SNAPSHOTS",
    "check_steps",
    "checkpoint_path",
    "list_checkpoints",
    "load_checkpoint",
    "log_grid",
    "read_checkpoint",
    "read_run",
    "save_checkpoint",
    "snapshot_path",
]
