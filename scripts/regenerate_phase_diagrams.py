"""Regenerate docs/results/phase-diagram{,-flat,-fresh} (exact scores, both theories, ceiling).

    python scripts/regenerate_phase_diagrams.py [--only paper,paper-flat,paper-fresh] [--out DIR]

Each is `geomem phase-diagram` with the committed grid (PhaseConfig defaults: N = 2^5..2^15,
41 noise levels, seeds 0-3, 16 points) and an independent ceiling measurement on seeds 4-7
(``--ceiling-seeds 4,5,6,7``). The exact-score side (seeds 0-3) is unchanged by the theories:
``scripts/check_same_numbers.py --only phase`` reruns these configs and compares.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from geomem.experiments.phase.diagram import PhaseConfig, run_phase, write_config

ROOT = Path(__file__).resolve().parents[1]
STUDIES = {
    "phase-diagram": {"preset": "paper"},
    "phase-diagram-flat": {"preset": "paper-flat"},
    "phase-diagram-fresh": {"preset": "paper", "points": "fresh"},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(STUDIES), help="comma-separated study names")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "results")
    args = ap.parse_args()
    for name in args.only.split(","):
        cfg = PhaseConfig(**STUDIES[name], ceiling_seeds=(4, 5, 6, 7))
        out = args.out / name
        if out.exists():
            shutil.rmtree(out)  # a regeneration replaces the committed run as a whole
        write_config(cfg, out)
        start = time.perf_counter()
        m = run_phase(cfg, out)["metrics"]
        print(
            f"{name}: {time.perf_counter() - start:.0f} s, agreement {m['agreement']}, "
            f"non-trivial {m['agreement_nontrivial']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
