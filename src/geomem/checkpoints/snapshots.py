"""Checkpoints kept at chosen training times: ``RUN/checkpoints/step-0001000.pt``.

Each is an ordinary checkpoint (``geomem.checkpoints.format`` format) of the run at that step,
kept beside the run's final ``checkpoint.pt``, so a study can measure one run at many training
times (docs/science.md §9). ``log_grid`` gives the usual choice: first, 2 first, 4 first, ... and
the final step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from geomem import _validate
from geomem.checkpoints.format import CHECKPOINT

SNAPSHOTS = "checkpoints"

_NAME = re.compile(r"^step-(\d+)\.pt$")


def log_grid(steps: int, first: int = 1000) -> tuple[int, ...]:
    """Steps first * 2^k below ``steps``, then ``steps`` itself (ascending)."""
    _validate.positive_int("steps", steps)
    _validate.positive_int("first", first)
    grid, k = [], first
    while k < steps:
        grid.append(k)
        k *= 2
    return (*grid, steps)


def check_steps(checkpoint_steps: Iterable[int] | None, steps: int) -> frozenset[int]:
    """The set of steps to keep, each an integer in [1, steps]."""
    if checkpoint_steps is None:
        return frozenset()
    out = set()
    for k in checkpoint_steps:
        _validate.positive_int("checkpoint_steps", k)
        if k > steps:
            _validate.fail("checkpoint_steps", f"steps <= the run's {steps} steps", k)
        out.add(int(k))
    return frozenset(out)


def snapshot_path(run_dir: str | Path, step: int) -> Path:
    """``RUN/checkpoints/step-{step:07d}.pt``."""
    return Path(run_dir) / SNAPSHOTS / f"step-{int(step):07d}.pt"


def list_checkpoints(run_dir: str | Path) -> list[tuple[int, Path]]:
    """(step, path) of the checkpoints kept in ``run_dir/checkpoints``, by step."""
    folder = Path(run_dir) / SNAPSHOTS
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found)


def checkpoint_path(run_dir: str | Path, step: int | None = None) -> Path:
    """The final checkpoint of a run (``step=None``) or the one kept at ``step``."""
    if step is None:
        return Path(run_dir) / CHECKPOINT
    path = snapshot_path(run_dir, step)
    if not path.is_file():
        kept = [k for k, _ in list_checkpoints(run_dir)]
        _validate.fail("step", f"a step with a kept checkpoint (one of {kept})", step)
    return path
