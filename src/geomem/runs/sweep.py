"""Sweeps: an experiment, a base config and a grid, run into a results store.

A spec file (TOML)::

    experiment = "spectrum"
    [base]                      # fields of the experiment's config
    noise_var = [1e-3, 1e-1]
    [grid]                      # cartesian product over lists of field values
    n_train = [100, 1000]
    seed = [0, 1]
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from geomem import _validate
from geomem.runs import store
from geomem.runs.base import Experiment
from geomem.runs.config import check_fields, config_hash, from_dict, read_table, to_dict
from geomem.runs.worker import Task, execute, failure_row

SPEC_KEYS = ("experiment", "base", "grid")


@dataclass(frozen=True)
class SweepSpec:
    """An experiment, base config fields and a grid of field -> list of values."""

    experiment: Experiment
    base: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)

    def __post_init__(self):
        exp = self.experiment
        if not isinstance(exp, Experiment):
            _validate.fail("experiment", "an Experiment (see geomem.experiments.registry)", exp)
        check_fields(exp.config_cls, [k for k in self.base if k != "__null__"], "base")
        check_fields(exp.config_cls, self.grid, "grid")
        for key, values in self.grid.items():
            if not isinstance(values, list) or not values:
                _validate.fail(f"grid.{key}", "a non-empty list of values", values)


@dataclass(frozen=True)
class SweepResult:
    """Counts of one sweep: runs in the spec, skipped as finished, done ok, failed, and busy
    (left to another sweep that was running them at the same time)."""

    total: int
    skipped: int
    ok: int
    failed: int
    failed_ids: tuple[str, ...] = ()
    busy: int = 0


def load_spec(path: str | Path, experiments: Mapping[str, Experiment]) -> SweepSpec:
    """Read a sweep spec from TOML/JSON, its ``experiment = NAME`` looked up in
    ``experiments`` (name -> Experiment); unknown top-level keys or names fail with one line."""
    table = read_table(path)
    for key in table:
        if key not in SPEC_KEYS:
            _validate.fail(f"{path}: {key}", f"one of the spec keys {', '.join(SPEC_KEYS)}", key)
    if "experiment" not in table:
        _validate.fail(str(path), "an 'experiment = NAME' line", "none")
    name = table["experiment"]
    if not isinstance(name, str) or name not in experiments:
        _validate.fail("experiment", f"one of {sorted(experiments)}", name)
    return SweepSpec(experiments[name], table.get("base", {}), table.get("grid", {}))


USER_ERRORS = (ValueError, TypeError, OSError, MemoryError, OverflowError)


def _at_point(exc: BaseException, point: dict) -> BaseException:
    """``exc`` (a one-line boundary error) with the grid point that raised it appended."""
    where = ", ".join(f"{k}={v!r}" for k, v in point.items()) or "the base config"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    try:
        return type(exc)(f"{text} (at grid point {where})")
    except TypeError:  # an exception class with another signature
        return ValueError(f"{text} (at grid point {where})")


def expand(spec: SweepSpec, check: bool = False, done: frozenset | set = frozenset()) -> list[Any]:
    """The resolved configs of the grid's cartesian product (duplicates dropped, order kept).

    Each grid point is built through the experiment's config dataclass; with ``check`` it is
    also pre-flight checked (``preflight``), unless its run id is in ``done`` (finished runs
    are not run again, so a device missing now does not matter). A point that fails raises the
    one-line error with the grid point appended (``n_train: expected ..., got ... (at grid
    point n_train=...)``).
    """
    cls = spec.experiment.config_cls
    keys = list(spec.grid)
    configs = {}
    for combo in itertools.product(*(spec.grid[k] for k in keys)):
        point = dict(zip(keys, combo, strict=True))
        try:
            cfg = from_dict(cls, {**spec.base, **point})
            h = config_hash(cfg)
            if check and h not in configs and h[:16] not in done:
                preflight(spec.experiment, cfg)
        except USER_ERRORS as exc:
            raise _at_point(exc, point) from None
        configs.setdefault(config_hash(cfg), cfg)
    return list(configs.values())


def preflight(exp: Experiment, cfg: Any) -> None:
    """What a run of ``cfg`` would refuse, before anything is written: the device (a config
    with a ``device`` field), the per-step loss log (a ``steps`` field, ``check_steps``) and
    the experiment's own ``check`` (memory, files, trained runs)."""
    from geomem.boundary import check_device
    from geomem.boundary.sizes import check_steps

    device = getattr(cfg, "device", None)
    if isinstance(device, str):
        check_device("device", device)
    steps = getattr(cfg, "steps", None)
    if isinstance(steps, int) and not isinstance(steps, bool):
        check_steps("steps", steps)
    if exp.check is not None:
        exp.check(cfg)


def plan(spec: SweepSpec, out: str | Path, retries: int = 0) -> tuple[list[Task], int]:
    """Tasks still to run in store ``out`` and the number skipped as finished (reads only).

    Every grid point is built and pre-flight checked first (``expand(check=True)``), so a bad
    point fails with one line before the first run starts, not after others were written."""
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        _validate.fail("--retries", "an integer >= 0", retries)
    store.check_store(out, "--out")
    done = store.finished_ids(out)
    configs = expand(spec, check=True, done=done)
    tasks = []
    for cfg in configs:
        h = config_hash(cfg)
        run_id = h[:16]
        if run_id not in done:
            tasks.append(
                Task(str(Path(out).resolve()), spec.experiment, to_dict(cfg), run_id, h, retries)
            )
    return tasks, len(configs) - len(tasks)


def run_sweep(
    spec: SweepSpec, out: str | Path, executor, *, retries: int = 0, progress: bool = True
) -> SweepResult:
    """Run every unfinished config of ``spec`` on ``executor`` (an unstarted executor).

    Nothing is written to ``out`` until the spec is valid, the store's version matches and the
    executor has started. A run that raises is recorded as failed; the others go on.
    """
    tasks, skipped = plan(spec, out, retries)
    ok, busy, failed, ok_ids = 0, 0, [], []
    with executor:
        store.create_store(out)
        bar = tqdm(
            total=len(tasks), desc=f"{spec.experiment.name} runs", unit="run", disable=not progress
        )
        for task, row in executor.map(execute, tasks):
            if isinstance(row, BaseException):
                row = failure_row(task, f"{type(row).__name__}: {row}")
                store.append_row(out, row)
            ok += row["status"] == "ok"
            ok_ids += [task.run_id] if row["status"] == "ok" else []
            skipped += row["status"] == "skipped"
            busy += row["status"] == "busy"
            if row["status"] == "failed":
                failed.append(task.run_id)
            bar.update()
            bar.set_postfix(failed=len(failed))
        bar.close()
    _check_rows_arrived(out, ok_ids)
    total = skipped + busy + ok + len(failed)
    return SweepResult(total, skipped, ok, len(failed), tuple(failed), busy)


def _check_rows_arrived(out: str | Path, ok_ids: list[str]) -> None:
    missing = set(ok_ids) - store.finished_ids(out)
    if missing:
        _validate.fail(
            f"{out}",
            "the rows of the runs the workers finished (is the store on a file system "
            "every worker sees at the same path?)",
            f"{len(missing)} of {len(ok_ids)} missing",
            OSError,
        )


def describe(spec: SweepSpec, out: str | Path) -> dict:
    """What a sweep would do (for ``--dry-run``): every resolved config with its run id."""
    tasks, skipped = plan(spec, out)
    todo = {t.run_id for t in tasks}
    return {
        "experiment": spec.experiment.name,
        "store": str(out),
        "grid": spec.grid,
        "runs": [
            {
                "run_id": config_hash(c)[:16],
                "todo": config_hash(c)[:16] in todo,
                "config": to_dict(c),
            }
            for c in expand(spec)
        ],
        "finished": skipped,
    }


def grid_fields(rows: list[dict]) -> list[str]:
    """Config fields whose value differs between rows (the swept axes)."""
    if not rows:
        return []
    names = list(rows[0].get("config", {}))
    return [n for n in names if len({repr(r.get("config", {}).get(n)) for r in rows}) > 1]
