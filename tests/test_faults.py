"""Faults: killed writers, full disks, dead pool workers, reruns into existing outputs, dry runs
that check what the run checks, thread counts of resumed runs."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from geomem import io
from geomem.cli import main
from geomem.runs import store
from geomem.runs.executors import make_executor
from geomem.runs.sweep import SweepSpec, run_sweep
from tests.runs._killer import KILLER

SRC = str(Path(__file__).resolve().parents[1] / "src")


def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def one_line(err: str, needle: str) -> None:
    """One error line, the last one (a progress bar may precede it when the fault comes late)."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert sum("geomem: error: " in ln for ln in lines) == 1, err
    assert lines[-1].startswith("geomem: error: ") and needle in lines[-1], err


WRITER = """
import sys, numpy as np
from geomem import io
path, kind = sys.argv[1], sys.argv[2]
if kind == "checkpoint":  # torch only where it is written (its import is most of the start-up)
    import torch
    from geomem.checkpoints.format import save_checkpoint
print("ready", flush=True)
k = 0
while True:
    k += 1
    big = np.full(20000, float(k))
    if kind == "json":
        io.write_json(path, {"k": k, "values": big})
    elif kind == "npy":
        io.save_npy(path, big)
    else:
        t = torch.full((20000,), float(k))
        save_checkpoint(path, config={"k": k}, step=k, model={"w": t}, ema={"w": t},
                        optimizer={}, rng={}, losses=[])
"""


@pytest.mark.parametrize("kind", ["json", "npy", "checkpoint"])
def test_killed_writer_never_leaves_a_half_file(tmp_path, kind):
    """kill -9 at random moments of a write loop: the file is always whole (or absent)."""
    from geomem.checkpoints.format import load_checkpoint

    path = tmp_path / f"out.{kind}"
    rng = random.Random(0)
    for _ in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), kind],
            env={**os.environ, "PYTHONPATH": SRC},
            stdout=subprocess.PIPE,
        )
        proc.stdout.readline()  # imports done
        time.sleep(rng.uniform(0.01, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not path.exists():
            continue
        if kind == "json":
            obj = json.loads(path.read_text())
            assert obj["values"] == [obj["k"]] * 20000
        elif kind == "npy":
            arr = np.load(path)
            assert arr.shape == (20000,) and np.all(arr == arr[0])
        else:
            ck = load_checkpoint(path)
            assert torch.all(ck["model"]["w"] == ck["step"])


def test_results_table_cut_back_to_its_last_whole_line(tmp_path):
    store.append_row(tmp_path, {"run_id": "a", "status": "ok"})
    with open(tmp_path / store.RESULTS, "ab") as fh:
        fh.write(b'{"run_id": "b", "stat')  # a writer died mid-line (disk full, kill)
    store.append_row(tmp_path, {"run_id": "c", "status": "ok"})
    lines = (tmp_path / store.RESULTS).read_text().splitlines()
    assert [json.loads(x)["run_id"] for x in lines] == ["a", "c"]


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_while_appending_a_row_keeps_the_table_whole(tmp_path, monkeypatch):
    store.append_row(tmp_path, {"run_id": "a", "status": "ok"})
    before = (tmp_path / store.RESULTS).read_bytes()
    real = os.write

    def half(fd, data):  # the disk fills after half the line
        real(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half)
    with pytest.raises(OSError, match=r"results.jsonl: expected .*No space left"):
        store.append_row(tmp_path, {"run_id": "b", "status": "ok"})
    monkeypatch.setattr(os, "write", real)
    assert (tmp_path / store.RESULTS).read_bytes() == before
    store.append_row(tmp_path, {"run_id": "c", "status": "ok"})
    assert [r["run_id"] for r in store.read_rows(tmp_path)] == ["a", "c"]


def _tmpfs(path: Path, size: str = "96k") -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    return res.returncode == 0


def test_full_disk_spectrum_and_train_are_one_line_naming_the_path(tmp_path, capsys, monkeypatch):
    small = tmp_path / "small"
    mounted = _tmpfs(small)
    try:
        if not mounted:  # no tmpfs here: inject the full disk into every file write
            monkeypatch.setattr(Path, "write_text", _no_space)
            monkeypatch.setattr(np, "save", _no_space)
            monkeypatch.setattr(torch, "save", lambda *a, **k: _raise_torch_full())
        else:  # fill it up
            fd = os.open(small / "filler", os.O_WRONLY | os.O_CREAT)
            with pytest.raises(OSError):
                for _ in range(1000):
                    os.write(fd, b"x" * 4096)
            os.close(fd)
        out = small / "s.json"
        code, _, err = cli(
            capsys,
            "spectrum",
            "--noise-var",
            "0.1",
            "--n-points",
            "2",
            "--n-train",
            "2000",
            "--points",
            "fresh",
            "--out",
            out,
        )
        assert code == 2 and "Traceback" not in err
        one_line(err, str(small))
        assert not out.exists() and not Path(str(out) + ".points.npy").exists()
        assert not [p for p in small.iterdir() if p.name.endswith(".tmp")]
        run = small / "run"
        code, _, err = cli(capsys, "train", "--out", run, "--steps", "2", "--n-train", "50")
        assert code == 2 and "Traceback" not in err
        one_line(err, str(run))
    finally:
        if mounted:
            subprocess.run(["umount", str(small)], check=False)


def _raise_torch_full():
    raise RuntimeError(
        "[enforce fail at inline_container.cc:778] . PytorchStreamWriter failed "
        "writing file data/0: file write failed"
    )


def test_killed_pool_worker_is_retried_and_failures_exit_nonzero(tmp_path, capsys):
    grid = {"n": [0, 1, 2]}
    spec = SweepSpec(KILLER, {"marker": str(tmp_path / "m1")}, grid)
    res = run_sweep(
        spec, tmp_path / "s1", make_executor("local", workers=2), retries=1, progress=False
    )
    # a run that finished in the pool just before it broke is found finished on its retry
    # (counted as skipped): every run is done once, none failed
    assert res.failed == 0 and res.ok + res.skipped == 3 and res.ok >= 1  # n = 0 reran
    rows = store.read_rows(tmp_path / "s1", latest=False)
    assert sorted(r["config"]["n"] for r in rows if r["status"] == "ok") == [0, 1, 2]
    spec = SweepSpec(KILLER, {"marker": str(tmp_path / "m2")}, grid)
    res = run_sweep(
        spec, tmp_path / "s2", make_executor("local", workers=2), retries=0, progress=False
    )
    assert res.failed >= 1 and res.ok + res.failed == 3
    rows = store.read_rows(tmp_path / "s2")
    assert any("BrokenProcessPool" in r["error"] for r in rows if r["status"] == "failed")


def test_sweep_with_failed_runs_exits_1(tmp_path, capsys, monkeypatch):
    from geomem.experiments.registry import EXPERIMENTS
    from tests.runs._sweep_helpers import UNCHECKED

    # a missing points file is refused up front now (exit 2); without the pre-flight check
    # it fails in its run, the run failure this test is about
    monkeypatch.setitem(EXPERIMENTS, "spectrum", UNCHECKED)
    spec = tmp_path / "spec.toml"
    spec.write_text(
        "experiment = 'spectrum'\n[base]\nnoise_var = [0.1]\nn_points = 2\n"
        "[grid]\nn_train = [20]\npoints = ['train', 'no-such-file.npy']\n"
    )
    code, out, err = cli(capsys, "sweep", spec, "--out", tmp_path / "s", "--executor", "inline")
    assert code == 1 and "1 ok, 1 failed" in out
    one_line(err, "runs: expected every run to finish")
    monkeypatch.undo()  # with the check: refused before the first run, nothing written
    code, out, err = cli(capsys, "sweep", spec, "--out", tmp_path / "s2", "--executor", "inline")
    assert code == 2 and not (tmp_path / "s2").exists()
    one_line(err, "points: expected an existing readable file")


def test_outputs_of_another_config_are_refused(tmp_path, capsys):
    out = tmp_path / "s.json"
    base = ("spectrum", "--noise-var", "0.1", "--n-points", "2", "--n-train", "30", "--out", out)
    assert cli(capsys, *base)[0] in (0, None)
    first = out.read_bytes()
    assert cli(capsys, *base)[0] in (0, None)  # the same request may rewrite its own result
    code, _, err = cli(capsys, *base, "--seed", "1")
    assert code == 2 and out.read_bytes() == first
    one_line(err, "--out: expected a new path or one holding this same result")
    phase = (
        "phase-diagram",
        "--n-train",
        "32",
        "--noise-var",
        "0.1",
        "--seeds",
        "0",
        "--n-points",
        "2",
        "--out",
        tmp_path / "p",
    )
    assert cli(capsys, *phase)[0] in (0, None)
    cfg = (tmp_path / "p" / "config.json").read_bytes()
    code, _, err = cli(capsys, *phase, "--threshold", "0.4")
    assert code == 2 and (tmp_path / "p" / "config.json").read_bytes() == cfg
    one_line(err, "out: expected a new directory or one holding this same phase diagram")


def test_dry_run_refuses_what_the_run_refuses(tmp_path, capsys):
    bad = np.ones((5, 3))
    bad[1, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    for args, needle in [
        (("spectrum", "--noise-var", "0.1", "--data", tmp_path / "nan.npy"), "finite values"),
        (("spectrum", "--noise-var", "0.1", "--data", tmp_path / "none.npy"), "existing"),
        (("spectrum", "--noise-var", "0.1", "--device", "cuda:9"), "device"),
        (("spectrum", "--noise-var", "0.1", "--n-train", "10000000000000"), "fits in memory"),
        (("train", "--n-train", "10000000000000"), "fits in memory"),
        (("experiment", "images", "--dataset", "mnist", "--root", tmp_path / "x"), "root"),
    ]:
        code, _, err = cli(capsys, *args, "--out", tmp_path / "o", "--dry-run")
        assert code == 2
        one_line(err, needle)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nan.npy"]


def test_threads_recorded_warned_on_resume_and_checkpoint_bytes_reproducible(tmp_path):
    from geomem.train.config import train_preset
    from geomem.train.loop import ThreadsWarning, train

    cfg = train_preset("cpu", n_train=40, steps=4, checkpoint_every=2)
    train(cfg, tmp_path / "a")
    train(cfg, tmp_path / "b")
    a, b = ((tmp_path / r / "checkpoint.pt").read_bytes() for r in "ab")
    assert a == b
    threads = torch.get_num_threads()
    assert json.loads((tmp_path / "a" / "config.json").read_text())["threads"] == threads
    longer = train_preset("cpu", n_train=40, steps=4, checkpoint_every=2)
    ck = tmp_path / "a" / "checkpoint.pt"
    obj = torch.load(ck, weights_only=True)
    obj["config"]["threads"] = threads + 1
    obj["step"] = 2
    with io.atomic_path(ck) as tmp:
        torch.save(obj, tmp)
    with pytest.warns(ThreadsWarning, match=f"with {threads} threads, trained so far with"):
        train(longer, tmp_path / "a")
