"""Outputs through the one boundary: the final write is a compare-and-rename under a lock, so
two different configs started at once into one ``--out`` cannot both succeed.

The race is forced, not hoped for: the test holds the output folder's lock itself, starts two
real ``geomem`` processes with different configs and waits until the kernel lists both as
waiting on that lock (``/proc/locks``, an event), then lets them go.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _waiters(folder: Path) -> set[int]:
    """Pids the kernel lists as blocked on a lock of ``folder`` (``/proc/locks`` '->' lines)."""
    st = os.stat(folder)
    ident = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    pids = set()
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" in parts and ident in parts:
            pids.add(int(parts[parts.index("->") + 4]))
    return pids


def _race(folder: Path, argvs: list[list[str]], written: Path, timeout: int) -> list:
    """Start ``argvs`` as real processes while this test holds ``folder``'s lock, wait until the
    kernel lists every one as blocked on it (the event), check that ``written`` does not exist
    yet, then release the lock: (exit code, stdout, stderr) per process, in ``argvs``' order."""
    env = {**os.environ, "PYTHONPATH": SRC}
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as if a third writer were renaming right now
    procs = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for argv in argvs
    ]
    try:
        # the event: every process passed its checks and waits on the lock (polled; a process
        # that ends instead, e.g. one that never locks, ends the wait too)
        want = {p.pid for p in procs}
        while not want <= _waiters(folder) and all(p.poll() is None for p in procs):
            time.sleep(0.005)  # paces the poll only; the condition above is the sync
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        assert not written.exists()
    finally:
        os.close(fd)  # releases the lock: they now race for it
    return [(p.wait(timeout=timeout), *p.communicate()) for p in procs]


def _one_winner(results: list, loser_says: str) -> int:
    """Exactly one process won (exit 0) and the other was refused in one line saying
    ``loser_says`` (exit 2); the winner's index."""
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, _, err in results if code == 2)
    assert loser.splitlines() == [loser.strip()] and loser_says in loser
    return next(i for i, (code, _, _) in enumerate(results) if code == 0)


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks")
def test_two_configs_into_one_out_cannot_both_win(tmp_path):
    out = tmp_path / "c.json"
    base = [sys.executable, "-m", "geomem", "theory", "critical-noise", "--n-train", "100"]
    argvs = [[*base, "--stds", stds, "--out", str(out)] for stds in ("1", "2")]
    results = _race(tmp_path, argvs, out, timeout=120)
    winner = _one_winner(results, "--out: expected a new path")
    assert json.loads(out.read_text())["stds"] == [[1.0], [2.0]][winner]


def test_claim_allows_the_same_result_and_refuses_another(tmp_path):
    from geomem.boundary.files import claim

    path = tmp_path / "r.json"
    with claim("--out", path, {"a": 1}):
        path.write_text(json.dumps({"config": {"a": 1}}))
    with claim("--out", path, {"a": 1}):  # a rerun of the same config: fine
        pass
    with (
        pytest.raises(ValueError, match="--out: expected a new path"),
        claim("--out", path, {"a": 2}),
    ):
        pytest.fail("entered the block for another config")


def test_a_fifo_is_refused_without_being_opened(tmp_path, capsys):
    from geomem.cli import main

    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)  # opening it for reading or writing would block forever
    with pytest.raises(SystemExit) as info:
        main(["theory", "collapse-time", "--eigvals", "1", "--load", "0.1", "--out", str(fifo)])
    assert info.value.code == 2
    assert "expected a regular file path, not a FIFO" in capsys.readouterr().err
    assert fifo.is_fifo()


def test_lid_final_write_rechecks_under_the_lock(tmp_path, monkeypatch, capsys):
    """Another config's `geomem lid` finishing into the same --out while this one computes
    (checked before computing, written after) is not overwritten: this one is refused."""
    import numpy as np

    import geomem.spectra.lid as lid_module
    from geomem.cli import main

    data = tmp_path / "x.npy"
    np.save(data, np.random.default_rng(0).normal(size=(6, 3)))
    out = tmp_path / "lid.csv"
    meta = Path(str(out) + ".json")
    other = {"config": {"noise_var": [0.5]}, "columns": [], "rows": 0}
    real = lid_module.lid

    def lid_while_another_finishes(*args, **kw):
        frame = real(*args, **kw)
        meta.write_text(json.dumps(other))  # the concurrent run's result lands first
        out.write_text("other\n")
        return frame

    monkeypatch.setattr(lid_module, "lid", lid_while_another_finishes)
    argv = ["lid", "--data", str(data), "--points", str(data), "--noise-var", "0.1"]
    with pytest.raises(SystemExit) as info:
        main([*argv, "--out", str(out)])
    err = capsys.readouterr().err
    assert info.value.code == 2, err
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    assert "Traceback" not in err and "--out: expected a new path" in lines[-1]
    assert [line for line in lines if line.startswith("geomem:")] == [lines[-1]]  # progress bar
    assert json.loads(meta.read_text()) == other and out.read_text() == "other\n"
    monkeypatch.setattr(lid_module, "lid", real)
    with pytest.raises(SystemExit) as info:  # legitimate: a new path is written
        main([*argv, "--out", str(tmp_path / "new.csv")])
    assert info.value.code == 0
    assert json.loads((tmp_path / "new.csv.json").read_text())["config"]["noise_var"] == [0.1]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks")
def test_two_trainings_into_one_run_dir_cannot_both_win(tmp_path):
    """`geomem train` checks and writes config.json under a lock on the run directory: of two
    different runs started at once into one --out, one trains and the other is refused."""
    run = tmp_path / "run"
    run.mkdir()
    base = [sys.executable, "-m", "geomem", "train", "--n-train", "20", "--steps", "2"]
    argvs = [[*base, "--width", width, "--out", str(run)] for width in ("16", "32")]
    results = _race(run, argvs, run / "config.json", timeout=300)
    winner = _one_winner(results, "out: expected an empty directory")
    assert json.loads((run / "config.json").read_text())["width"] == [16, 32][winner]


def test_report_rewrites_its_own_page_and_nothing_else(tmp_path):
    import shutil

    from geomem.runs.report import write_report

    root = tmp_path / "store"
    shutil.copytree(Path(__file__).parent / "runs" / "fixtures" / "store-v0.1.0", root)
    first = write_report(root).read_text()
    assert write_report(root).read_text() == first  # an earlier report is rewritten
    assert write_report(root, root / "second.html").read_text() == first  # a new name is fine
    notes = root / "notes.html"
    notes.write_text("<p>mine</p>")
    for out, why in [
        (notes, "--out: expected a new path or an earlier geomem report"),
        (tmp_path / "outside.html", "--out: expected a file directly in the store"),
        (root / "r.json", "--out: expected a path ending in .html"),
    ]:
        with pytest.raises(ValueError, match=why):
            write_report(root, out)
    assert notes.read_text() == "<p>mine</p>" and not (tmp_path / "outside.html").exists()
