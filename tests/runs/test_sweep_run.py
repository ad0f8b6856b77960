"""Sweeps end to end: executors agree, failures are data, kill -9 and concurrent sweeps."""

from __future__ import annotations

import dataclasses
import re
import signal
import subprocess
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from geomem.cli import main
from geomem.experiments.registry import EXPERIMENTS
from geomem.runs import store
from geomem.runs.executors import DaskExecutor, InlineExecutor, make_executor
from geomem.runs.report import write_report
from geomem.runs.sweep import expand, load_spec, run_sweep
from tests.runs._sweep_helpers import env, geomem_cmd, raw_lines, spec_file, stable, unchecked

FAILING = 'points = ["train", "no-such-file.npy"]'  # the second raises when the run loads it
# (with the pre-flight check, which refuses it up front, left out: see _sweep_helpers)


def _sweep(tmp_path, executor, name, **kw):
    spec = unchecked(load_spec(spec_file(tmp_path / "spec.toml", grid=FAILING), EXPERIMENTS))
    res = run_sweep(spec, tmp_path / name, executor, progress=False, **kw)
    return res, raw_lines(tmp_path / name)


def test_executors_give_identical_rows_and_failures_are_recorded(tmp_path):
    pytest.importorskip("distributed")
    res, inline = _sweep(tmp_path, make_executor("inline"), "inline", retries=1)
    assert (res.total, res.ok, res.failed) == (4, 2, 2)
    failed = [r for r in inline if r["status"] == "failed"]
    assert all("no-such-file.npy" in r["error"] and r["attempts"] == 2 for r in failed)
    assert all(
        r["status"] == "ok" and r["metrics"]["N"] == r["config"]["n_train"]
        for r in inline
        if r["config"]["points"] == "train"
    )
    _, local = _sweep(tmp_path, make_executor("local", workers=2), "local", retries=1)
    _, dask = _sweep(tmp_path, DaskExecutor(workers=2, processes=False), "dask", retries=1)
    assert stable(inline) == stable(local) == stable(dask)
    ok = next(r["run_id"] for r in inline if r["status"] == "ok")
    a, b = (np.load(tmp_path / s / "runs" / ok / "arrays.npz") for s in ("inline", "dask"))
    assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files)


def test_restart_skips_finished_and_redoes_failed(tmp_path):
    _sweep(tmp_path, make_executor("inline"), "s")
    res, rows = _sweep(tmp_path, make_executor("inline"), "s")
    assert (res.skipped, res.ok, res.failed) == (2, 0, 2)
    assert Counter(r["status"] for r in rows) == {"ok": 2, "failed": 4}
    assert len(store.read_rows(tmp_path / "s")) == 4


def test_report_is_valid_html_with_existing_relative_links(tmp_path):
    _sweep(tmp_path, make_executor("inline"), "s")
    html = write_report(tmp_path / "s").read_text()
    checker = _HTMLCheck()
    checker.feed(html)
    checker.close()
    assert checker.stack == [] and checker.errors == []
    pngs = sorted(p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s").rglob("*.png"))
    assert len(pngs) == 2 and sorted(set(checker.images)) == pngs
    for link in checker.images + checker.links:
        assert not link.startswith(("/", "file:")) and (tmp_path / "s" / link).is_file()
    assert html.count("<tr class=") == 4 and "no-such-file.npy" in html
    n_train = [int(x) for x in re.findall(r"</a></td><td>\w+</td><td>(\d+)</td>", html)]
    assert n_train == [20, 20, 40, 40]  # rows sorted by the grid values


class _HTMLCheck(HTMLParser):
    VOID = frozenset({"img", "meta", "br", "hr", "link", "input"})

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.images, self.links = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag == "a":
            self.links.append(attrs["href"])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def _parents() -> dict[int, int]:
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(stat.parent.name)] = int(fields[1])
    return out


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (the pool's forkserver and its workers)."""
    parents, found, frontier = _parents(), set(), {pid}
    while frontier:
        frontier = {c for c, p in parents.items() if p in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_sigkill_midway_then_restart_runs_each_once(tmp_path):
    """kill -9 of a local-process sweep; its orphaned workers exit; a restart completes it."""
    n = 12  # enough runs that the kill lands mid-sweep even on a loaded machine
    spec = spec_file(
        tmp_path / "spec.toml",
        n_train=range(30, 30 + 10 * n, 10),
        base="noise_var = [1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 1.0]\nn_points = 4",
    )
    out = tmp_path / "s"
    cmd = geomem_cmd("sweep", spec, "--out", out, "--executor", "local", "--workers", 2)
    proc = subprocess.Popen(cmd, env=env(), stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    # events, not deadlines: the first finished row (however slow the machine), then the kill
    while len(store.read_rows(out)) < 1:
        assert proc.poll() is None, "the sweep ended before its first row"
        time.sleep(0.02)
    workers = _descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    while any(_alive(pid) for pid in workers):  # orphaned workers exit (exit_with_parent)
        time.sleep(0.02)
    done = len(raw_lines(out))
    assert 1 <= done < n, "the kill should land mid-sweep"
    res = run_sweep(load_spec(spec, EXPERIMENTS), out, make_executor("inline"), progress=False)
    assert (res.skipped, res.ok, res.busy) == (done, n - done, 0)
    rows = raw_lines(out)
    assert sorted(Counter(r["run_id"] for r in rows).values()) == [1] * n
    assert all((out / "runs" / r["run_id"] / "metrics.json").exists() for r in rows)


def test_two_concurrent_sweeps_share_a_store(tmp_path):
    a = spec_file(tmp_path / "a.toml", n_train=(20, 30, 40, 50))
    b = spec_file(tmp_path / "b.toml", n_train=(40, 50, 60, 70))
    out = tmp_path / "s"
    procs = [
        subprocess.Popen(
            geomem_cmd("sweep", s, "--out", out, "--executor", "inline"),
            env=env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in (a, b)
    ]
    for p in procs:
        assert p.wait(timeout=600) == 0, p.stderr.read()  # a hang guard only
    rows = raw_lines(out)
    ids = {c for s in (a, b) for c in _ids(s)}
    assert Counter(r["run_id"] for r in rows) == dict.fromkeys(ids, 1)
    assert all(r["status"] == "ok" for r in rows)


def _ids(spec):
    from geomem.runs.config import config_hash

    return [config_hash(c)[:16] for c in expand(load_spec(spec, EXPERIMENTS))]


@pytest.mark.parametrize(
    "body, where",
    [
        ("experiment = 'spectrum'\n[grid]\nn_trian = [1]\n", "grid.n_trian"),
        ("experiment = 'spectrum'\n[base]\nnoise_vr = [0.1]\n", "base.noise_vr"),
        ("experiment = 'spectrum'\nbsae = 1\n", "bsae"),
        ("experiment = 'nope'\n", "experiment"),
        ("experiment = 'spectrum'\n[base]\nnoise_var = [0.1]\n[grid]\nseed = 3\n", "grid.seed"),
    ],
)
def test_bad_spec_is_one_line_and_writes_nothing(tmp_path, capsys, body, where):
    spec = tmp_path / "bad.toml"
    spec.write_text(body)
    with pytest.raises(SystemExit) as e:
        main(["sweep", str(spec), "--out", str(tmp_path / "s"), "--executor", "inline"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1 and where in err
    assert not (tmp_path / "s").exists()


def test_executor_that_cannot_start_leaves_store_untouched(tmp_path, monkeypatch):
    spec = load_spec(spec_file(tmp_path / "spec.toml"), EXPERIMENTS)
    with pytest.raises(ValueError, match="--scheduler: expected a Dask scheduler at tcp"):
        pytest.importorskip("distributed")
        run_sweep(
            spec, tmp_path / "s", DaskExecutor("tcp://127.0.0.1:9", timeout=1), progress=False
        )
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)  # dask not installed
    with pytest.raises(ValueError, match=r"geomem\[dask\]"):
        run_sweep(spec, tmp_path / "s", make_executor("dask"), progress=False)
    assert not (tmp_path / "s").exists()


def test_rows_written_where_the_driver_cannot_see_them_are_an_error(tmp_path):
    class Elsewhere(InlineExecutor):  # workers whose disk is not the driver's
        def map(self, fn, tasks):
            for t in tasks:
                yield t, fn(dataclasses.replace(t, root=str(tmp_path / "worker-disk")))

    spec = load_spec(spec_file(tmp_path / "spec.toml"), EXPERIMENTS)
    with pytest.raises(OSError, match="file system every worker sees"):
        run_sweep(spec, tmp_path / "s", Elsewhere(), progress=False)
