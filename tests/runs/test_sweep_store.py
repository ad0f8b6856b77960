"""The results store: atomic rows, latest-per-run reads, version check, DataFrame view."""

from __future__ import annotations

import json
import sys

import pytest

from geomem.experiments.registry import EXPERIMENTS
from geomem.runs import store
from geomem.runs.executors import make_executor
from geomem.runs.sweep import load_spec, run_sweep
from tests.runs._sweep_helpers import spec_file


def _snapshot(root):
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_rows_append_and_latest_wins(tmp_path):
    store.create_store(tmp_path)
    store.append_row(tmp_path, {"run_id": "a", "status": "failed"})
    store.append_row(tmp_path, {"run_id": "b", "status": "ok"})
    store.append_row(tmp_path, {"run_id": "a", "status": "ok"})
    assert [r["status"] for r in store.read_rows(tmp_path, latest=False)] == ["failed", "ok", "ok"]
    assert {r["run_id"]: r["status"] for r in store.read_rows(tmp_path)} == {"a": "ok", "b": "ok"}
    assert store.finished_ids(tmp_path) == {"a", "b"}


def test_a_torn_line_is_skipped_not_fatal(tmp_path):
    store.create_store(tmp_path)
    store.append_row(tmp_path, {"run_id": "a", "status": "ok"})
    with open(tmp_path / store.RESULTS, "ab") as fh:
        fh.write(b'{"run_id": "b", "sta')  # what a torn write would leave
    assert [r["run_id"] for r in store.read_rows(tmp_path)] == ["a"]


def test_version_mismatch_is_one_line_and_changes_nothing(tmp_path):
    root = tmp_path / "store"
    store.create_store(root)
    store.append_row(root, {"run_id": "x", "status": "ok"})
    (root / store.META).write_text(json.dumps({"format": 1, "geomem": "0.0.1"}))
    before = _snapshot(root)
    spec = load_spec(spec_file(tmp_path / "spec.toml"), EXPERIMENTS)
    with pytest.raises(ValueError, match=r"store written by geomem .* got 'geomem 0\.0\.1") as e:
        run_sweep(spec, root, make_executor("inline"), progress=False)
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match=r"0\.0\.1"):
        store.read_results(root)
    assert _snapshot(root) == before


def test_read_results_dataframe_and_plain_fallback(tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    store.create_store(tmp_path)
    store.append_row(
        tmp_path, {"run_id": "a", "status": "ok", "config": {"seed": 1}, "metrics": {"m": 2.5}}
    )
    df = store.read_results(tmp_path)
    assert isinstance(df, pd.DataFrame)
    assert df.loc[0, "config.seed"] == 1 and df.loc[0, "metrics.m"] == 2.5
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    assert store.read_results(tmp_path) == [
        {"run_id": "a", "status": "ok", "config": {"seed": 1}, "metrics": {"m": 2.5}}
    ]
