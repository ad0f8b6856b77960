"""Boundary checks with one message shape: ``<param>: expected <what>, got <value>``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def fail(name: str, expected: str, got: object, exc: type[Exception] = ValueError) -> None:
    """Raise ``exc`` with the house message: parameter, what was expected, what came."""
    raise exc(f"{name}: expected {expected}, got {_show(got)}")


def _show(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def positive(name: str, value: float) -> float:
    """Return ``value`` as float if it is finite and > 0."""
    if not isinstance(value, int | float | np.floating | np.integer) or isinstance(value, bool):
        fail(name, "a positive number", value, TypeError)
    if not math.isfinite(value) or value <= 0:
        fail(name, "a finite number > 0", value)
    return float(value)


def positive_int(name: str, value: int) -> int:
    """Return ``value`` if it is an int >= 1."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        fail(name, "an integer >= 1", value, TypeError)
    if value < 1:
        fail(name, "an integer >= 1", value)
    return int(value)


def positive_list(name: str, values: Sequence[float]) -> tuple[float, ...]:
    """Return a non-empty tuple of finite positive floats."""
    values = tuple(values)
    if not values:
        fail(name, "a non-empty list of positive numbers", list(values))
    return tuple(positive(name, v) for v in values)


def matrix(name: str, X: object, d: int | None = None, finite: bool = True) -> np.ndarray:
    """Return ``X`` as a finite float array of shape (n, d) with n >= 1.

    ``finite=False`` skips the finiteness check (it reads every entry; callers that stream a
    memory-mapped array check chunk by chunk instead).
    """
    arr = np.asarray(X)
    if arr.dtype.kind not in "fiu":
        fail(name, "a real numeric array", f"dtype {arr.dtype}", TypeError)
    if arr.ndim != 2:
        fail(name, "a 2-D array of shape (N, d)", f"{arr.ndim}-D array of shape {arr.shape}")
    if arr.shape[0] < 1:
        fail(name, "at least one row (N >= 1)", f"shape {arr.shape}")
    if d is not None and arr.shape[1] != d:
        fail(name, f"{d} columns (d = {d})", f"shape {arr.shape}")
    if (
        finite and arr.dtype.kind == "f"
    ):  # in chunks of rows: no (N, d) temporary for large or mapped X
        step = max(1, (1 << 20) // max(1, arr.shape[1]))
        bad = sum(
            int(np.count_nonzero(~np.isfinite(arr[i : i + step])))
            for i in range(0, arr.shape[0], step)
        )
        if bad:
            fail(name, "finite values", f"{bad} NaN/inf entries")
    return arr


def seed(name: str, value: int) -> int:
    """Return ``value`` if it is an int >= 0 (a seed for NumPy's SeedSequence)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        fail(name, "an integer >= 0", value, TypeError)
    if value < 0:
        fail(name, "an integer >= 0", value)
    return int(value)


def out_dir(name: str, path) -> None:
    """Fail unless ``path`` is a directory or does not exist yet (an output folder)."""
    from pathlib import Path

    path = Path(path)
    if path.exists() and not path.is_dir():
        fail(name, "a directory", f"{path} (a file)")
