"""`geomem sample`, `geomem copies` on its output, and the copies study (issue: samples and
copies). Behaviour that could fail: the exact score of few points copies every sample, the
population score of the same manifold copies none, the CLI's files agree with the library."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geomem.cli import main
from geomem.data import preset
from geomem.experiments.copies import COPIES, CopiesConfig, CopiesSweepConfig, run_copies_sweep
from geomem.experiments.registry import EXPERIMENTS
from geomem.experiments.samples import SampleConfig, run_samples
from geomem.memorization import copy_table
from geomem.runs.executors import make_executor
from geomem.runs.sweep import SweepSpec, run_sweep
from geomem.sampling import SamplerConfig
from geomem.train import TrainConfig, train

pytestmark = pytest.mark.usefixtures("one_thread")
FAST = SamplerConfig(steps=12)


def _ok(argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code in (0, None)


def _cli(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    return e.value.code, capsys.readouterr()


def test_sample_cli_exact_copies_and_files_agree_with_library(tmp_path, capsys):
    out = tmp_path / "s.npy"
    _ok(["sample", "--preset", "paper", "--n-train", "16", "--n-samples", "24", "--steps", "12",
          "--out", str(out)])  # fmt: skip
    S = np.load(out, allow_pickle=False)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert S.shape == (24, 30) and meta["copies"]["criteria"]["ratio"]["fraction"] == 1.0
    assert meta["score_evaluations_per_sample"] == 2 * 12 + 1
    # the same config through the library gives the same samples (explicit seeds only)
    S2, summary, _ = run_samples(
        SampleConfig(n_train=16, n_samples=24, sampler=SamplerConfig(steps=12))
    )
    np.testing.assert_array_equal(S, S2)
    X = preset("paper").sample(16, np.random.default_rng([0, 0]))
    assert np.sqrt(((S[:, None] - X[None]) ** 2).sum(-1)).min(1).max() < 3 * 0.01 * np.sqrt(30)
    # `geomem copies` on the written files reproduces the table
    _ok(["copies", "--samples", str(out), "--train", str(_save(tmp_path, X)), "--blocks",
          "paper", "--out", str(tmp_path / "c.json")])  # fmt: skip
    table = json.loads((tmp_path / "c.json").read_text())
    assert table["criteria"] == summary["copies"]["criteria"]
    assert [b["fraction"] for b in table["blocks"]] == [1.0, 1.0, 1.0]


def _save(tmp_path, X):
    np.save(tmp_path / "X.npy", X)
    return tmp_path / "X.npy"


def test_population_samples_of_a_flat_preset_are_not_copies():
    cfg = SampleConfig(
        preset="paper-flat", n_train=16, model="population", n_samples=64, sampler=FAST
    )
    _, summary, arrays = run_samples(cfg)
    assert summary["copies"]["criteria"]["ratio"]["fraction"] <= 0.05
    assert np.median(arrays["distance"][:, 0]) > 0.05  # far from every training point


@pytest.mark.parametrize(
    ("argv", "param"),
    [
        (["--sampler", "euler"], "sampler"),
        (["--steps", "0"], "steps"),
        (["--n-samples", "0"], "--n-samples"),
        (["--sigma-min", "nan"], "--sigma-min"),
        (["--out", "OUT/s.txt"], "--out"),
        (["--model", "no-such-run"], "model"),
        (["--threshold", "1.5"], "threshold"),
        (["--data", "missing.npy"], "data"),
    ],
)
def test_sample_bad_input_one_line_exit_2_nothing_written(tmp_path, capsys, argv, param):
    base = {"--out": str(tmp_path / "OUT" / "s.npy"), "--n-train": "16"}
    args = dict(zip(argv[::2], argv[1::2], strict=True))
    args = {**base, **{k: v.replace("OUT", str(tmp_path / "OUT")) for k, v in args.items()}}
    flat = ["sample"] + [x for kv in args.items() for x in kv]
    code, cap = _cli(flat, capsys)
    lines = cap.err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("geomem: error: ")
    assert param in lines[0] and "Traceback" not in cap.err
    assert not (tmp_path / "OUT").exists()


def test_copies_study_three_models_and_a_given_network(tmp_path):
    tcfg = TrainConfig(n_train=24, steps=40, batch_size=32, lr=2e-3, width=16, emb_dim=16)
    train(tcfg, tmp_path / "net-24")
    base = CopiesConfig(
        n_train=24,
        n_samples=32,
        sampler=FAST,
        noise_var=(1e-2,),
        n_points=2,
        population_n=2000,
        network_run=str(tmp_path / "net-{N}"),
    )
    results = run_copies_sweep(CopiesSweepConfig((24,), base), tmp_path / "study")
    m = results[0]["models"]
    assert m["exact"]["copy_fraction"] == 1.0 and m["exact"]["block_copy_fraction"][1] == 1.0
    assert m["population"]["copy_fraction"] <= 0.1
    assert set(m) == {"exact", "population", "network"}
    for name in ("table.md", "copy_fraction.png", "ratio_histograms.png", "summary.json"):
        assert (tmp_path / "study" / name).stat().st_size > 0
    # stored arrays reproduce the stored fractions through the library
    arrays = np.load(tmp_path / "study" / "N24" / "arrays.npz", allow_pickle=False)
    X = preset("paper").sample(24, np.random.default_rng([0, 0]))
    again = copy_table(arrays["samples_exact"], X).summary["criteria"]["ratio"]["fraction"]
    assert again == m["exact"]["copy_fraction"]
    with pytest.raises(ValueError, match="network_run: expected"):  # no run for this N
        CopiesConfig(n_train=25, network_run=str(tmp_path / "net-{N}"))
    with pytest.raises(ValueError, match="a run trained on the queried data"):
        CopiesConfig(n_train=24, seed=1, network_run=str(tmp_path / "net-{N}"))


def test_copies_is_a_sweepable_experiment(tmp_path):
    assert EXPERIMENTS["copies"] is COPIES
    base = {"models": ["exact"], "n_samples": 16, "sampler": {"steps": 8}, "noise_var": [0.01],
            "n_points": 2}  # fmt: skip
    res = run_sweep(
        SweepSpec(COPIES, base, {"n_train": [8, 16]}),
        tmp_path,
        make_executor("inline"),
        progress=False,
    )
    assert (res.ok, res.failed) == (2, 0)
    rows = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert all(r["metrics"]["models"]["exact"]["copy_fraction"] == 1.0 for r in rows)
