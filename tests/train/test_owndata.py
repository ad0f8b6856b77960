"""Training on a user's data file: `geomem train --data` -> `geomem lid`, the run's record of
its data (sha256, shape, no preset), refusal against other data, scale-aware defaults, and
the preset route's identities unchanged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from geomem.cli import main

pd = pytest.importorskip("pandas")
ROOT = Path(__file__).resolve().parents[2]
# small enough to train in a few seconds and still read 4 (EMA short enough for 500 steps)
TRAIN = ("--steps", "500", "--ema-decay", "0.98", "--width", "32", "--batch-size", "128")


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def gaussian_4_in_16(n: int, seed: int) -> np.ndarray:
    """n points of a 4-dimensional standard Gaussian in a random 4-plane of R^16."""
    frame = np.linalg.qr(np.random.default_rng(99).standard_normal((16, 4)))[0]
    return np.random.default_rng(seed).standard_normal((n, 4)) @ frame.T


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A `geomem train --data` run on 2000 points of the 4-plane, and 16 fresh points."""
    d = tmp_path_factory.mktemp("owndata")
    np.save(d / "X.npy", gaussian_4_in_16(2000, 0))
    np.save(d / "Q.npy", gaussian_4_in_16(16, 1))
    np.save(d / "other.npy", gaussian_4_in_16(2000, 2))
    with pytest.raises(SystemExit) as exc:
        main(["train", "--data", str(d / "X.npy"), "--out", str(d / "RUN"), *TRAIN])
    assert exc.value.code == 0
    return d


def test_train_data_then_lid_reads_4_and_equals_the_library(trained, capsys):
    import geomem

    d = trained
    cfg = json.loads((d / "RUN" / "config.json").read_text())
    assert cfg["preset"] is None and cfg["data_shape"] == [2000, 16] and cfg["n_train"] == 2000
    assert cfg["data_sha256"] == hashlib.sha256((d / "X.npy").read_bytes()).hexdigest()
    args = ["lid", "--model", d / "RUN", "--data", d / "X.npy", "--points", d / "Q.npy"]
    code, _, err = run(capsys, *args, "--noise-var", "0.01", "--out", d / "lid.csv")
    assert code == 0, err
    got = pd.read_csv(d / "lid.csv")
    assert np.mean(got["threshold"] == 4) >= 0.75  # 4 at most points
    score = geomem.NetworkScore.from_run(d / "RUN")
    want = geomem.lid(score, np.load(d / "Q.npy"), [0.01])
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-4, atol=1e-4)  # float32


@pytest.mark.parametrize("command", ["lid", "spectrum", "sample", "audit"])
def test_a_data_run_is_refused_against_other_data_in_one_line(trained, capsys, command):
    d = trained
    model, data = ("--model", d / "RUN"), ("--data", d / "other.npy")
    line = {
        "lid": (
            *model,
            *data,
            "--points",
            d / "Q.npy",
            "--noise-var",
            "0.01",
            "--out",
            d / "x.csv",
        ),
        "spectrum": (
            *model,
            *data,
            "--noise-var",
            "0.01",
            "--n-points",
            "2",
            "--out",
            d / "x.json",
        ),
        "sample": (*model, *data, "--n-samples", "2", "--steps", "2", "--out", d / "x.npy"),
        "audit": (d / "RUN", "--train", d / "other.npy", "--samples", "0", "--out", d / "aud"),
    }[command]
    before = sorted(p.name for p in d.iterdir())
    code, _, err = run(capsys, command, *line)
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "trained on the queried data" in err and "data_sha256" in err
    assert sorted(p.name for p in d.iterdir()) == before  # nothing written


def test_spectrum_accepts_the_run_with_its_own_data(trained, capsys):
    d = trained
    code, _, err = run(
        capsys, "spectrum", "--model", d / "RUN", "--data", d / "X.npy", "--noise-var", "0.01",
        "--n-points", "4", "--out", d / "s.json",
    )  # fmt: skip
    assert code == 0, err
    dims = np.asarray(json.loads((d / "s.json").read_text())["dimension"])
    assert dims.shape == (1, 4)


def test_preset_runs_and_other_models_refuse_data_in_lid(trained, tmp_path, capsys):
    from geomem.train.config import train_preset

    run_dir = tmp_path / "preset-run"
    code, _, _ = run(capsys, "train", "--n-train", "50", "--steps", "1", "--out", run_dir)
    assert code == 0 and train_preset("cpu").preset == "paper"
    code, _, err = run(
        capsys, "lid", "--model", run_dir, "--data", trained / "X.npy", "--points",
        trained / "Q.npy", "--noise-var", "0.01", "--out", tmp_path / "l.csv",
    )  # fmt: skip
    assert code == 2 and err.startswith("geomem: error: --data: expected no --data")


def test_subset_changed_file_and_too_many_rows(tmp_path, capsys):
    from geomem.train.config import data_train_config
    from geomem.train.loop import training_set

    X = gaussian_4_in_16(100, 0)
    np.save(tmp_path / "X.npy", X)
    cfg, _ = data_train_config(str(tmp_path / "X.npy"), n_train=30, steps=1)
    assert np.array_equal(training_set(cfg), X[:30])  # the first N rows
    code, _, err = run(
        capsys, "train", "--data", tmp_path / "X.npy", "--n-train", "101", "--out",
        tmp_path / "r",
    )  # fmt: skip
    assert code == 2 and "--n-train" in err and "100 rows" in err and not (tmp_path / "r").exists()
    np.save(tmp_path / "X.npy", X + 1)  # the file changed after the run was configured
    with pytest.raises(ValueError, match="^data: expected the run's data file"):
        training_set(cfg)


def test_rerun_resumes_from_another_path_to_the_same_bytes(trained, tmp_path, capsys):
    d = trained
    copy = tmp_path / "moved.npy"
    copy.write_bytes((d / "X.npy").read_bytes())  # the same data, somewhere else
    before = (d / "RUN" / "checkpoint.pt").stat().st_mtime_ns
    code, _, err = run(capsys, "train", "--data", copy, "--out", d / "RUN", *TRAIN)
    assert code == 0, err
    assert (d / "RUN" / "checkpoint.pt").stat().st_mtime_ns == before  # finished: not retrained
    np.save(copy, gaussian_4_in_16(2000, 5))  # other bytes: another run
    code, _, err = run(capsys, "train", "--data", copy, "--out", d / "RUN", *TRAIN)
    assert code == 2 and "data_sha256" in err and len(err.splitlines()) == 1


def test_ensemble_lists_with_data(tmp_path, capsys):
    np.save(tmp_path / "X.npy", gaussian_4_in_16(60, 0))
    args = ["train", "--data", tmp_path / "X.npy", "--n-train", "20,60", "--seed", "0,1"]
    code, _, err = run(capsys, *args, "--steps", "2", "--out", tmp_path / "ens")
    assert code == 0, err
    for n in (20, 60):
        cfg = json.loads((tmp_path / "ens" / f"n{n}-s1" / "config.json").read_text())
        assert cfg["n_train"] == n and cfg["data_shape"] == [60, 16]


def test_scale_aware_defaults_follow_the_data_scale(tmp_path):
    from geomem.train.config import data_train_config

    X = gaussian_4_in_16(500, 0)
    np.save(tmp_path / "a.npy", X)
    np.save(tmp_path / "b.npy", 10 * X)
    a, sa = data_train_config(str(tmp_path / "a.npy"))
    b, sb = data_train_config(str(tmp_path / "b.npy"))
    for k in ("noise_min", "noise_max", "sigma_data"):
        assert getattr(b, k) == pytest.approx(10 * getattr(a, k), rel=1e-9)
    assert sb["total_var"] == pytest.approx(100 * sa["total_var"], rel=1e-9)
    # the top principal stds of a unit Gaussian: ~1 (4 of them), then ~0
    assert np.allclose(sa["top_std"][:4], 1, atol=0.1) and max(sa["top_std"][4:]) < 1e-6
    c, _ = data_train_config(str(tmp_path / "a.npy"), noise_min=0.5)  # given: kept
    assert c.noise_min == 0.5 and c.noise_max == a.noise_max


def test_committed_preset_runs_keep_their_identity():
    from geomem.runs.config import to_dict
    from geomem.train.config import TrainConfig, identity_of

    paths = sorted((ROOT / "docs" / "results").glob("*/N*/train/config.json"))
    assert paths
    for p in paths:
        old = json.loads(p.read_text())
        cfg = TrainConfig.from_json(old)
        assert cfg.identity() == identity_of(old)
        assert not {"data_file", "data_sha256", "data_shape"} & set(cfg.identity())
        # a preset run's config.json and config hash are what they were before data files
        assert not set(TrainConfig.DATA_FIELDS) & (set(cfg.to_json()) | set(to_dict(cfg)))


def test_lid_default_grid_follows_the_data_scale(tmp_path, capsys):
    X = 3 * gaussian_4_in_16(400, 0)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "Q.npy", X[:3])
    args = ["lid", "--data", tmp_path / "X.npy", "--points", tmp_path / "Q.npy", "--no-flipd"]
    code, _, err = run(capsys, *args, "--out", tmp_path / "l.csv")
    assert code == 0, err
    grid = json.loads((tmp_path / "l.csv.json").read_text())["config"]["noise_var"]
    s1 = np.sqrt(np.linalg.eigvalsh(np.cov(X, rowvar=False))[-1])
    assert np.allclose(grid, np.geomspace(1e-4 * s1**2, s1**2, 9), rtol=1e-9)
