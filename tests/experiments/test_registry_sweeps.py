"""The phase diagram and the network N-sweep run through the sweep engine (issue: sweeps)."""

import numpy as np

from geomem.experiments.registry import EXPERIMENTS
from geomem.runs.executors import make_executor
from geomem.runs.store import read_results
from geomem.runs.sweep import load_spec, run_sweep


def test_registry_holds_every_experiment():
    assert {"spectrum", "phase-cell", "phase-diagram", "linear-network"} <= set(EXPERIMENTS)


def test_phase_cells_sweep_inline(tmp_path):
    spec = tmp_path / "phase.toml"
    spec.write_text(
        'experiment = "phase-cell"\n[base]\nnoise_var = [1e-3, 1e-2, 1e-1]\nn_points = 3\n'
        "[grid]\nn_train = [32, 256]\nseed = [0, 1]\n"
    )
    out = tmp_path / "store"
    result = run_sweep(load_spec(spec, EXPERIMENTS), out, make_executor("inline"), progress=False)
    assert result.ok == 4 and result.failed == 0
    table = read_results(out)  # a DataFrame with flattened "config.*" columns
    assert sorted(zip(table["config.n_train"], table["config.seed"], strict=True)) == [
        (32, 0),
        (32, 1),
        (256, 0),
        (256, 1),
    ]
    assert (table["status"] == "ok").all()
    again = run_sweep(load_spec(spec, EXPERIMENTS), out, make_executor("inline"), progress=False)
    assert again.ok == 0 and again.skipped == 4
    assert all(np.isfinite(np.load(p)["kept"]).all() for p in out.rglob("arrays.npz"))
