"""Files: arrays (``.npy``/``.npz``, never unpickled), JSON files, and output locations.

Every failure is one line naming the parameter, the file and what is wrong with it. ``.npy``
arrays are memory-mapped (no copy in memory; float64 files are used as they are), and their
finiteness is checked in bounded chunks.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from geomem import _validate

CHUNK_ROWS = 1 << 16  # rows per chunk of the finiteness check


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:80] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def open_array(name: str, path: str | Path) -> np.ndarray:
    """The array of a ``.npy`` (memory-mapped) or ``.npz`` (one array, or the one named X)."""
    path = Path(path)
    if path.suffix not in (".npy", ".npz"):
        _validate.fail(name, "a .npy or .npz file", str(path))
    if not path.is_file():
        _validate.fail(name, "an existing readable file", str(path))
    if path.stat().st_size == 0:
        _validate.fail(name, "a non-empty .npy/.npz file", f"{path} (empty file)")
    try:
        if path.suffix == ".npy":
            try:
                return np.load(path, mmap_mode="r", allow_pickle=False)
            except ValueError as exc:
                if "pickle" in str(exc).lower() or "object" in str(exc).lower():
                    raise
                return np.load(path, allow_pickle=False)  # e.g. a 0-d array mmap refuses
        with np.load(path, allow_pickle=False) as npz:
            keys = list(npz.keys())
            if "X" not in keys and len(keys) != 1:
                _validate.fail(
                    name, "an .npz with one array or an array named 'X'", f"{path}: arrays {keys}"
                )
            return npz["X" if "X" in keys else keys[0]]
    except Exception as exc:  # numpy and zipfile raise many kinds on damaged files
        if str(exc).startswith(f"{name}: expected"):
            raise
        _validate.fail(
            name, "a readable .npy/.npz file (no pickled objects)", f"{path} ({_why(exc)})"
        )


def read_array(name: str, path: str | Path, d: int | None = None) -> np.ndarray:
    """A finite real (N, d) array from ``path``; float64 ``.npy`` files stay memory-mapped.

    Parameters
    ----------
    name : str
        The parameter (``--data``, ``--points``) named in errors.
    path : str or Path
        A ``.npy`` or ``.npz`` file.
    d : int, optional
        Required number of columns.

    Returns
    -------
    array (N, d) float64 (a read-only memory map when the file is a float64 ``.npy``).
    """
    arr = open_array(name, path)
    where = f"{path}: "
    if arr.dtype.kind not in "fiu":
        _validate.fail(name, "a real numeric array", f"{where}dtype {arr.dtype}", TypeError)
    if arr.ndim != 2:
        _validate.fail(
            name, "a 2-D array of shape (N, d)", f"{where}{arr.ndim}-D shape {arr.shape}"
        )
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        _validate.fail(name, "at least one row and one column", f"{where}shape {arr.shape}")
    if d is not None and arr.shape[1] != d:
        _validate.fail(name, f"{d} columns (d = {d})", f"{where}shape {arr.shape}")
    if arr.dtype.kind == "f":
        bad = 0
        for start in range(0, arr.shape[0], CHUNK_ROWS):
            bad += int(np.count_nonzero(~np.isfinite(arr[start : start + CHUNK_ROWS])))
        if bad:
            _validate.fail(name, "finite values", f"{where}{bad} NaN/inf entries")
    return arr if arr.dtype == np.float64 else np.asarray(arr, dtype=np.float64)


def read_json(name: str, path: str | Path, kind: type = dict):
    """Parse a JSON file whose top level is a ``kind``; any problem is one line naming it."""
    path = Path(path)
    if not path.is_file():
        _validate.fail(name, "an existing JSON file", str(path))
    try:
        obj = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _validate.fail(name, "a readable JSON file", f"{path} ({_why(exc)})")
    if not isinstance(obj, kind):
        _validate.fail(name, f"a JSON {kind.__name__}", f"{path} holding a {type(obj).__name__}")
    return obj


def check_output(name: str, path: str | Path) -> Path:
    """Fail unless ``path`` can be (re)written as a regular file: not a directory, not a FIFO,
    socket or device (never opened: opening a FIFO blocks forever), no file among its folders.
    """
    path = Path(path)
    if path.is_dir():
        _validate.fail(name, "a file path", f"{path} (a directory)")
    if path.exists() and not path.is_file():
        _validate.fail(name, "a regular file path, not a FIFO, socket or device", str(path))
    above = next((p for p in path.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        _validate.fail(name, "a path below a directory", f"{path} ({above} is a file)")
    return path


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, default=str)  # NaN == NaN as text


def refuse_other(name: str, path: str | Path, mine, key: str | None = "config") -> None:
    """Refuse to overwrite ``path`` (a JSON output) when it holds a result of another config.

    ``mine`` is this request's config as JSON data; the file's ``obj[key]`` (the whole file
    when ``key`` is None) must equal it. A file that is not such a JSON file is refused too,
    and so is a path that is not a regular file (``check_output``).
    """
    path = check_output(name, path)
    if not path.exists():
        return
    try:
        old = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        old = None
    got = old if key is None or not isinstance(old, dict) else old.get(key)
    mine = json.loads(json.dumps(mine, default=str))
    if not isinstance(old, dict) or _canonical(got) != _canonical(mine):
        _validate.fail(
            name,
            "a new path or one holding this same result (delete it to start over)",
            f"{path} holding another result",
        )


@contextmanager
def folder_lock(folder: str | Path):
    """Hold an exclusive ``fcntl`` lock on ``folder`` (created if missing) for the block: the
    check-then-write of a file in it cannot interleave with another process's."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield folder
    finally:
        os.close(fd)  # closing releases the lock


@contextmanager
def claim(name: str, path: str | Path, mine, key: str | None = "config"):
    """The final write of an output: hold an exclusive ``fcntl`` lock on its folder, re-check
    that ``path`` holds nothing or this same result (``refuse_other``), and let the caller
    write (atomically, ``geomem.io``) inside the block. Two different configs started at once
    into one path cannot both succeed: the second sees the first's file and is refused."""
    path = Path(path)
    with folder_lock(path.parent):
        refuse_other(name, path, mine, key)
        yield path
