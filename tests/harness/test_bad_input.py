"""The bad-input harness: every row of ``tests/harness/cases.py`` through the real CLI.

Each case runs ``geomem.cli.main(argv)`` in this process with captured output and must exit
with code 2, print exactly one stderr line ``geomem: error: <param>: expected <what>, got
<value>`` whose parameter part names the expected parameter, show no traceback, and leave
every file under the inputs and output folders as it was. A few cases also run as real
subprocesses (``python -m geomem``).

Adding a command: one line in ``cases.BASE`` (a command line that is valid apart from the bad
input) and one ``cases.add(command, class, expected_param, *args)`` line per bad input.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from geomem.cli import main
from tests.harness import cases, fixtures

LINE = re.compile(r"^geomem: error: (?P<param>.+?): expected (?P<what>.+), got (?P<got>.*)$")
SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.fixture(scope="module")
def where(tmp_path_factory):
    root = tmp_path_factory.mktemp("harness")
    inputs = fixtures.build(root / "in")
    out = root / "out"
    out.mkdir()
    return root, str(inputs), str(out)


def snapshot(root: Path) -> dict:
    """{relative path: (is a folder, size of a file, mtime_ns)} of everything under ``root``
    (one ``os.scandir`` walk: one stat per entry; symlinked folders are not followed)."""
    out: dict[str, tuple] = {}
    todo = [("", str(root))]
    while todo:
        rel, folder = todo.pop()
        with os.scandir(folder) as entries:
            for e in entries:
                st, is_dir = e.stat(), e.is_dir(follow_symlinks=False)
                name = rel + e.name
                out[name] = (is_dir, None if is_dir else st.st_size, st.st_mtime_ns)
                if is_dir:
                    todo.append((name + "/", e.path))
    return out


def _norm(name: str) -> str:
    return name.lstrip("-").replace("-", "_").lower()


def check(code, err: str, case: cases.Case, inputs: str) -> None:
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert code == 2, (code, err)
    assert len(lines) == 1, lines
    m = LINE.match(lines[0])
    assert m, lines[0]
    want = _norm(case.param.replace("{in}", inputs))
    assert want in _norm(m["param"]), (case.param, lines[0])


@pytest.mark.parametrize("case", cases.CASES, ids=[c.id for c in cases.CASES])
def test_bad_input(where, case, capsys):
    root, inputs, out = where
    before = snapshot(root)
    code = None
    try:
        main(cases.argv(case, inputs, out))
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    after = snapshot(root)
    new = sorted(set(after) - set(before))
    changed = sorted(k for k in before if after.get(k) != before[k])
    for name in new:  # keep later cases independent of a failure here
        p = root / name
        if p.is_file():
            p.unlink()
    check(code, err, case, inputs)
    assert not new and not changed, (new, changed)


def test_table_covers_every_command_and_class():
    per_command = Counter(c.command for c in cases.CASES)
    per_class = Counter(c.cls for c in cases.CASES)
    assert len(cases.CASES) >= 300
    assert set(per_command) == set(cases.BASE)
    assert set(per_class) == set(cases.CLASSES)
    assert len({c.id for c in cases.CASES}) == len(cases.CASES)


PICKS = [
    *("--bogus", "logspace:1e-4:1:100000000", "cuda", "{in}/run_nan", "spec_syntax.toml"),
    "cuda:9",
]


@pytest.fixture(scope="module")
def subprocesses(where):
    """Every pick run as ``python -m geomem`` at once (they use the idle cores; each test then
    reads its own): {pick: (case, returncode, stderr)}, and whether the folders stayed as
    they were over all of them."""
    root, inputs, out = where
    before = snapshot(root)
    runs = {}
    for pick in PICKS:
        case = next(c for c in cases.CASES if any(pick in a for a in c.args))
        proc = subprocess.Popen(
            [sys.executable, "-m", "geomem", *cases.argv(case, inputs, out)],
            env={**os.environ, "PYTHONPATH": SRC},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        runs[pick] = (case, proc)
    done = {}
    for pick, (case, proc) in runs.items():
        _, err = proc.communicate(timeout=600)  # a hang guard only
        done[pick] = (case, proc.returncode, err)
    return done, snapshot(root) == before


@pytest.mark.parametrize("pick", PICKS)
def test_real_subprocess(where, subprocesses, pick):
    _, inputs, _ = where
    done, unchanged = subprocesses
    case, code, err = done[pick]
    check(code, err, case, inputs)
    assert unchanged
