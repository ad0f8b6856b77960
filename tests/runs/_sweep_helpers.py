"""Helpers for the sweep tests: a tiny spectrum spec, row comparison, subprocess commands."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path

from geomem.experiments.registry import EXPERIMENTS
from geomem.runs.store import VOLATILE

SRC = str(Path(__file__).resolve().parents[2] / "src")

SPEC = """experiment = "spectrum"
[base]
{base}
[grid]
n_train = {n_train}
{grid}
"""


# The spectrum experiment without its pre-flight check: a grid point naming a missing file,
# which a sweep now refuses up front, gets through to its run and fails there, so that the
# tests of run failures (recorded as data, retried, reported) still have one.
UNCHECKED = dataclasses.replace(EXPERIMENTS["spectrum"], check=None)


def unchecked(spec):
    """``spec`` (a SweepSpec) with its experiment's pre-flight check left out."""
    return dataclasses.replace(spec, experiment=UNCHECKED)


def spec_file(path, n_train=(20, 40), grid="", base="noise_var = [1e-3, 1e-1]\nn_points = 2"):
    """Write a small spectrum sweep spec to ``path`` and return it."""
    path.write_text(SPEC.format(n_train=list(n_train), grid=grid, base=base))
    return path


def stable(rows):
    """Rows without the keys that legitimately differ between executors, sorted by run id."""
    return sorted(
        ({k: v for k, v in r.items() if k not in VOLATILE} for r in rows), key=lambda r: r["run_id"]
    )


def raw_lines(root):
    """Every line of results.jsonl parsed (fails the test on a corrupt line)."""
    text = (Path(root) / "results.jsonl").read_text()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def env():
    return {**os.environ, "PYTHONPATH": SRC}


def geomem_cmd(*args):
    return [sys.executable, "-m", "geomem", *map(str, args)]
