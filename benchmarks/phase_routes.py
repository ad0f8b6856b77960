"""Time the three exact routes of one phase-diagram cell (same counts) and append the ratios
to benchmarks/RESULTS.md. Run: PYTHONPATH=src python benchmarks/phase_routes.py"""

from __future__ import annotations

import platform
import time

import numpy as np
import torch
from _common import append_results

from geomem.experiments.phase.cell import ROUTES, PhaseCellConfig, measure_cell

V = tuple(np.logspace(-4.5, 0.5, 41).tolist())


def main() -> None:
    lines = [
        f"\n## phase-diagram cell routes ({platform.node()}, torch threads "
        f"{torch.get_num_threads()}, 41 noise levels x 16 train points)\n",
        "| N | route | seconds | ratio to scan | same counts |",
        "|---|---|---|---|---|",
    ]
    measure_cell(PhaseCellConfig(V, n_train=64))  # warm-up
    for N in (1024, 32768):
        res = {}
        for route in ROUTES[::-1]:
            start = time.perf_counter()
            res[route] = (
                measure_cell(PhaseCellConfig(V, n_train=N, route=route)),
                time.perf_counter() - start,
            )
        ref, t_ref = res["scan"]
        for route, (kept, sec) in res.items():
            lines.append(
                f"| {N} | {route} | {sec:.2f} | {sec / t_ref:.2f} | {np.array_equal(kept, ref)} |"
            )
    append_results("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
