"""The results store: one directory per run and an append-only results table.

Layout of a store ``DIR``::

    DIR/store.json          {"format": 1, "geomem": "<version>"}  (written once)
    DIR/results.jsonl       one JSON row per finished run (ok or failed)
    DIR/runs/<run_id>/      config.json (first), arrays.npz, *.png, metrics.json

A row is appended only after its run's files are complete, with one ``os.write`` of the whole
line on an ``O_APPEND`` descriptor under an exclusive ``fcntl`` lock, so concurrent writers never
interleave and a killed writer leaves either a whole row or none.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

import geomem
from geomem import _validate, io

FORMAT = 1
RESULTS = "results.jsonl"
META = "store.json"
STATUSES = ("ok", "failed", "skipped", "busy")  # what a results row's status can be
VOLATILE = ("timing", "worker")  # row keys that differ between executors and reruns


def check_store(root: str | Path, name: str | None = None) -> None:
    """Fail with one line if ``root`` is not a folder (a file, a FIFO, below a file) or holds
    a store of another format or geomem version; ``name`` is the parameter named (default:
    the path itself).

    Reads only; a missing store is fine (it will be created).
    """
    root = Path(root)
    above = next((p for p in (root, *root.parents) if p.exists()), None)
    if above is not None and not above.is_dir():
        where = f"{root} (not a directory)" if above == root else f"{root} ({above} is a file)"
        _validate.fail(name or str(root), "a directory for the results store", where)
    meta_path = root / META
    if not meta_path.exists():
        if (Path(root) / RESULTS).exists():
            _validate.fail(str(root), f"a results store with {META}", "results.jsonl without it")
        return
    try:
        meta = json.loads(meta_path.read_text())
    except json.JSONDecodeError:
        _validate.fail(str(meta_path), "valid JSON", meta_path.read_text()[:40])
    got = (meta.get("format"), meta.get("geomem"))
    if got != (FORMAT, geomem.__version__):
        _validate.fail(
            str(root),
            f"a store written by geomem {geomem.__version__} (format {FORMAT})",
            f"geomem {got[1]} (format {got[0]})",
        )


def create_store(root: str | Path) -> Path:
    """Make ``root`` a store (idempotent; checks the version of an existing one)."""
    root = Path(root)
    check_store(root)
    (root / "runs").mkdir(parents=True, exist_ok=True)
    if not (root / META).exists():
        io.write_json(root / META, {"format": FORMAT, "geomem": geomem.__version__})
    return root


def run_dir(root: str | Path, run_id: str) -> Path:
    """The directory of run ``run_id``."""
    return Path(root) / "runs" / run_id


def append_row(root: str | Path, row: dict) -> None:
    """Append one row to the results table: one locked ``os.write`` of the whole line.

    Under the lock, a half line left by an earlier failure (a full disk, a killed writer) is
    cut off first, so the new row never glues onto it; a write that fails or comes up short
    is cut back too, and raises one line naming the file.
    """
    line = (json.dumps(row, sort_keys=True, default=io._default, allow_nan=True) + "\n").encode()
    path = Path(root) / RESULTS
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = repair_tail(fd)
        try:
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(errno.ENOSPC, f"wrote {written} of {len(line)} bytes")
            os.fsync(fd)
        except OSError as exc:
            os.ftruncate(fd, size)
            raise io.write_error(path, exc) from exc
    finally:
        os.close(fd)  # closing releases the lock


def repair_tail(fd: int) -> int:
    """Cut the file open at ``fd`` back to its last whole line; return its new size."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    block, end = 1 << 16, size
    while end > 0:
        start = max(0, end - block)
        chunk = os.pread(fd, end - start, start)
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            size = start + cut + 1
            break
        end = start
    else:
        size = 0
    os.ftruncate(fd, size)
    return size


def read_rows(root: str | Path, latest: bool = True) -> list[dict]:
    """All well-formed rows of the results table (the latest per run id when ``latest``).

    A line that is not a whole JSON object (possible only after disk trouble) is skipped; an
    object without a string ``run_id`` and a known ``status`` (an edited or foreign table) is
    refused with one line naming the file and line.
    """
    path = Path(root) / RESULTS
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if not isinstance(row, dict):
            continue
        if not isinstance(row.get("run_id"), str) or row.get("status") not in STATUSES:
            shown = {k: row.get(k) for k in ("run_id", "status")}
            _validate.fail(
                f"{path}:{number}",
                f"a results row with a run_id and a status in {list(STATUSES)}",
                shown,
            )
        rows.append(row)
    if latest:
        rows = list({r["run_id"]: r for r in rows}.values())
    return rows


def finished_ids(root: str | Path) -> set[str]:
    """Run ids whose latest row says ``ok`` (failed runs are redone on restart)."""
    return {r["run_id"] for r in read_rows(root) if r.get("status") == "ok"}


def read_results(root: str | Path):
    """The results table: a pandas DataFrame when pandas is installed, else a list of dicts.

    One row per run (its latest attempt); nested ``config``/``metrics`` become columns
    ``config.<field>`` / ``metrics.<name>`` in the DataFrame.
    """
    check_store(root)
    rows = read_rows(root)
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.json_normalize(rows, max_level=1) if rows else pd.DataFrame()


@contextmanager
def run_lock(path: Path):
    """Hold an exclusive, non-blocking lock on ``path``; yields False if another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
