"""`geomem --help` and every command's --help import neither torch, scipy nor matplotlib: the
heavy imports happen inside the command that needs them (CLI start-up is an import of typer
and numpy, not of the whole stack)."""

from __future__ import annotations

import json
import subprocess
import sys

COMMANDS = [
    [],
    ["spectrum"],
    ["demo"],
    ["theory"],
    ["theory", "collapse-time"],
    ["phase-diagram"],
    ["train"],
    ["experiment"],
    ["experiment", "copies"],
    ["experiment", "training-time"],
    ["sweep"],
    ["report"],
    ["sample"],
    ["copies"],
    ["audit"],
    ["lid"],
]
PROBE = """
import json, sys
from geomem.cli import main
codes = []
for cmd in json.loads(sys.argv[1]):
    try:
        main(cmd + ["--help"])
    except SystemExit as exc:
        codes.append(exc.code)
heavy = [m for m in ("torch", "scipy", "matplotlib", "diffusers", "pandas") if m in sys.modules]
print(json.dumps({"codes": codes, "heavy": heavy}))
"""


def test_every_help_imports_nothing_heavy():
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(COMMANDS)],
        capture_output=True,
        text=True,
        check=True,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res == {"codes": [0] * len(COMMANDS), "heavy": []}
