"""Wall time of one sweep on each executor, as ratios against the in-process baseline.

Usage: PYTHONPATH=src python benchmarks/sweep_executors.py [--workers K]
Appends a table to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from _common import append_results

from geomem.experiments.registry import EXPERIMENTS
from geomem.runs.executors import DaskExecutor, make_executor
from geomem.runs.sweep import SweepSpec, run_sweep

SPEC = SweepSpec(
    EXPERIMENTS["spectrum"],
    base={"noise_var": [1e-4, 1e-3, 1e-2, 1e-1, 1.0], "n_points": 8},
    grid={"n_train": [500, 1000, 2000, 4000], "seed": [0, 1]},
)


def timed(executor) -> float:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        res = run_sweep(SPEC, out, executor, progress=False)
        assert res.ok == res.total, res
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    k = ap.parse_args().workers
    times = {
        "inline": timed(make_executor("inline")),
        f"local ({k} processes)": timed(make_executor("local", workers=k)),
        f"dask LocalCluster ({k} processes)": timed(DaskExecutor(workers=k)),
    }
    base = times["inline"]
    lines = [
        f"\n## sweep executors: 8 spectrum runs, {os.cpu_count()} cores ({time.strftime('%F')})\n",
        "| executor | wall s | speed-up vs inline |",
        "|---|---|---|",
        *(f"| {name} | {t:.1f} | {base / t:.2f} |" for name, t in times.items()),
    ]
    append_results("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
