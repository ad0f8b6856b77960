import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from geomem.cli import main
from geomem.scores.network import NetworkScore
from geomem.train import TrainConfig, load_checkpoint, train
from geomem.train.loop import load_run

SRC = str(Path(__file__).resolve().parents[2] / "src")
TINY = {
    "n_train": 64,
    "width": 32,
    "emb_dim": 16,
    "batch_size": 32,
    "lr": 2e-3,
    "ema_decay": 0.9,
    "checkpoint_every": 50,
}


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("schedule, param", [("ve", "eps"), ("vp", "x0"), ("vp", "score")])
def test_training_lowers_loss(tmp_path, schedule, param):
    cfg = TrainConfig(steps=300, schedule=schedule, parameterization=param, **TINY)
    m = train(cfg, tmp_path / "run")
    assert m["final_loss"] < 0.75 * m["first_loss"]
    score = NetworkScore.from_run(tmp_path / "run")
    assert score.parameterization == param and score.schedule.name == schedule
    x = torch.zeros(3, 30, dtype=torch.float64)
    assert score(x, 0.5).shape == (3, 30)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["steps"] == 300


_SCRIPT = """
import sys
from geomem.train import TrainConfig, train
cfg = TrainConfig(steps={steps}, **{tiny})
train(cfg, sys.argv[1])
"""


def _spawn(run_dir: Path, steps: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": SRC, "OMP_NUM_THREADS": "1"}
    code = _SCRIPT.format(steps=steps, tiny=repr(TINY))
    return subprocess.Popen(
        [sys.executable, "-c", code, str(run_dir)], env=env, stderr=subprocess.PIPE
    )


def _weights(run_dir: Path) -> dict:
    ck = load_checkpoint(run_dir / "checkpoint.pt")
    return {
        **{f"model.{k}": v for k, v in ck["model"].items()},
        **{f"ema.{k}": v for k, v in ck["ema"].items()},
    }


@pytest.mark.slow  # ~10 s; the ensemble version and test_faults cover resume by default
def test_kill_and_resume_is_bit_identical(tmp_path):
    steps = 300
    full, killed = tmp_path / "full", tmp_path / "killed"
    proc = _spawn(killed, steps)
    while not (killed / "checkpoint.pt").exists():  # the event: the first checkpoint is in place
        assert proc.poll() is None, proc.stderr.read().decode()  # it ended before that
        time.sleep(0.02)  # paces the poll only; the condition above is the sync
    proc.send_signal(signal.SIGKILL)  # kill -9 at whatever step it has reached by now
    proc.wait()
    assert not (killed / "metrics.json").exists(), "the run finished before it was killed"
    step_at_kill = load_checkpoint(killed / "checkpoint.pt")["step"]
    assert 0 < step_at_kill < steps
    ref, resumed = _spawn(full, steps), _spawn(killed, steps)  # the same command resumes
    assert resumed.wait() == 0 and ref.wait() == 0
    a, b = _weights(full), _weights(killed)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_refuses_a_different_config(tmp_path):
    train(TrainConfig(steps=20, **TINY), tmp_path)
    with pytest.raises(ValueError, match=r"out: expected .*differs in \['steps'\]"):
        train(TrainConfig(steps=30, **TINY), tmp_path)


def test_corrupt_and_foreign_checkpoints(tmp_path):
    train(TrainConfig(steps=20, **TINY), tmp_path)
    ck = tmp_path / "checkpoint.pt"
    ck.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="checkpoint: expected a readable geomem checkpoint"):
        train(TrainConfig(steps=20, **TINY), tmp_path)
    torch.save({"weights": torch.zeros(3)}, ck)
    with pytest.raises(ValueError, match="checkpoint: expected a dict with format"):
        load_run(tmp_path)


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"steps": 0}, "steps: expected an integer >= 1"),
        ({"preset": "nope"}, "preset: expected one of"),
        ({"parameterization": "v"}, "parameterization"),
    ],
)
def test_bad_config(kw, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kw)


def test_cuda_where_there_is_none(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="device: expected 'cpu' \\(CUDA is not available"):
        train(TrainConfig(steps=5, device="cuda", **TINY), tmp_path)


@pytest.mark.parametrize(
    "args, match",
    [
        (["--steps", "0"], "--steps: expected an integer >= 1, got 0"),
        (["--preset", "nope"], "preset: expected one of"),
        (["--config", "gpu"], "config: expected one of"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, args, match):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--out", str(tmp_path / "r"), "--n-train", "10", *args])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and match in err
    assert not (tmp_path / "r").exists()
