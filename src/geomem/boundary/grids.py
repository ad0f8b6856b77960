"""Noise grids: ``'0.1,0.01'``, ``'logspace:LO:HI:COUNT'``, ``'linspace:LO:HI:COUNT'``.

Numbers may be written ``1e-4`` or ``10^-4.5``. Counts are integers in [1, MAX_GRID]; values
must be finite (and positive where the caller says so); sigma -> sigma^2 is checked for overflow.
"""

from __future__ import annotations

import math

import numpy as np

from geomem import _validate
from geomem.boundary.sizes import MAX_GRID

FORMS = "a list '0.1,0.01', 'logspace:LO:HI:COUNT' or 'linspace:LO:HI:COUNT'"


def number(name: str, text: str) -> float:
    """One finite number: ``1e-3``, ``0.5`` or ``10^-4.5``."""
    t = text.strip()
    try:
        if t.startswith("10^"):
            value = 10.0 ** float(t[3:])
        else:
            value = float(t)
    except (ValueError, OverflowError):
        _validate.fail(name, "numbers (like 1e-3 or 10^-4.5)", text)
    if not math.isfinite(value):
        _validate.fail(name, "finite numbers", text)
    return value


def count(name: str, text: str, cap: int = MAX_GRID) -> int:
    """A grid count: an integer in [1, cap]."""
    try:
        value = float(text)
    except ValueError:
        _validate.fail(name, "an integer count of grid points", text)
    if not value.is_integer() or not 1 <= value <= cap:
        _validate.fail(name, f"an integer count of grid points in [1, {cap}]", text)
    return int(value)


def parse_grid(
    name: str, text: str | None, *, positive: bool = False, cap: int = MAX_GRID
) -> tuple[float, ...] | None:
    """Parse a grid into a tuple of finite floats (None stays None).

    Parameters
    ----------
    name : str
        The option, for the error message.
    text : str or None
        A comma-separated list or a ``logspace:``/``linspace:`` form.
    positive : bool
        Require every value > 0.
    cap : int
        Most values accepted.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        _validate.fail(name, FORMS, text, TypeError)
    text = text.strip()
    if text.startswith(("logspace:", "linspace:")):
        parts = text.split(":")
        if len(parts) != 4:
            _validate.fail(name, "'logspace:LO:HI:COUNT' or 'linspace:LO:HI:COUNT'", text)
        lo, hi, k = number(name, parts[1]), number(name, parts[2]), count(name, parts[3], cap)
        if parts[0] == "logspace":
            if lo <= 0 or hi <= 0:
                _validate.fail(name, "positive bounds for logspace", text)
            values = np.geomspace(lo, hi, k)
        else:
            values = np.linspace(lo, hi, k)
        values = tuple(float(v) for v in values)
    else:
        parts = [p for p in text.split(",") if p.strip()]
        if not parts:
            _validate.fail(name, f"a non-empty grid: {FORMS}", text)
        if len(parts) > cap:
            _validate.fail(name, f"at most {cap} values", f"{len(parts)} values")
        values = tuple(number(name, p) for p in parts)
    if positive and min(values) <= 0:
        _validate.fail(name, "positive values", text)
    return values


def sigma_to_var(name: str, sigmas: tuple[float, ...]) -> tuple[float, ...]:
    """Noise variances sigma^2 of positive stds, refusing those whose square overflows or
    underflows to 0."""
    out = []
    for s in _validate.positive_list(name, sigmas):
        v = s * s
        if not math.isfinite(v) or v == 0.0:
            _validate.fail(name, "stds whose square is a finite positive float64", s)
        out.append(v)
    return tuple(out)
