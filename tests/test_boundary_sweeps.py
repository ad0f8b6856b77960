"""Sweeps checked up front: every grid point is built and pre-flight checked before the first
run starts, so a bad point fails with one line naming it and nothing is written; the studies'
own sweeps check every member (device, step counts, memory), not only the largest N."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from geomem import _validate
from geomem.runs.base import Experiment
from geomem.runs.executors import make_executor
from geomem.runs.sweep import SweepSpec, describe, run_sweep

RAN: list[int] = []  # the n of every run that started (the toy run appends to it)


@dataclass(frozen=True)
class ToyConfig:
    n: int = 1
    steps: int = 1
    device: str = "cpu"


def toy_run(cfg: ToyConfig, run_dir: Path, *, progress: bool = False) -> dict:
    RAN.append(cfg.n)
    return {"n": cfg.n}


def at_most_ten(cfg: ToyConfig) -> None:
    if cfg.n > 10:
        _validate.fail("n", "at most 10 (a toy memory bound)", cfg.n, MemoryError)


def below_two(cfg: ToyConfig) -> None:  # the same experiment on a smaller machine
    if cfg.n >= 2:
        _validate.fail("n", "below 2", cfg.n, MemoryError)


TOY = Experiment("toy", ToyConfig, toy_run, check=at_most_ten)


def _sweep(spec, out):
    return run_sweep(spec, out, make_executor("inline"), progress=False)


def test_a_bad_grid_point_fails_before_any_run(tmp_path):
    RAN.clear()
    spec = SweepSpec(TOY, grid={"n": [1, 2, 11], "steps": [1]})
    with pytest.raises(MemoryError) as err:
        _sweep(spec, tmp_path / "store")
    assert str(err.value) == (
        "n: expected at most 10 (a toy memory bound), got 11 (at grid point n=11, steps=1)"
    )
    assert RAN == []  # no run started, none written
    assert not (tmp_path / "store").exists()
    with pytest.raises(MemoryError, match=r"\(at grid point n=11, steps=1\)$"):
        describe(spec, tmp_path / "store")  # --dry-run checks the whole grid too


@pytest.mark.parametrize(
    "grid, line",
    [
        ({"steps": [1, 2**62]}, r"^steps: expected a size that fits in memory .* steps=4611"),
        ({"device": ["cpu", "gpu"]}, r"^device: expected 'cpu', .*got 'gpu' \(at grid point"),
    ],
)
def test_generic_checks_name_the_grid_point(tmp_path, grid, line):
    RAN.clear()
    spec = SweepSpec(TOY, grid=grid)
    with pytest.raises((ValueError, MemoryError)) as err:
        _sweep(spec, tmp_path / "store")
    assert err.match(line)
    assert RAN == [] and not (tmp_path / "store").exists()


def test_finished_points_are_not_checked_again(tmp_path):
    """A finished run is skipped, so what its check would say now (another machine, less
    memory) does not stop the sweep; an unfinished point is still checked."""
    RAN.clear()
    out = tmp_path / "store"
    res = _sweep(SweepSpec(TOY, grid={"n": [1, 2]}), out)
    assert (res.ok, RAN) == (2, [1, 2])
    smaller = Experiment("toy", ToyConfig, toy_run, check=below_two)
    res = _sweep(SweepSpec(smaller, grid={"n": [1, 2]}), out)
    assert (res.total, res.skipped, res.ok, RAN) == (2, 2, 0, [1, 2])
    with pytest.raises(MemoryError, match=r"got 3 \(at grid point n=3\)$"):
        _sweep(SweepSpec(smaller, grid={"n": [1, 2, 3]}), out)
    assert RAN == [1, 2]


def test_study_sweeps_check_every_member():
    """The studies' pre-flight checks refuse an impossible step count of every member (before:
    only the largest N's memory was checked, and the first member trained)."""
    from geomem.experiments.copies import CopiesConfig, CopiesSweepConfig, check_copies_sweep
    from geomem.experiments.linear_networks import (
        LinearNetworkConfig,
        SweepConfig,
        check_linear_sweep,
    )
    from geomem.experiments.training_time.study import TrainingTimeConfig, check_point
    from geomem.sampling import SamplerConfig

    huge = 2**62
    with pytest.raises(MemoryError, match=r"^steps: expected a size that fits"):
        check_linear_sweep(SweepConfig(n_train=(20, 40), base=LinearNetworkConfig(steps=huge)))
    base = CopiesConfig(models=("exact",), sampler=SamplerConfig(steps=huge))
    with pytest.raises(MemoryError, match=r"^sampler.steps: expected a size that fits"):
        check_copies_sweep(CopiesSweepConfig(n_train=(20, 40), base=base))
    with pytest.raises(MemoryError, match=r"^steps: expected a size that fits"):
        check_point(TrainingTimeConfig(n_train=(20, 40), panel_n=(20,), steps=huge))
    check_point(TrainingTimeConfig(n_train=(20, 40), panel_n=(20,), steps=10))  # legitimate
