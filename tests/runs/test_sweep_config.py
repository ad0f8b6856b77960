"""Configs as data: dict/TOML/JSON round trips, unknown fields, stable hashes, --dry-run."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tomllib

import pytest
from typer.testing import CliRunner

from geomem.cli import app
from geomem.experiments.spectrum.config import SpectrumConfig
from geomem.runs import config as C
from tests.runs._sweep_helpers import env

CFGS = [
    SpectrumConfig(noise_var=(1e-3, 0.5), n_train=7, seed=3),
    SpectrumConfig(noise_var=(0.1,), preset=None, data_file="X.npy", points="origin"),
]


@pytest.mark.parametrize("cfg", CFGS)
@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_file_round_trip(tmp_path, cfg, suffix):
    path = tmp_path / f"cfg{suffix}"
    C.save_config(cfg, path)
    back = C.load_config(SpectrumConfig, path)
    assert back == cfg
    assert C.config_hash(back) == C.config_hash(cfg)


def test_mini_toml_writer_matches_tomli_w(monkeypatch):
    table = {
        "a": 1,
        "b": -2.5e-7,
        "c": 'x "q" \\ é',
        "d": [1.0, 2.0],
        "e": True,
        "f": None,
        "g": [[1, 2], ["s"]],
    }
    with_lib = tomllib.loads(C.dumps_toml(table))
    monkeypatch.setitem(sys.modules, "tomli_w", None)  # as if tomli-w were not installed
    without = tomllib.loads(C.dumps_toml(table))
    assert with_lib == without
    assert without["__null__"] == ["f"] and "f" not in without


def test_unknown_field_names_it():
    data = {**C.to_dict(CFGS[0]), "n_trian": 5}
    with pytest.raises(ValueError, match=r"SpectrumConfig\.n_trian: expected a field of"):
        C.from_dict(SpectrumConfig, data)


def test_validation_still_runs_in_post_init():
    with pytest.raises(ValueError, match="n_train"):
        C.from_dict(SpectrumConfig, {"noise_var": [0.1], "n_train": 0})


def test_hash_changes_with_any_field_and_ignores_key_order():
    h = C.config_hash(CFGS[0])
    assert len(h) == 64
    assert C.config_hash(dataclasses.replace(CFGS[0], seed=4)) != h
    assert C.config_hash(dataclasses.replace(CFGS[0], noise_var=(1e-3, 0.5000001))) != h
    shuffled = dict(reversed(list(C.to_dict(CFGS[0]).items())))
    assert C.config_hash(C.from_dict(SpectrumConfig, shuffled)) == h


def test_spectrum_dry_run_prints_config_and_writes_nothing(tmp_path):
    out = tmp_path / "s.json"
    res = CliRunner().invoke(
        app,
        ["spectrum", "--out", str(out), "--noise-var", "0.1,0.01", "--n-train", "9", "--dry-run"],
    )
    assert res.exit_code == 0, res.output
    shown = json.loads(res.output)
    assert C.from_dict(SpectrumConfig, shown["config"]) == SpectrumConfig(
        noise_var=(0.1, 0.01), n_train=9
    )
    assert shown["config_hash"] == C.config_hash(SpectrumConfig(noise_var=(0.1, 0.01), n_train=9))
    assert not list(tmp_path.iterdir())


def test_hash_stable_across_processes_and_core_imports_without_extras():
    """A fresh process (other hash seed, no dask/pandas/tomli-w) gives the same hash."""
    code = (
        "import sys; sys.modules.update(distributed=None, dask=None, pandas=None, tomli_w=None);"
        "import geomem.cli, geomem.runs.sweep, geomem.runs.report;"
        "from geomem.runs.config import config_hash, dumps_toml;"
        "from geomem.experiments.spectrum.config import SpectrumConfig as S;"
        "print(config_hash(S(noise_var=(1e-3, 0.5), n_train=7, seed=3)));"
        "print(dumps_toml({'a': [1, 2]}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env(), "PYTHONHASHSEED": "12345"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    first, rest = out.split("\n", 1)
    assert first == C.config_hash(CFGS[0])
    assert tomllib.loads(rest) == {"a": [1, 2]}
