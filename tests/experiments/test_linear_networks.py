import json

import numpy as np
import pytest

from geomem.cli import main
from geomem.experiments.linear_networks import (
    LINEAR_NETWORK,
    LinearNetworkConfig,
    SweepConfig,
    run_sweep,
)
from geomem.scores import EmpiricalScore
from geomem.spectra import jacobian_spectrum, subspace_dimension
from geomem.train import TrainConfig, train
from geomem.train.loop import training_set

TINY = {"steps": 30, "noise_var": (1e-3, 1e-2, 1e-1), "n_points": 2, "population_n": 500}


pytestmark = pytest.mark.usefixtures("one_thread")


def test_sweep_writes_table_figures_and_exact_counts(tmp_path):
    sweep = SweepConfig((20, 40), LinearNetworkConfig(**TINY))
    results = run_sweep(sweep, tmp_path)
    for name in ("table.md", "kept_per_block.png", "spectra_vs_rank.png", "summary.json"):
        assert (tmp_path / name).stat().st_size > 0
    table = (tmp_path / "table.md").read_text()
    assert table.count("\n| 20 |") == 3 and table.count("\n| 40 |") == 3  # 3 blocks per N
    # the exact-score counts equal an independent per-subspace measurement at the same points
    arrays = np.load(tmp_path / "N20" / "arrays.npz")
    cfg = sweep.runs()[0]
    X = training_set(cfg.training())
    pts = json.loads((tmp_path / "N20" / "metrics.json").read_text())["kept"]["exact"]
    from geomem.data import preset, query_points

    q = query_points("train", 2, np.random.default_rng([0, 1]), X_train=X, noise="matched")
    bases = preset("paper").block_bases()
    for li, v in enumerate(cfg.noise_var):
        sp = jacobian_spectrum(
            EmpiricalScore(X),
            q.at(v),
            float(np.log(np.sqrt(v) / 0.01) / np.log(5000)),
            eigvecs=True,
        )
        np.testing.assert_allclose(subspace_dimension(sp, bases).mean(0), pts[li])
    assert arrays["spectra_network"].shape == (3, 2, 30)
    assert results[1]["N"] == 40
    # the sweep trained its networks as one ensemble: each equals the single-model loop's
    from geomem.scores.network import NetworkScore

    train(cfg.training(), tmp_path / "single")
    x = np.random.default_rng(3).standard_normal((4, 30))
    ours, single = (
        NetworkScore.from_run(p)(x, 0.3) for p in (tmp_path / "N20" / "train", tmp_path / "single")
    )
    np.testing.assert_allclose(ours.numpy(), single.numpy(), rtol=1e-5, atol=1e-6)
    assert not list(tmp_path.glob("ensemble-*.pt"))  # the stacked state is gone when done
    # a finished sweep is skipped on restart; another config in the same place is refused
    assert run_sweep(sweep, tmp_path)[0]["kept"] == results[0]["kept"]
    other = SweepConfig((20,), LinearNetworkConfig(**{**TINY, "n_points": 3}))
    with pytest.raises(ValueError, match="out: expected"):
        run_sweep(other, tmp_path)


def test_one_n_is_an_experiment(tmp_path):
    assert LINEAR_NETWORK.config_cls is LinearNetworkConfig
    metrics = LINEAR_NETWORK.run(LinearNetworkConfig(n_train=16, **TINY), tmp_path)
    assert set(metrics["kept"]) == {"network", "exact", "population"}
    assert np.asarray(metrics["kept"]["network"]).shape == (3, 3)


def _main(args) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return exc.code
    return 0


def test_spectrum_cli_accepts_a_run_dir(tmp_path, capsys):
    run = tmp_path / "run"
    train(TrainConfig(n_train=64, steps=10, width=16, emb_dim=8, checkpoint_every=5), run)
    base = ["spectrum", "--preset", "paper", "--noise-var", "0.01,0.1", "--n-points", "2"]
    assert (
        _main([*base, "--n-train", "64", "--model", str(run), "--out", str(tmp_path / "net.json")])
        == 0
    )
    assert _main([*base, "--n-train", "64", "--out", str(tmp_path / "exact.json")]) == 0
    net = json.loads((tmp_path / "net.json").read_text())
    exact = json.loads((tmp_path / "exact.json").read_text())
    assert net.keys() == exact.keys()
    assert np.asarray(net["spectra"]).shape == np.asarray(exact["spectra"]).shape == (2, 2, 30)
    assert net["method"] == "autodiff"
    assert (
        _main([*base, "--n-train", "65", "--model", str(run), "--out", str(tmp_path / "x.json")])
        == 2
    )
    err = capsys.readouterr().err
    assert "model: expected a run trained on the queried data" in err
    assert not (tmp_path / "x.json").exists()
