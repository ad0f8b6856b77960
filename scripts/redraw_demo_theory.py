"""Redraw docs/results/demo/kept_dimension.png with today's theory lines from the committed
measurements (arrays.npz); the exact-score numbers are not recomputed (``geomem demo`` at its
defaults regenerates everything; ``scripts/check_same_numbers.py --only demo`` diffs them).

    python scripts/redraw_demo_theory.py [--theory orderstat|rem]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from geomem import io
from geomem.experiments.demo import DemoConfig, kept_figure

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "docs" / "results" / "demo"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--theory", default="orderstat")
    args = ap.parse_args()
    raw = json.loads((DEMO / "config.json").read_text())
    raw["theory"] = args.theory
    cfg = DemoConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})
    arr = np.load(DEMO / "arrays.npz")
    v = arr["noise_var"]
    labels = [f"N = {n}" for n in cfg.n_train] + ["population"]
    measured = {lab: (v, arr[f"{lab.replace('N = ', 'N')}_subspace_dimension"]) for lab in labels}
    kept_figure(cfg, measured, None, DEMO)
    io.write_json(DEMO / "config.json", asdict(cfg))
    print(f"wrote {DEMO / 'kept_dimension.png'} ({args.theory})")


if __name__ == "__main__":
    main()
