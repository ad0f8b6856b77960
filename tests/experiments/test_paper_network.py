"""`geomem experiment paper-network`: folders grouped into runs (configs equal but for steps),
the replay's early steps and the long run's later steps on one axis, rows appended once per
(run, step) and skipped on a rerun, the authors' panel equal to the library's probe read-out."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from geomem import seeds
from geomem.experiments.training_time.read import loss_steps, memorization_times
from geomem.experiments.training_time.readouts import PaperNetworkConfig, read_new
from geomem.experiments.training_time.snapshots import group_folders, run_snapshots
from geomem.experiments.training_time.summary import collect, summarise

pytestmark = pytest.mark.usefixtures("one_thread")
SMALL = dict(noise_var=(1e-3, 1e-1), n_points=2, population_n=500)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A tiny run of 60 steps (snapshots at 20, 40, 60) and its replay of 40 steps
    (snapshots at 20, 40): same data, init and per-step noise."""
    from geomem.train.config import train_preset
    from geomem.train.loop import train

    root = tmp_path_factory.mktemp("pn")
    kw = dict(preset="paper", n_train=16, width=16, emb_dim=16, n_blocks=1, checkpoint_every=20)
    train(train_preset("cpu", steps=60, **kw), root / "long", checkpoint_steps=(20, 40, 60))
    train(train_preset("cpu", steps=40, **kw), root / "replay", checkpoint_steps=(20, 40))
    return root


def test_folders_of_one_run_may_differ_only_in_steps(runs, tmp_path):
    groups = group_folders([runs / "replay", runs / "long"], "paper")
    assert list(groups) == ["n16-s0"] and len(groups["n16-s0"]) == 2
    snaps = run_snapshots(groups)
    assert [s.step for s in snaps] == [20, 40, 60]
    assert [s.folder.name for s in snaps] == ["replay", "replay", "long"]  # first listed wins
    other = tmp_path / "other"
    shutil.copytree(runs / "replay", other)
    conf = json.loads((other / "config.json").read_text())
    (other / "config.json").write_text(json.dumps({**conf, "lr": 0.5}))
    with pytest.raises(ValueError, match=r"\['lr'\] different in"):
        group_folders([runs / "long", other], "paper")
    with pytest.raises(ValueError, match="preset"):
        group_folders([runs / "long"], "paper-flat")
    with pytest.raises(ValueError, match="config.json"):
        group_folders([tmp_path], "paper")


def test_replay_and_long_run_agree_and_rows_are_appended_once(runs, tmp_path):
    from geomem.checkpoints.format import load_checkpoint

    a = load_checkpoint(runs / "replay" / "checkpoints" / "step-0000040.pt")
    b = load_checkpoint(runs / "long" / "checkpoints" / "step-0000040.pt")
    for k, w in a["ema"].items():  # a deterministic replay: the same trajectory
        np.testing.assert_array_equal(w.numpy(), b["ema"][k].numpy())
    cfg, out = PaperNetworkConfig(**SMALL), tmp_path / "out"
    first = read_new(cfg, out, [runs / "replay"])
    assert [r["step"] for r in first] == [20, 40]
    both = read_new(cfg, out, [runs / "replay", runs / "long"])
    assert [r["step"] for r in both] == [60]  # 20 and 40 skipped, 60 from the long run
    assert read_new(cfg, out, [runs / "long"]) == []
    lines = (out / "results.jsonl").read_text().splitlines()
    assert [json.loads(x)["run_id"] for x in lines] == ["n16-s0@20", "n16-s0@40", "n16-s0@60"]
    d = collect(out)["n16-s0"]
    assert list(d["steps"]) == [20, 40, 60] and d["network"].shape == (3, 3, 3)
    assert np.all(d["network"] <= np.array([2, 5, 23])) and np.all(d["network"] >= 0)
    with pytest.raises(ValueError, match="out"):  # a folder holding another config
        read_new(PaperNetworkConfig(**{**SMALL, "n_points": 3}), out, [runs / "long"])


def test_authors_panel_is_the_library_read_out_and_summary_is_taus(runs, tmp_path):
    from geomem.data import preset, query_points
    from geomem.scores.network import NetworkScore
    from geomem.spectra.network import AUTHORS_NETWORK_T, probe_scan

    cfg, out = PaperNetworkConfig(**SMALL), tmp_path / "out"
    read_new(cfg, out, [runs / "long"])
    row = np.load(out / "rows" / "n16-s0" / "step-0000040.npz")
    net = NetworkScore.from_run(runs / "long", step=40)
    x0 = query_points(
        "fresh", 1, seeds.rng(0, seeds.PAPER_NETWORK, 0), manifold=preset("paper"), noise="none"
    ).at(1.0)
    pts = np.repeat(x0[None], len(AUTHORS_NETWORK_T), axis=0)
    lib = probe_scan(net, pts, AUTHORS_NETWORK_T, rng=seeds.rng(0, seeds.PAPER_NETWORK, 1))
    np.testing.assert_array_equal(row["authors_values"], lib[:, 0])
    assert row["authors_values"].shape == (48, 29) and np.allclose(row["authors_values"][:, 0], 1)
    s = summarise(cfg, out)
    d = collect(out)["n16-s0"]
    members = [{k: d[k] for k in ("N", "steps", "network", "population")}]
    assert s["tau"] == json.loads(json.dumps(memorization_times(members)))
    dims = np.array([2, 5, 23])
    for k, step in enumerate(s["runs"]["n16-s0"]["loss_step"][-1]):  # tau where defined
        kept = d["population"][-1, k] >= dims[k] / 2
        assert step == (s["tau"]["tau"][k][0] if kept else None)
    for name in ("summary.json", "kept_vs_step.png", "authors_spectra.png"):
        assert (out / name).stat().st_size > 0


def test_loss_steps_is_the_first_step_below_half_the_population():
    steps = [10, 20, 40]
    net = np.array([[[2, 5]], [[0.9, 5]], [[0.5, 2]]], dtype=float)  # (S, L = 1, K = 2)
    assert loss_steps(steps, net, np.array([[2.0, 5.0]])) == [[20, 40]]
    assert loss_steps(steps, net, np.array([[0.0, 3.0]])) == [[None, None]]


def test_cli_refuses_a_folder_without_config_in_one_line(tmp_path, capsys):
    from geomem.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["experiment", "paper-network", "--runs", str(tmp_path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert exc.value.code == 2 and len(err) == 1 and err[0].startswith("geomem: error: --runs")
    assert not (tmp_path / "o").exists()  # nothing written


def test_rows_equal_the_training_time_studys_own_measurement(runs, tmp_path):
    """Two routes to the same counts: the read-only rows and ``study.measure_member``."""
    from geomem.experiments.training_time.study import TrainingTimeConfig, measure_member
    from geomem.train.config import TrainConfig

    cfg, out = PaperNetworkConfig(**SMALL), tmp_path / "out"
    read_new(cfg, out, [runs / "long"])
    d = collect(out)["n16-s0"]
    study = TrainingTimeConfig(n_train=(16,), panel_n=(16,), **SMALL)
    tcfg = TrainConfig.from_json(json.loads((runs / "long" / "config.json").read_text()))
    m = measure_member(study, tcfg, runs / "long")
    assert m["steps"] == list(d["steps"])
    np.testing.assert_array_equal(m["network"], d["network"])
    np.testing.assert_array_equal(m["exact"], d["exact"])
    np.testing.assert_array_equal(m["population"], d["population"])
