"""`geomem --help` and every command's --help import neither torch, scipy nor matplotlib: the
heavy imports happen inside the command that needs them (CLI start-up is a library import of
typer and numpy, not of the whole stack)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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
]
PROBE = """
import json, sys
from geomem.cli import main
try:
    main(sys.argv[1:] + ["--help"])
except SystemExit as exc:
    code = exc.code
heavy = [m for m in ("torch", "scipy", "matplotlib", "diffusers", "pandas") if m in sys.modules]
print(json.dumps({"code": code, "heavy": heavy}))
"""


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "geomem")
def test_help_imports_nothing_heavy(cmd):
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *cmd], capture_output=True, text=True, check=True
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res == {"code": 0, "heavy": []}
