"""A results store written by geomem 0.1.0 before the run engine moved to ``geomem.runs``
(``fixtures/store-v0.1.0``, made by ``geomem sweep fixtures/store-v0.1.0.spec.toml``) still
reads, reports and resumes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from geomem.experiments.registry import EXPERIMENTS
from geomem.runs import store
from geomem.runs.executors import make_executor
from geomem.runs.report import write_report
from geomem.runs.sweep import SweepSpec, load_spec, run_sweep

FIXTURE = Path(__file__).parent / "fixtures"


def _copy(tmp_path) -> Path:
    root = tmp_path / "store"
    shutil.copytree(FIXTURE / "store-v0.1.0", root)
    return root


def test_old_store_reads_and_reports(tmp_path):
    root = _copy(tmp_path)
    rows = store.read_rows(root)
    assert sorted(r["config"]["n_train"] for r in rows) == [16, 32]
    assert all(r["status"] == "ok" and r["experiment"] == "spectrum" for r in rows)
    html = write_report(root).read_text()
    assert html.count('<tr class="ok">') == 2


def test_old_store_resumes_finished_runs_skipped_new_ones_run(tmp_path):
    root = _copy(tmp_path)
    old = load_spec(FIXTURE / "store-v0.1.0.spec.toml", EXPERIMENTS)
    again = run_sweep(old, root, make_executor("inline"), progress=False)
    assert (again.total, again.skipped, again.ok) == (2, 2, 0)  # same ids: nothing rerun
    grown = SweepSpec(old.experiment, old.base, {**old.grid, "n_train": [16, 32, 24]})
    res = run_sweep(grown, root, make_executor("inline"), progress=False)
    assert (res.total, res.skipped, res.ok, res.failed) == (3, 2, 1, 0)
    rows = store.read_rows(root)
    assert sorted(r["config"]["n_train"] for r in rows) == [16, 24, 32]
    new = next(r for r in rows if r["config"]["n_train"] == 24)
    arrays = np.load(store.run_dir(root, new["run_id"]) / "arrays.npz", allow_pickle=False)
    old_arrays = np.load(store.run_dir(root, rows[0]["run_id"]) / "arrays.npz", allow_pickle=False)
    assert set(arrays.files) == set(old_arrays.files)  # the new run writes what the old ones did
