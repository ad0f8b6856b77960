"""Phase diagram: the fast route gives the library's counts; a small grid end to end."""

import json

import numpy as np
import pytest

from geomem.cli import main
from geomem.experiments.phase.cell import PHASE_CELL, PhaseCellConfig, measure_cell
from geomem.experiments.phase.diagram import PHASE, PhaseConfig, run_phase, write_config
from geomem.spectra.readout import crossing

V = tuple(np.logspace(-4, 0, 9).tolist())


@pytest.mark.parametrize("points", ["train", "fresh", "origin"])
def test_routes_agree(points):
    base = PhaseCellConfig(V, n_train=200, seed=3, points=points, n_points=4)
    ref = measure_cell(PhaseCellConfig(**{**base.__dict__, "route": "scan"}))
    for route in ("block-moments", "posterior"):
        got = measure_cell(PhaseCellConfig(**{**base.__dict__, "route": route}))
        assert np.array_equal(got, ref), route
    assert ref.shape == (9, 1 if points == "origin" else 4, 3)


def test_limits_of_the_measurement():
    # N = 2 at tiny noise: one point dominates, nothing is tangent; the kept count never
    # exceeds the block dimension
    kept = measure_cell(PhaseCellConfig((1e-4,), n_train=2, n_points=2))
    assert np.all(kept == 0)
    kept = measure_cell(PhaseCellConfig(V, n_train=500, n_points=4))
    assert np.all(kept <= np.array([2, 5, 23]))


def test_crossing():
    v = np.logspace(-3, 0, 4)
    assert crossing(np.array([0.0, 2.0, 2.0, 0.0]), v, 1.0) == pytest.approx(10**-2.5)
    assert np.isnan(crossing(np.array([0.0, 0.5, 0.5, 0.0]), v, 1.0))  # never kept
    assert np.isnan(crossing(np.array([2.0, 2.0, 2.0, 0.0]), v, 1.0))  # below the grid


def test_small_grid_end_to_end(tmp_path):
    cfg = PhaseConfig(n_train=(32, 1024), noise_var=V, seeds=(0, 1), n_points=4)
    write_config(cfg, tmp_path)
    summary = run_phase(cfg, tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "config.json",
        "table.jsonl",
        "arrays.npz",
        "agreement.json",
        "phase_heatmaps.png",
        "critical_ratio.png",
    } <= names
    rows = [json.loads(line) for line in (tmp_path / "table.jsonl").read_text().splitlines()]
    assert len(rows) == 2 * 9 and len(rows[0]["kept_mean"]) == 3
    assert 0 <= summary["fraction_cells_kept_blocks_agree"] <= 1
    arr = np.load(tmp_path / "arrays.npz")
    assert arr["kept"].shape == (2, 2, 9, 4, 3)
    assert PHASE.config_cls is PhaseConfig and PHASE_CELL.config_cls is PhaseCellConfig


def test_cell_experiment_contract(tmp_path):
    metrics = PHASE_CELL.run(PhaseCellConfig(V, n_train=64, n_points=2), tmp_path)
    assert np.array(metrics["kept_mean"]).shape == (9, 3)
    assert np.load(tmp_path / "arrays.npz")["kept"].shape == (9, 2, 3)


@pytest.mark.parametrize(
    "argv",
    [
        ["--n-train", "1,32"],
        ["--seeds", ""],
        ["--noise-var", "0.1,-1"],
        ["--points", "nowhere"],
        ["--route", "fast"],
        ["--preset", "nope"],
    ],
)
def test_cli_bad_input(tmp_path, capsys, argv):
    out = tmp_path / "pd"
    with pytest.raises(SystemExit) as exc:
        main(["phase-diagram", "--out", str(out), *argv])
    assert exc.value.code == 2
    assert "\n" not in capsys.readouterr().err.strip()
    assert not out.exists()
