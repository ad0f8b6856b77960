"""Parsing helpers shared by CLI commands."""

from __future__ import annotations

import numpy as np

from geomem import _validate


def float_list(name: str, text: str | None) -> tuple[float, ...] | None:
    """Parse "0.1,0.01" or "logspace:1e-4:1:40" into a tuple of floats."""
    if text is None:
        return None
    text = text.strip()
    if text.startswith(("logspace:", "linspace:")):
        parts = text.split(":")
        if len(parts) != 4:
            _validate.fail(name, "'logspace:LO:HI:COUNT' or 'linspace:LO:HI:COUNT'", text)
        lo, hi, count = _num(name, parts[1]), _num(name, parts[2]), _num(name, parts[3])
        if parts[0] == "logspace":
            if lo <= 0 or hi <= 0:
                _validate.fail(name, "positive bounds for logspace", text)
            return tuple(np.geomspace(lo, hi, int(count)).tolist())
        return tuple(np.linspace(lo, hi, int(count)).tolist())
    values = tuple(_num(name, p) for p in text.split(",") if p.strip())
    if not values:
        _validate.fail(name, "a non-empty comma-separated list", text)
    return values


def int_list(name: str, text: str) -> tuple[int, ...]:
    """Parse "250,1000,20000" into positive ints."""
    out = []
    for p in text.split(","):
        try:
            out.append(int(p))
        except ValueError:
            _validate.fail(name, "a comma-separated list of integers", text)
    return tuple(_validate.positive_int(name, v) for v in out)


def _num(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        _validate.fail(name, "numbers", text)
