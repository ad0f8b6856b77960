"""Sizes: estimate the memory a request needs before allocating it, refuse what cannot fit.

The estimate is a rough upper bound (float64 arrays plus working copies); a request is refused
when it exceeds the memory this machine has available now (``MemAvailable`` of /proc/meminfo,
else free physical pages), so the user gets one line instead of an out-of-memory kill.
"""

from __future__ import annotations

import os

from geomem import _validate

FLOAT = 8  # bytes of a float64
MAX_GRID = 100_000  # most noise levels / grid points any command accepts


def available_memory() -> int:
    """Bytes of memory available to a new allocation on this machine."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):  # pragma: no cover - exotic platforms
        return 1 << 62


def human(nbytes: float) -> str:
    """``nbytes`` as a short human-readable size (``1.5 GB``)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(nbytes) < 1000 or unit == "TB":
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1000
    return f"{nbytes:.3g} PB"  # pragma: no cover


def check_fits(name: str, nbytes: float, got: object) -> None:
    """Fail (MemoryError, one line) if ``nbytes`` exceeds the available memory.

    Parameters
    ----------
    name : str
        The parameter that decides the size (e.g. ``--n-train``).
    nbytes : float
        Estimated bytes the request needs.
    got : object
        The value shown after ``got`` (the offending size).
    """
    avail = available_memory()
    if nbytes > avail:
        _validate.fail(
            name,
            f"a size that fits in memory (needs ~{human(nbytes)}, {human(avail)} available)",
            got,
            MemoryError,
        )


def check_count(name: str, count: int, cap: int = MAX_GRID) -> int:
    """Return ``count`` if it is an integer in [1, cap]."""
    count = _validate.positive_int(name, count)
    if count > cap:
        _validate.fail(name, f"at most {cap} points", count)
    return count


def matrix_bytes(rows: float, cols: float, copies: float = 1.0) -> float:
    """Bytes of ``copies`` float64 matrices of shape (rows, cols)."""
    return float(rows) * float(cols) * FLOAT * copies


def scan_bytes(n_levels: int, n_points: int, d: int) -> float:
    """Bytes of a spectrum scan: spectra and points (L, B, d), one Jacobian batch (B, d, d)."""
    return matrix_bytes(n_levels * n_points, d, 3) + matrix_bytes(n_points * d, d, 4)


LOSS_BYTES = 32  # one Python float in a list: the training loss kept per step


def check_steps(name: str, steps: int) -> int:
    """Return ``steps`` if the per-step loss log of that many training steps fits in memory
    (``--steps 2**63`` is refused up front instead of failing deep in a run)."""
    steps = _validate.positive_int(name, steps)
    check_fits(name, float(steps) * LOSS_BYTES, steps)
    return steps
