"""Order-statistics theory: process CPU time per (N, v) cell, two source trees side by side.

    python benchmarks/bench_orderstat.py --old-src /path/to/old/src [--rounds 2] [--levels 6]

Each round runs, in fresh interpreters one after the other (interleaved A/B/C), the old tree at
its defaults, this tree with the old draw count (32) and this tree at its defaults, on the
phase diagram's N grid (2^5..2^15) x ``--levels`` of its noise levels (every 8th), for the
`paper` (sphere) and `paper-flat` presets; each child reports ``time.process_time()`` around
``predict_kept``. Ratios are within one round (the machine may be loaded).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "src"
CHILD = """
import json, sys, time
import numpy as np
from geomem.theory.orderstat import OrderStatOptions, predict_kept
preset, levels, draws = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
v = np.logspace(-4.5, 0.5, 41)[:: max(1, 41 // levels)][:levels]
Ns = [2**k for k in range(5, 16)]
opt = OrderStatOptions() if draws == 0 else OrderStatOptions(draws=draws)
t = time.process_time()
predict_kept(preset, Ns, v, rng=np.random.default_rng(0), options=opt)
cpu = time.process_time() - t
print(json.dumps({"cpu_per_cell": cpu / (len(Ns) * len(v)), "draws": opt.draws}))
"""


def _run(src: Path, preset: str, levels: int, draws: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, preset, str(levels), str(draws)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old-src", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--levels", type=int, default=6)
    args = ap.parse_args()
    for preset in ("paper", "paper-flat"):
        for k in range(args.rounds):
            old = _run(args.old_src, preset, args.levels, 0)
            same = _run(HERE, preset, args.levels, 32)
            new = _run(HERE, preset, args.levels, 0)
            a, b, c = (x["cpu_per_cell"] for x in (old, same, new))
            print(
                f"{preset} round {k}: old (R={old['draws']}) {a:.4f} s/cell, new R=32 {b:.4f} "
                f"({a / b:.1f}x faster), new default R={new['draws']} {c:.4f} ({a / c:.1f}x)",
                flush=True,
            )
    print("load average", os.getloadavg())


if __name__ == "__main__":
    main()
