"""The one training loop (``runner.run_steps``) and the one block of training fields."""

import json
from pathlib import Path

import numpy as np
import pytest

from geomem.train.config import TrainConfig, TrainingFields
from geomem.train.runner import run_steps

ROOT = Path(__file__).resolve().parents[2]


class FakeStepper:
    """Records what the loop asks of it; losses are the step numbers (one per 'member')."""

    def __init__(self, start=0, members=1):
        self.start, self.members, self.calls, self.losses = start, members, [], []

    def resume(self):
        self.calls.append(("resume",))
        return self.start

    def step(self, k):
        self.calls.append(("step", k))
        return float(k) if self.members == 1 else [float(k + i) for i in range(self.members)]

    def record(self, mean):
        self.losses.append(np.asarray(mean).tolist())
        return float(np.mean(mean))

    def snapshot(self, k):
        self.calls.append(("snapshot", k))

    def save(self, k):
        self.calls.append(("save", k))


def test_cadence_windows_kept_steps_and_resume():
    cfg = TrainConfig(steps=10, checkpoint_every=4)
    s = FakeStepper()
    assert run_steps(s, cfg, frozenset({2, 4, 10})) == 0
    marks = [c for c in s.calls if c[0] != "step"]
    assert marks == [
        ("resume",),
        ("snapshot", 2),
        ("snapshot", 4),  # a kept step's checkpoint before the boundary's
        ("save", 4),
        ("save", 8),
        ("snapshot", 10),
        ("save", 10),  # the last step is a boundary
    ]
    assert s.losses == [1.5, 5.5, 8.5]  # window means of steps 0-3, 4-7, 8-9
    resumed = FakeStepper(start=8, members=2)
    assert run_steps(resumed, cfg) == 8
    assert [c[1] for c in resumed.calls if c[0] == "step"] == [8, 9]
    assert resumed.losses == [[8.5, 9.5]]  # one mean per member
    done = FakeStepper(start=10)
    run_steps(done, cfg)
    assert done.calls == [("resume",)]


def test_vector_configs_are_the_shared_block_plus_their_own():
    assert issubclass(TrainConfig, TrainingFields)
    with pytest.raises(ValueError, match="device: expected 'cpu', 'cuda', 'cuda:K' or 'mps'"):
        TrainConfig(device="gpu")
    with pytest.raises(ValueError, match=r"noise_max: expected a number > noise_min"):
        TrainConfig(noise_min=1.0, noise_max=0.5)


@pytest.mark.parametrize(
    "path", sorted(p for p in (ROOT / "docs" / "results").glob("*/*/train/config.json"))
)
def test_committed_run_configs_read_back_unchanged(path):
    obj = json.loads(path.read_text())
    cfg = TrainConfig.from_json(obj)
    assert {k: v for k, v in cfg.to_json().items() if k in obj} == obj  # older: no threads
    assert cfg.identity() == {k: v for k, v in obj.items() if k not in cfg.NOT_IDENTITY}
