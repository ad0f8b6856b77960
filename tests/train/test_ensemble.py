import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from geomem.checkpoints.snapshots import list_checkpoints, log_grid
from geomem.cli import main
from geomem.scores.network import NetworkScore
from geomem.train import TrainConfig, load_checkpoint, train
from geomem.train.ensemble import train_ensemble
from geomem.train.flat import step_kernel
from geomem.train.loop import load_run

SRC = str(Path(__file__).resolve().parents[2] / "src")
TINY = {
    "width": 32,
    "emb_dim": 16,
    "batch_size": 32,
    "lr": 2e-3,
    "ema_decay": 0.9,
    "checkpoint_every": 20,
}

pytestmark = pytest.mark.usefixtures("one_thread")


def _rel_err(a: dict, b: dict) -> float:
    return max(float((a[k] - b[k]).abs().max() / b[k].abs().max()) for k in b)


@pytest.mark.parametrize("optimizer, clip", [("radam", 0.3), ("adam", 0.0)])
def test_members_equal_single_model_training(tmp_path, optimizer, clip):
    kw = {**TINY, "steps": 50, "optimizer": optimizer, "grad_clip": clip}
    cfgs = [TrainConfig(n_train=n, seed=s, **kw) for n, s in [(16, 0), (64, 1), (200, 2)]]
    dirs = [tmp_path / f"e{i}" for i in range(3)]
    metrics = train_ensemble(cfgs, dirs)
    for i, cfg in enumerate(cfgs):
        ref = train(cfg, tmp_path / f"s{i}")
        a, b = (
            load_checkpoint(dirs[i] / "checkpoint.pt"),
            load_checkpoint(tmp_path / f"s{i}" / "checkpoint.pt"),
        )
        assert a.keys() == b.keys() and a["model"].keys() == b["model"].keys()
        assert _rel_err(a["model"], b["model"]) < 1e-5
        assert _rel_err(a["ema"], b["ema"]) < 1e-5
        sa, sb = a["optimizer"]["state"], b["optimizer"]["state"]
        assert a["optimizer"]["param_groups"] == b["optimizer"]["param_groups"]
        assert all(torch.equal(sa[j]["step"], sb[j]["step"]) for j in sb)
        assert (
            _rel_err({j: sa[j]["exp_avg_sq"] for j in sb}, {j: sb[j]["exp_avg_sq"] for j in sb})
            < 1e-4
        )
        assert a["rng"] == b["rng"] and a["config"] == b["config"]
        assert metrics[i]["losses"] == pytest.approx(ref["losses"], rel=1e-5)
    # the members are different networks (different data, seeds), not one network three times
    m0, m1 = (load_checkpoint(d / "checkpoint.pt")["model"] for d in dirs[:2])
    assert _rel_err(m0, m1) > 0.1


def test_clipping_is_per_member():
    """Each member's gradient row is clipped by its own global norm, as clip_grad_norm_ does
    for that member's network alone: a large-gradient member does not shrink a small one."""
    g = torch.randn(3, 50, generator=torch.Generator().manual_seed(0))
    g[0] *= 100  # clipped
    g[2] *= 1e-3  # untouched
    parts = [torch.nn.Parameter(torch.zeros(20)), torch.nn.Parameter(torch.zeros(30))]
    want = []
    for row in g:
        parts[0].grad, parts[1].grad = row[:20].clone(), row[20:].clone()
        torch.nn.utils.clip_grad_norm_(parts, 1.0)
        want.append(torch.cat([parts[0].grad, parts[1].grad]))
    z = [torch.zeros(3, 50) for _ in range(5)]
    got = g.clone()
    step_kernel(z[0], got, z[1], z[2], z[3], z[4], (0.9, 0.999), 1e-8, 1.0, 0.1, 1.0, -1e-3, True)
    torch.testing.assert_close(got, torch.stack(want), rtol=1e-6, atol=0)
    assert torch.linalg.vector_norm(got[0]) == pytest.approx(1.0, rel=1e-5)
    assert torch.equal(got[2], g[2])


_SCRIPT = """
import sys
from pathlib import Path
from geomem.train import TrainConfig
from geomem.train.ensemble import train_ensemble
root = Path(sys.argv[1])
cfgs = [TrainConfig(n_train=n, seed=s, steps={steps}, **{tiny}) for n, s in [(30, 0), (90, 1)]]
train_ensemble(cfgs, [root / "a", root / "b"], checkpoint_steps=[7, 40, 64, 256])
"""


def _spawn(root: Path, steps: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC, "OMP_NUM_THREADS": "1"}
    code = _SCRIPT.format(steps=steps, tiny=repr(TINY))
    return subprocess.Popen(
        [sys.executable, "-c", code, str(root)], env=env, stderr=subprocess.PIPE
    )


def _weights(path: Path) -> dict:
    ck = load_checkpoint(path)
    return {
        **{f"model.{k}": v for k, v in ck["model"].items()},
        **{f"ema.{k}": v for k, v in ck["ema"].items()},
        **{f"opt.{j}.{k}": v for j, s in ck["optimizer"]["state"].items() for k, v in s.items()},
    }


def test_kill_and_resume_is_bit_identical(tmp_path):
    steps = 300
    full, killed = tmp_path / "full", tmp_path / "killed"
    proc = _spawn(killed, steps)
    while not list(killed.glob("ensemble-*.pt")):  # the event: the first stacked state is saved
        assert proc.poll() is None, proc.stderr.read().decode()  # it ended before that
        time.sleep(0.02)  # paces the poll only; the condition above is the sync
    proc.send_signal(signal.SIGKILL)  # kill -9 at whatever step it has reached by now
    proc.wait()
    assert not (killed / "b" / "metrics.json").exists(), "the run finished before it was killed"
    ref, resumed = _spawn(full, steps), _spawn(killed, steps)  # the same command resumes
    assert resumed.wait() == 0 and ref.wait() == 0
    assert not list(killed.glob("ensemble-*.pt"))  # the stacked state is gone when done
    for member in ("a", "b"):
        a, b = (
            _weights(full / member / "checkpoint.pt"),
            _weights(killed / member / "checkpoint.pt"),
        )
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a)
        for step in (7, 40, 256):
            a = _weights(full / member / "checkpoints" / f"step-{step:07d}.pt")
            b = _weights(killed / member / "checkpoints" / f"step-{step:07d}.pt")
            assert all(torch.equal(a[k], b[k]) for k in a)


def test_log_grid_checkpoints_exist_and_load(tmp_path):
    grid = log_grid(40, first=5)
    assert grid == (5, 10, 20, 40)
    cfgs = [TrainConfig(n_train=n, steps=40, **TINY) for n in (20, 50)]
    dirs = [tmp_path / "a", tmp_path / "b"]
    train_ensemble(cfgs, dirs, checkpoint_steps=grid)
    train(cfgs[1], tmp_path / "single", checkpoint_steps=grid)  # the single loop keeps them too
    for run in (dirs[1], tmp_path / "single"):
        kept = list_checkpoints(run)
        assert [k for k, _ in kept] == list(grid)
        assert all(load_checkpoint(p)["step"] == k for k, p in kept)
    final = load_checkpoint(dirs[0] / "checkpoint.pt")["model"]
    last = load_checkpoint(list_checkpoints(dirs[0])[-1][1])["model"]
    assert all(torch.equal(final[k], last[k]) for k in final)
    for k in (5, 20):  # the ensemble's member and the single loop agree at every kept time
        a = load_run(dirs[1], step=k)[0].state_dict()
        b = load_run(tmp_path / "single", step=k)[0].state_dict()
        assert _rel_err(a, b) < 1e-5
    early, late = NetworkScore.from_run(dirs[0], step=5), NetworkScore.from_run(dirs[0])
    x = torch.randn(4, 30, dtype=torch.float64)
    assert not torch.allclose(early(x, 0.3), late(x, 0.3))
    with pytest.raises(
        ValueError,
        match=r"step: expected a step with a kept checkpoint \(one of \[5, 10, 20, 40\]\)",
    ):
        load_run(dirs[0], step=7)
    # finished members come back without training
    stamp = (dirs[0] / "checkpoint.pt").stat().st_mtime_ns
    again = train_ensemble(cfgs, dirs)
    assert (dirs[0] / "checkpoint.pt").stat().st_mtime_ns == stamp
    assert again[0] == json.loads((dirs[0] / "metrics.json").read_text())


def test_cli_trains_an_ensemble_into_readable_run_dirs(tmp_path, capsys):
    out = tmp_path / "ens"
    args = ["--n-train", "20,40", "--steps", "12", "--checkpoint-every", "6"]
    with pytest.raises(SystemExit) as exc:
        main(["train", "--out", str(out), *args])
    assert exc.value.code == 0
    for n in (20, 40):
        run = out / f"n{n}-s0"
        score = NetworkScore.from_run(run)
        assert score(torch.zeros(2, 30, dtype=torch.float64), 0.5).shape == (2, 30)
        cfg = json.loads((run / "config.json").read_text())
        assert cfg["n_train"] == n and cfg["steps"] == 12
        assert len(json.loads((run / "metrics.json").read_text())["losses"]) == 2
    assert not list(out.glob("ensemble-*.pt"))
    assert "n40-s0" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, match",
    [
        (
            "arch",
            r"^cfgs: expected configs differing only in \['n_train', 'seed', 'preset'\], got 'wid",
        ),
        ("empty", r"^cfgs: expected a non-empty list of TrainConfig, got \[\]"),
        # (the value is shortened by _validate.fail when tmp_path is long: match its start only)
        ("dup", r"^run_dirs: expected distinct directories, got '/"),
        ("count", r"^run_dirs: expected 2 directories \(one per config\), got 1"),
    ],
)
def test_bad_input_is_one_line(tmp_path, change, match):
    cfgs = [TrainConfig(n_train=20, steps=5, **TINY), TrainConfig(n_train=30, steps=5, **TINY)]
    dirs = [tmp_path / "a", tmp_path / "b"]
    if change == "arch":
        cfgs[1] = TrainConfig(n_train=30, steps=5, **{**TINY, "width": 16})
    elif change == "empty":
        cfgs = []
    elif change == "dup":
        dirs = [tmp_path / "a", tmp_path / "x" / ".." / "a"]
    else:
        dirs = dirs[:1]
    with pytest.raises(ValueError, match=match) as exc:
        train_ensemble(cfgs, dirs)
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("value", ["20,x", "20,20", "0,5", ""])
def test_cli_bad_lists_are_one_line(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--out", str(tmp_path / "r"), "--n-train", value])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--n-train: expected an integer >= 1" in err


def test_cli_ensemble_dry_run_and_compile_flag(tmp_path, capsys):
    out = tmp_path / "ens"
    with pytest.raises(SystemExit) as exc:
        main(["train", "--out", str(out), "--seed", "0,1", "--n-train", "20", "--dry-run"])
    assert exc.value.code == 0
    printed = json.loads(capsys.readouterr().out)
    assert [p["out"] for p in printed] == [str(out / "n20-s0"), str(out / "n20-s1")]
    assert [p["config"]["seed"] for p in printed] == [0, 1]
    assert not out.exists()
    with pytest.raises(SystemExit) as exc:
        main(["train", "--out", str(out), "--n-train", "20", "--compile"])
    assert exc.value.code == 2
    assert "--compile: expected an ensemble" in capsys.readouterr().err
