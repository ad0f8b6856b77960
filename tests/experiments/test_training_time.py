"""The training-time study: tau's definition on hand-made curves, the power-law fit, and one
tiny study end to end (ensemble -> kept checkpoints -> kept dimension -> tau -> figures)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geomem.checkpoints.snapshots import log_grid
from geomem.experiments.registry import EXPERIMENTS
from geomem.experiments.training_time.read import memorization_times, tau_fit
from geomem.experiments.training_time.study import TRAINING_TIME, TrainingTimeConfig, run_study
from geomem.theory.predict import predicted_block_spectra

pytestmark = pytest.mark.usefixtures("one_thread")


def _member(n, steps, curve, pop):
    S = len(steps)
    net = np.zeros((S, 3, 2))
    net[:, -1, 0] = curve
    net[:, -1, 1] = 5.0  # block 2 never lost
    return {"N": n, "steps": steps, "network": net, "population": np.array([[0, 0]] * 2 + [pop])}


def test_tau_is_the_first_checkpoint_below_half_the_population():
    steps = [1000, 2000, 4000, 8000]
    members = [
        _member(250, steps, [2.0, 1.2, 0.9, 0.2], [2.0, 5.0]),  # below 1.0 first at 4000
        _member(1000, steps, [2.0, 2.0, 1.0, 1.0], [2.0, 5.0]),  # 1.0 is not below half
        _member(20000, steps, [0.5, 0.5, 0.5, 0.5], [0.0, 5.0]),  # population keeps none
    ]
    tau = memorization_times(members)
    assert tau["tau"][0] == [4000, None, None]
    assert tau["tau"][1] == [None, None, None]
    assert tau["population_kept"][0] == [2.0, 2.0, 0.0]


def test_tau_fit_recovers_a_power_law():
    Ns = [250, 500, 1000, 4000]
    tau = {"N": [*Ns, 20000], "tau": [[int(3 * n**1.5) for n in Ns] + [None], [None] * 5]}
    fit = tau_fit(tau, ["a", "b"])
    assert fit[0]["exponent"] == pytest.approx(1.5, abs=1e-3)
    assert fit[0]["prefactor"] == pytest.approx(3, rel=1e-2)
    assert fit[0]["censored_N"] == [20000] and fit[1]["exponent"] is None


def test_tiny_study_end_to_end(tmp_path):
    cfg = TrainingTimeConfig(
        n_train=(16, 32),
        steps=200,
        first_checkpoint=50,
        noise_var=(1e-3, 1e-1),
        n_points=2,
        population_n=2000,
        panel_n=(16,),
        panel_levels=4,
    )
    assert EXPERIMENTS["training-time"] is TRAINING_TIME
    m = run_study(cfg, tmp_path / "study")
    for name in ("table.md", "kept_vs_step.png", "tau_vs_n.png", "three_panels.png"):
        assert (tmp_path / "study" / name).stat().st_size > 0
    a = np.load(tmp_path / "study" / "arrays.npz", allow_pickle=False)
    grid = log_grid(200, 50)
    assert list(a["steps_N16"]) == list(grid) == m["checkpoint_steps"]
    assert a["network_N32"].shape == (len(grid), 3, 3)  # (S, L + 1, K)
    # each member is an ordinary run directory with its kept checkpoints
    assert (tmp_path / "study" / "runs" / "n16-s0" / "checkpoints" / "step-0000050.pt").is_file()
    # panels: the theory column is the REM prediction; the exact score of 16 points has
    # collapsed at the smallest noise (every direction normal, r ~ 1) at a training point
    np.testing.assert_allclose(
        a["panel_theory_N16"], predicted_block_spectra("paper", 16, a["panel_v_N16"])
    )
    assert a["panel_exact_N16"].shape == (4, 30) and np.all(a["panel_exact_N16"][-1] > 0.9)
    # the exact kept counts never exceed the block sizes; metrics round-trip as JSON
    assert np.all(a["exact_N16"] <= np.array([2, 5, 23]))
    assert json.loads((tmp_path / "study" / "metrics.json").read_text())["tau"] == m["tau"]
    # finished: run again reads back without training
    assert run_study(cfg, tmp_path / "study")["tau"] == m["tau"]


def test_bad_configs():
    with pytest.raises(ValueError, match="panel_n: expected"):
        TrainingTimeConfig(n_train=(16, 32), panel_n=(500,))
    with pytest.raises(ValueError, match="n_train: expected"):
        TrainingTimeConfig(n_train=(16, 16), panel_n=())
