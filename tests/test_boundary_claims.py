"""Directory outputs written under a lock: ``run_in_dir`` (the `geomem experiment ...`
studies), `geomem demo` and `geomem phase-diagram` check config.json again while holding a
lock on the output folder, so a different config that got there first is not overwritten.

The race is forced, not hoped for: the test holds the folder's lock, starts the command in a
thread and waits until the kernel lists this process as waiting on that lock (``/proc/locks``,
an event); then, as the concurrent winner, it writes its own config.json and lets go.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.test_boundary_outputs import _waiters

pytestmark = pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs /proc/locks")


def _race(folder: Path, call, winner) -> dict:
    """Run ``call()`` in a thread while this test holds ``folder``'s lock; once the thread
    waits on it, run ``winner()`` (the other config's write) and release. Returns the call's
    outcome: {"result": ...} or {"exc": ...}."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    box: dict = {}

    def target():
        try:
            box["result"] = call()
        except BaseException as exc:  # SystemExit of main() included
            box["exc"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    try:
        while os.getpid() not in _waiters(folder) and thread.is_alive():
            time.sleep(0.005)  # paces the poll only; the condition above is the sync
        assert thread.is_alive(), f"finished without waiting on the folder's lock: {box}"
        winner()
    finally:
        os.close(fd)
    thread.join(timeout=300)
    assert not thread.is_alive()
    return box


@dataclass(frozen=True)
class Cfg:
    a: int


def test_run_in_dir_rechecks_config_json_under_the_lock(tmp_path):
    from geomem.runs.base import run_in_dir

    ran = []

    def run(cfg, run_dir, progress=False):
        ran.append(cfg.a)
        return {"a": cfg.a}

    out = tmp_path / "study"
    other = {"a": 1}
    box = _race(
        out,
        lambda: run_in_dir(Cfg(2), out, run),
        lambda: (out / "config.json").write_text(json.dumps(other)),
    )
    assert isinstance(box.get("exc"), ValueError), box
    assert str(box["exc"]).startswith("out: expected an empty directory or one holding")
    assert ran == [] and json.loads((out / "config.json").read_text()) == other
    assert run_in_dir(Cfg(1), out, run) == {"a": 1} and ran == [1]  # the same config runs


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--n-train", "20", "--n-noise", "2", "--n-points", "2", "--population-n", "50"],
        [
            "phase-diagram",
            "--n-train",
            "8",
            "--noise-var",
            "0.1",
            "--seeds",
            "0",
            "--n-points",
            "2",
        ],
    ],
    ids=["demo", "phase-diagram"],
)
def test_directory_commands_lose_to_a_concurrent_other_config(tmp_path, capsys, argv):
    from geomem.cli import main

    out = tmp_path / "out"
    other = {"someone": "else"}
    box = _race(
        out,
        lambda: main([*argv, "--out", str(out)]),
        lambda: (out / "config.json").write_text(json.dumps(other)),
    )
    err = capsys.readouterr().err
    assert isinstance(box.get("exc"), SystemExit) and box["exc"].code == 2, (box, err)
    assert err.splitlines() == [err.strip()] and "out: expected " in err, err
    assert json.loads((out / "config.json").read_text()) == other
    assert sorted(p.name for p in out.iterdir()) == ["config.json"]  # nothing else written
