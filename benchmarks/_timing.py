"""Timing helper shared by the benchmark scripts: best of ``repeat`` wall-clock runs."""

from __future__ import annotations

import time


def best_time(fn, repeat: int = 3) -> float:
    """Best wall-clock seconds of ``repeat`` calls of ``fn()`` (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
