"""The contract every experiment keeps, so one sweep engine can run any of them.

An experiment is a frozen dataclass config plus a ``run`` function. ``run`` receives a run
directory in which ``config.json`` has already been written; it writes its arrays (``arrays.npz``)
and figures there and returns the metrics (a JSON-ready dict) that the engine writes to
``metrics.json`` and appends to the results table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class RunFn(Protocol):
    def __call__(self, config: Any, run_dir: Path, *, progress: bool = False) -> dict: ...


@dataclass(frozen=True)
class Experiment:
    """A named experiment: its config class and the function that runs one config."""

    name: str
    config_cls: type  # a frozen dataclass, validated in __post_init__
    run: RunFn
    description: str = ""
