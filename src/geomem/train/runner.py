"""The one training loop: ``run_steps`` drives a ``Stepper`` through a run's steps.

The loop owns the cadence every run shares: the progress bar, the window of losses averaged
at each checkpoint boundary (every ``checkpoint_every`` steps and at the last), the kept
checkpoints of ``checkpoint_steps`` (written before the boundary's, so a resumed run never
skips one) and the resume point. A stepper owns the networks: one model
(``geomem.train.loop.ModelStepper``) or a stacked ensemble
(``geomem.train.ensemble_state.EnsembleStepper``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from tqdm.auto import tqdm

from geomem import _validate, boundary, io
from geomem.checkpoints.snapshots import check_steps


class Stepper(Protocol):
    """What ``run_steps`` drives: one network or E stacked ones."""

    def resume(self) -> int:
        """Load the saved state, if any; return the step to start from (0 when fresh)."""

    def step(self, k: int) -> float | list[float]:
        """Take optimizer step ``k``; return its loss (one per network)."""

    def record(self, mean: np.ndarray) -> float:
        """Append a window's mean loss (one per network) to the losses; return one number
        to show."""

    def snapshot(self, k: int) -> None:
        """Keep the checkpoint of step ``k`` (``checkpoints/step-*.pt``)."""

    def save(self, k: int) -> None:
        """Write the resumable checkpoint of step ``k`` (a checkpoint boundary)."""


def run_steps(stepper: Stepper, cfg, keep=frozenset(), *, progress=False, desc="train") -> int:
    """Run steps ``stepper.resume()`` .. ``cfg.steps - 1``; returns the step it started from.

    Parameters
    ----------
    stepper : Stepper
    cfg : TrainingFields
        ``steps`` and ``checkpoint_every`` are read.
    keep : set of int
        Steps whose checkpoints are kept (``check_steps``).
    progress : bool
        Show a tqdm bar labelled ``desc``.
    """
    start = stepper.resume()
    bar = tqdm(
        range(start, cfg.steps),
        initial=start,
        total=cfg.steps,
        disable=not progress,
        desc=desc,
        leave=False,
    )
    window = []
    for step in bar:
        window.append(stepper.step(step))
        at_boundary = (step + 1) % cfg.checkpoint_every == 0 or step + 1 == cfg.steps
        if at_boundary:
            shown = stepper.record(np.mean(window, axis=0))
            window = []
            bar.set_postfix(loss=f"{shown:.4f}")
        if step + 1 in keep:  # before the boundary's: a resumed run never skips a kept step
            stepper.snapshot(step + 1)
        if at_boundary:
            stepper.save(step + 1)
    return start


def open_runs(cfgs: Sequence, run_dirs: Sequence[Path], checkpoint_steps=None):
    """(configs, torch device, kept steps) of runs about to train: each config with this
    machine's thread count recorded (where 0), its device checked, and its config.json
    written first into its run directory (refusing another run's)."""
    n_threads = torch.get_num_threads()  # recorded, not part of the identity
    cfgs = [dataclasses.replace(c, threads=n_threads) if c.threads == 0 else c for c in cfgs]
    device = check_device(cfgs[0].device)
    keep = check_steps(checkpoint_steps, cfgs[0].steps)
    for cfg, run_dir in zip(cfgs, run_dirs, strict=True):
        prepare_run_dir(cfg, Path(run_dir))
    return cfgs, device, keep


def write_metrics(run_dir: Path, cfg, losses: list[float]) -> dict:
    """Write and return a run's metrics.json: its steps, losses (one per checkpoint window),
    first and final loss, and ``checkpoint_every``."""
    metrics = {
        "steps": cfg.steps,
        "final_loss": losses[-1] if losses else None,
        "first_loss": losses[0] if losses else None,
        "losses": losses,
        "checkpoint_every": cfg.checkpoint_every,
    }
    io.write_json(Path(run_dir) / "metrics.json", metrics)
    return metrics


def check_device(device: str) -> torch.device:
    """The torch device of ``device`` if this machine has it (``geomem.boundary.devices``)."""
    return torch.device(boundary.check_device("device", device))


def check_config(cfg, run_dir: Path, name: str = "out") -> None:
    """Refuse a run directory whose config.json is unreadable or another run's."""
    path = run_dir / "config.json"
    if path.exists():
        try:
            old = type(cfg).from_json(boundary.read_json(name, path)).identity()
        except (ValueError, TypeError) as exc:
            _validate.fail(
                name, "a run directory with a readable config.json", f"{run_dir} ({exc})"
            )
        diff = sorted(k for k, v in cfg.identity().items() if old.get(k) != v)
        if diff:
            _validate.fail(
                name,
                "an empty directory or one holding this same run",
                f"a different run (differs in {diff}) in {run_dir}",
            )


def prepare_run_dir(cfg, run_dir: Path) -> None:
    """Write config.json first; refuse a directory that holds a different run's config
    (checked and written under a lock on the folder: of two different runs started at once
    into one directory, the second is refused instead of overwriting the first's config)."""
    from geomem.boundary.files import folder_lock

    with folder_lock(run_dir):
        check_config(cfg, run_dir)
        io.write_json(run_dir / "config.json", cfg.to_json())
