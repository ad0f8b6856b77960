"""The contract every experiment keeps, so one sweep engine can run any of them.

An experiment is a frozen dataclass config plus a ``run`` function. ``run`` receives a run
directory in which ``config.json`` has already been written; it writes its arrays (``arrays.npz``)
and figures there and returns the metrics (a JSON-ready dict) that the engine writes to
``metrics.json`` and appends to the results table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from geomem import _validate, io


class RunFn(Protocol):
    def __call__(self, config: Any, run_dir: Path, *, progress: bool = False) -> dict: ...


@dataclass(frozen=True)
class Experiment:
    """A named experiment: its config class, the function that runs one config and,
    optionally, its pre-flight ``check(config)``: what ``run`` would refuse (device, memory,
    files), raised before anything is written. A sweep calls it on every grid point before
    its first run starts (``geomem.runs.sweep.check_grid``)."""

    name: str
    config_cls: type  # a frozen dataclass, validated in __post_init__
    run: RunFn
    description: str = ""
    check: Callable[[Any], None] | None = None


def run_in_dir(config: Any, run_dir: str | Path, run: RunFn, *, progress: bool = False, **kw):
    """Run ``config`` into ``run_dir`` outside the sweep engine, keeping its habits:
    ``config.json`` first (a directory holding another config is refused, and checked again
    when writing it under a lock on the directory: of two different configs started at once
    into one directory only the first runs), ``metrics.json`` last, and a finished run
    returns its metrics without running again."""
    from geomem.boundary.files import folder_lock

    run_dir = Path(run_dir)
    path, meta = run_dir / "config.json", run_dir / "metrics.json"
    check_run_dir(config, run_dir)
    if path.exists() and meta.exists():
        return json.loads(meta.read_text())
    with folder_lock(run_dir):  # re-checked under the lock: a concurrent other config loses
        check_run_dir(config, run_dir)
        io.write_json(path, asdict(config))
    metrics = run(config, run_dir, progress=progress, **kw)
    io.write_json(meta, metrics)
    return metrics


def check_run_dir(config: Any, run_dir: str | Path) -> None:
    """Refuse ``run_dir`` when its config.json holds another config (``run_in_dir``'s rule)."""
    path = Path(run_dir) / "config.json"
    if path.exists() and json.loads(path.read_text()) != json.loads(json.dumps(asdict(config))):
        _validate.fail(
            "out",
            "an empty directory or one holding this same sweep",
            f"{run_dir} holding a different config",
        )
