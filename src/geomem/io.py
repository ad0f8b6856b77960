"""Atomic file writes: a reader never sees a half-written file (write to a temp, then rename)."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _umask() -> int:
    old = os.umask(0o022)
    os.umask(old)
    return old


_UMASK = _umask()


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    A write that fails (full disk, no permission) leaves ``path`` as it was, removes the
    temporary file and raises one line naming ``path``: an ``OSError`` whose message is
    ``<path>: expected a writable location with free space, got <why>``.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_UMASK)  # the mode a plain open() would give, not mkstemp's 0600
        yield Path(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        if ": expected " in str(exc):
            raise
        raise write_error(path, exc) from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def write_error(path: str | Path, exc: BaseException) -> OSError:
    """The one-line OSError of a failed write to ``path`` (errno kept)."""
    why = getattr(exc, "strerror", None) or str(exc).splitlines()[0][:80] or type(exc).__name__
    err = OSError(f"{path}: expected a writable location with free space, got {why!r}")
    err.errno = getattr(exc, "errno", None)
    return err


def write_json(path: str | Path, obj) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=1, default=_default) + "\n")


def save_npy(path: str | Path, array: np.ndarray) -> None:
    """Save one array as .npy, atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, np.asarray(array))


def save_npz(path: str | Path, arrays: dict, *, compressed: bool = False) -> None:
    """Save named arrays as one .npz (``np.savez``, or ``savez_compressed``), atomically."""
    write = np.savez_compressed if compressed else np.savez
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        write(fh, **arrays)


def _default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.integer | np.floating):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
