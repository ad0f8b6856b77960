"""Phase diagram: the fast route gives the library's counts; a small grid end to end."""

import json

import numpy as np
import pytest

from geomem.cli import main
from geomem.experiments.phase.cell import PHASE_CELL, PhaseCellConfig, measure_cell
from geomem.experiments.phase.diagram import PHASE, PhaseConfig, run_phase, write_config
from geomem.spectra import scoring
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
    cfg = PhaseConfig(n_train=(32, 1024), noise_var=V, seeds=(0, 1), n_points=4, theory_draws=4)
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
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert set(m["agreement"]) == set(m["agreement_nontrivial"]) == {"orderstat", "rem", "ceiling"}
    assert m["ceiling"].startswith("split halves")
    # the REM side of metrics.json is agreement.json's read-out
    rem = summary["fraction_cells_kept_blocks_agree"], summary["fraction_agree_where_any_kept"]
    assert m["agreement"]["rem"] == pytest.approx(rem[0], abs=1e-4)
    assert m["agreement_nontrivial"]["rem"] == pytest.approx(rem[1], abs=1e-4)
    assert arr["predicted_orderstat"].shape == (2, 9, 3)
    assert "predicted_kept_orderstat" in rows[0] and (tmp_path / "edges.png").exists()


def test_scoring_identities():
    rng = np.random.default_rng(0)
    a = rng.random((3, 5, 2)) > 0.5
    s = scoring.score(a, a)
    assert s["agreement"] == 1 and s["agreement_per_block"] == [1.0, 1.0]
    b = a.copy()
    b[0, 0] = ~b[0, 0]
    s = scoring.score(a, b)
    assert s["agreement"] == pytest.approx(14 / 15, abs=1e-4)
    assert s["agreement_nontrivial"] == pytest.approx(
        (s["n_nontrivial"] - 1) / s["n_nontrivial"], abs=1e-4
    )
    assert scoring.score(np.zeros_like(a), np.zeros_like(a))["agreement_nontrivial"] is None


def test_bootstrap_edges_bracket_the_edge():
    # kept 2 above v = 1e-2, 0 below, every unit alike: the interval is the edge itself
    v = np.logspace(-3, 0, 7)
    kept = np.zeros((1, 2, 7, 3, 1), dtype=int)
    kept[:, :, v > 1e-2] = 2
    e = scoring.edges(kept.mean(axis=(1, 3)), v, np.array([2]), 1)
    ci = scoring.bootstrap_edges(kept, v, np.array([2]), 1, np.random.default_rng(1), n_boot=20)
    assert ci[0, 0, 0] == pytest.approx(e[0, 0]) and ci[0, 0, 1] == pytest.approx(e[0, 0])


def test_ceiling_seeds_must_be_new():
    with pytest.raises(ValueError, match="ceiling_seeds: expected"):
        PhaseConfig(seeds=(0, 1), ceiling_seeds=(1, 2))


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
        ["--seeds", "0,1", "--ceiling-seeds", "1"],
        ["--theory-draws", "0"],
    ],
)
def test_cli_bad_input(tmp_path, capsys, argv):
    out = tmp_path / "pd"
    with pytest.raises(SystemExit) as exc:
        main(["phase-diagram", "--out", str(out), *argv])
    assert exc.value.code == 2
    assert "\n" not in capsys.readouterr().err.strip()
    assert not out.exists()
