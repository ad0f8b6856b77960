"""Regenerate docs/results/block-order (the block-order study at its defaults).

    python scripts/regenerate_block_order.py [--out DIR]

Equivalent to ``geomem experiment block-order --out docs/results/block-order``: config.json,
arrays.npz (kept count per block: measured, order-statistics theory, REM, for each manifold),
metrics.json (lower edges and the block lost first per N and source) and block_order.png.
The README.md beside them is written by hand from metrics.json; a regeneration replaces the
other files as a whole (a changed config would otherwise be refused).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from geomem.experiments.block_order.study import BlockOrderConfig, run_block_order
from geomem.runs.base import run_in_dir

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ("config.json", "arrays.npz", "metrics.json", "block_order.png")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "results" / "block-order")
    args = ap.parse_args()
    for name in GENERATED:
        (args.out / name).unlink(missing_ok=True)
    m = run_in_dir(BlockOrderConfig(), args.out, run_block_order, progress=True)
    for r in m["results"]:
        print(r["manifold"], r["lost_first"])


if __name__ == "__main__":
    main()
