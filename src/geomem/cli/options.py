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


def run_model(name: str, model: str) -> None:
    """When ``model`` names a folder (a `geomem train` run, not 'exact'/'population'), fail
    unless its config.json is one `geomem train` accepts (``geomem.loading.run_config``)."""
    if model not in ("exact", "population") and (Path(model) / "config.json").is_file():
        from geomem.loading import run_config

        run_config(model, name)


def out_file(name: str, *paths: Path) -> None:
    """Fail unless every path can become a regular file: not a directory, FIFO, socket or
    device, no file among its folders (``geomem.boundary.files.check_output``)."""
    from geomem.boundary.files import check_output

    for path in paths:
        check_output(name, path)
