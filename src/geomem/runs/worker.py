"""Run one config in its run directory and record the row: the function every executor ships.

Kept importable on its own (no CLI, no executor) so that worker processes load little.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime

from geomem import io
from geomem.runs import store
from geomem.runs.base import Experiment
from geomem.runs.config import from_dict, to_dict


@dataclass(frozen=True)
class Task:
    """One run to do: which experiment, its resolved config (as data) and where to put it.

    The Experiment travels with the task (pickled by reference to its module), so a worker
    process needs no registry."""

    root: str
    experiment: Experiment
    config: dict
    run_id: str
    config_hash: str
    retries: int = 0


def execute(task: Task) -> dict:
    """Run ``task`` unless it is finished or running elsewhere; return its row.

    The row's ``status`` is ``ok`` or ``failed`` (both appended to the results table), or
    ``skipped`` / ``busy`` (nothing appended: another sweep finished it or is running it).
    """
    rdir = store.run_dir(task.root, task.run_id)
    with store.run_lock(rdir.parent / f".{task.run_id}.lock") as mine:
        if not mine:
            return {"run_id": task.run_id, "status": "busy"}
        if task.run_id in store.finished_ids(task.root):
            return {"run_id": task.run_id, "status": "skipped"}
        row = _attempts(task, rdir)
        store.append_row(task.root, row)
        return row


def failure_row(task: Task, error: str) -> dict:
    """The row of a run whose worker died before it could write one."""
    return _row(task, "failed", error, {}, time.time(), 0, 0)


def _attempts(task: Task, rdir) -> dict:
    exp = task.experiment
    start, error = time.time(), ""
    for attempt in range(1, task.retries + 2):
        t0 = time.perf_counter()
        try:
            metrics = _run_once(exp, task, rdir)
            return _row(task, "ok", "", metrics, start, time.perf_counter() - t0, attempt)
        except Exception as exc:  # a failed run is data, not a crash of the sweep
            error = f"{type(exc).__name__}: {exc}"
            last = traceback.format_exc(limit=-3)
    io.write_json(rdir / "error.json", {"error": error, "traceback": last})
    return _row(task, "failed", error, {}, start, time.perf_counter() - t0, task.retries + 1)


def _run_once(exp, task: Task, rdir) -> dict:
    if rdir.exists():
        shutil.rmtree(rdir)  # leftovers of an unfinished attempt
    rdir.mkdir(parents=True)
    config = from_dict(exp.config_cls, task.config)
    io.write_json(
        rdir / "config.json",
        {
            "experiment": exp.name,
            "run_id": task.run_id,
            "config_hash": task.config_hash,
            "config": to_dict(config),
        },
    )
    metrics = exp.run(config, rdir)
    io.write_json(rdir / "metrics.json", metrics)
    return metrics


def _row(
    task: Task, status: str, error: str, metrics: dict, start: float, seconds: float, attempts: int
) -> dict:
    return {
        "run_id": task.run_id,
        "config_hash": task.config_hash,
        "experiment": task.experiment.name,
        "status": status,
        "error": error,
        "config": task.config,
        "metrics": metrics,
        "attempts": attempts,
        "timing": {
            "start": datetime.fromtimestamp(start, UTC).isoformat(),
            "seconds": round(seconds, 6),
        },
        "worker": {"host": socket.gethostname(), "pid": os.getpid()},
    }
