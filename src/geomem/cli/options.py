"""Parsing helpers shared by CLI commands (grids through ``geomem.boundary.grids``)."""

from __future__ import annotations

from pathlib import Path

from geomem import _validate
from geomem.boundary.grids import parse_grid
from geomem.boundary.sizes import MAX_GRID


def float_list(name: str, text: str | None, *, positive: bool = False) -> tuple[float, ...] | None:
    """Parse "0.1,0.01", "logspace:1e-4:1:40" or "logspace:10^-4.5:10^0.5:41" into floats."""
    return parse_grid(name, text, positive=positive)


def int_list(name: str, text: str, minimum: int = 1) -> tuple[int, ...]:
    """Parse "250,1000,20000" into a non-empty tuple of ints >= ``minimum``."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts:
        _validate.fail(name, "a non-empty comma-separated list of integers", text)
    if len(parts) > MAX_GRID:
        _validate.fail(name, f"at most {MAX_GRID} values", f"{len(parts)} values")
    out = []
    for p in parts:
        try:
            out.append(int(p))
        except ValueError:
            _validate.fail(name, "a comma-separated list of integers", text)
    for v in out:
        if v < minimum:
            _validate.fail(name, f"integers >= {minimum}", text)
    return tuple(out)


def out_file(name: str, *paths: Path) -> None:
    """Fail unless every path can become a file: not a directory, no file among its folders."""
    for path in map(Path, paths):
        if path.is_dir():
            _validate.fail(name, "a file path", f"{path} (a directory)")
        above = next((p for p in path.parents if p.exists()), None)
        if above is not None and not above.is_dir():
            _validate.fail(name, "a path below a directory", f"{path} ({above} is a file)")
