"""Shared by the benchmark scripts: best-of timing and appending a section to RESULTS.md.

Scripts are run as ``python benchmarks/NAME.py``, which puts this folder on ``sys.path``.
"""

from __future__ import annotations

import time
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def best_time(fn, repeat: int = 3) -> float:
    """Best wall-clock seconds of ``repeat`` calls of ``fn()`` (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def append_results(text: str) -> None:
    """Print ``text`` and append it to benchmarks/RESULTS.md (results are never overwritten)."""
    print(text)
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nAppended by the scripts in this folder; each "
            "section is one run on one machine.\n"
        )
    with open(RESULTS, "a") as fh:
        fh.write(text)
