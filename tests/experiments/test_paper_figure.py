"""`geomem experiment paper-figure`: the panels against independent computations, the origin
panel's N-independence as an identity, and the CLI route against the library call."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from geomem.cli import main
from geomem.data.queries import query_points
from geomem.experiments.paper_figure import PaperFigureConfig, resolve_model, run_paper_figure
from geomem.experiments.paper_figure.config import THEORY_NOISE_VAR
from geomem.experiments.paper_figure.panels import (
    drop_normalize,
    origin_jacobian_panel,
    probe_panel,
    renormalize,
    theory_authors,
)
from geomem.schedules import VE
from geomem.scores import EmpiricalScore, GaussianScore

pytestmark = pytest.mark.usefixtures("one_thread")


def _authors_theory(N, t, in_idx=7):
    # their theory cell written out again (plots_synthetic_theory.ipynb, final figure)
    scales = np.concatenate([np.ones(2), 0.3 * np.ones(5), 1e-6 * np.ones(23)])
    eig = 1.0 / (t + scales**2)
    t_c = np.sqrt((1 / (2 * np.log(N))) * (t * scales**2))
    phi = np.maximum(0, 1 / t - 1 / t_c)
    factor = np.sum(scales**2 / (t**2 * (t + scales**2)))
    sv = np.sort(np.sqrt(eig**2 + (factor * phi) ** 2))[::-1][in_idx:]
    return sv / sv.max()


def test_theory_panel_is_the_authors_theory_cell():
    p = theory_authors(1000)
    assert p.values.shape == (200, 23) and p.ranks[0] == 8 and p.ranks[-1] == 30
    for i in (0, 57, 140, 199):
        want = _authors_theory(1000, THEORY_NOISE_VAR[i])
        np.testing.assert_allclose(p.values[i], want, rtol=1e-12, atol=0)


def test_probe_panel_on_a_linear_score_is_its_jacobian():
    # the flat preset's population score is linear: J = -(Sigma + v I)^-1, singular values
    # 1 / (s_i^2 + v); the probe read-out with K = d equals them after the same drop and norm
    s2 = np.concatenate([np.ones(2), 0.09 * np.ones(5), 1e-4 * np.ones(23)])
    score = GaussianScore(np.eye(30), s2, VE())
    v = np.array([1.0, 0.1, 0.003])
    ts = VE().t_of_noise_var(v)
    origin = query_points("origin", 1, np.random.default_rng(0), d=30)
    p = probe_panel(score, origin, ts, v, rng=np.random.default_rng(1), model="exact", draws=2,
                    drop=6)  # fmt: skip
    want = drop_normalize(1.0 / (s2[None, :] + v[:, None]), 6)
    np.testing.assert_allclose(p.values, want, rtol=0, atol=1e-8)
    net = probe_panel(score, origin, ts, v, rng=np.random.default_rng(1), model="network",
                      draws=1, drop=1)  # fmt: skip
    np.testing.assert_allclose(
        net.values, renormalize(drop_normalize(1.0 / (s2 + v[:, None]), 1), 1, 20), atol=1e-8
    )
    assert np.allclose(net.values[:, 18], 1.0)  # rank 20 is the unit


def _sphere(Y):
    return Y / np.linalg.norm(Y, axis=1, keepdims=True)


def test_origin_jacobian_is_the_sample_covariance_formula():
    # at x = 0 all weights of sphere-normalised data are equal: J(0) = (C / v - I) / v; the
    # autodiff Jacobian of the empirical score, read as the panel reads it, equals the formula
    X = _sphere(np.random.default_rng(2).standard_normal((40, 10)) * np.linspace(2, 0.1, 10))
    score = EmpiricalScore(X, VE())
    v = np.array([0.5, 0.05, 0.004])
    sv = []
    for vi in v:
        t = float(VE().t_of_noise_var(vi))
        x = torch.zeros(10, dtype=torch.float64)
        J = torch.autograd.functional.jacobian(lambda y, t=t: score(y[None], t)[0], x)
        sv.append(torch.linalg.svdvals(J).numpy())
    want = drop_normalize(np.array(sv), 3)
    np.testing.assert_allclose(origin_jacobian_panel(X, v, drop=3).values, want, rtol=1e-9)


def test_origin_panel_is_n_independent_at_equal_covariance():
    # two sets on the unit circle of R^3 with equal mean (0) and covariance (I_2 / 2): N = 4 and
    # N = 6 give the same Jacobian at the origin at every noise, bit for bit up to round-off
    e = np.eye(3)
    Y4 = np.stack([e[0], -e[0], e[1], -e[1]])
    th = np.array([0, np.pi / 3, 2 * np.pi / 3])
    ring = np.cos(th)[:, None] * e[0] + np.sin(th)[:, None] * e[1]
    Y6 = np.concatenate([ring, -ring])
    for v in (0.9, 0.2, 0.01):
        t = float(VE().t_of_noise_var(v))
        J = [EmpiricalScore(Y, VE()).jacobian(torch.zeros(1, 3, dtype=torch.float64), t)
             for Y in (Y4, Y6)]  # fmt: skip
        assert (J[0] - J[1]).abs().max() <= 1e-13 * J[0].abs().max()
        # and off the origin they differ: the panel at training points sees N
    x = torch.tensor([[0.3, 0.1, 0.0]], dtype=torch.float64)
    t = float(VE().t_of_noise_var(0.05))
    J4, J6 = (EmpiricalScore(Y, VE()).jacobian(x, t) for Y in (Y4, Y6))
    assert (J4 - J6).abs().max() > 1e-3


SMALL = ["--n-theory", "100", "--n-exact", "30", "--origin-n", "20,30", "--draws", "1",
         "--n-points", "2"]  # fmt: skip


@pytest.mark.slow  # two runs with their figures: ~10 s of CPU
def test_cli_route_equals_library_call(tmp_path, capsys):
    from geomem.experiments.paper_figure import PAPER_FIGURE
    from geomem.experiments.registry import EXPERIMENTS

    assert EXPERIMENTS["paper-figure"] is PAPER_FIGURE
    with pytest.raises(SystemExit) as exc:
        main(["experiment", "paper-figure", *SMALL, "--out", str(tmp_path / "cli")])
    assert exc.value.code in (0, None), capsys.readouterr().err
    cfg = PaperFigureConfig(n_theory=100, n_exact=30, origin_n=(20, 30), draws=1, n_points=2)
    lib = run_paper_figure(cfg, tmp_path / "lib")
    cli = np.load(tmp_path / "cli" / "arrays.npz")
    ref = np.load(tmp_path / "lib" / "arrays.npz")
    assert sorted(cli.files) == sorted(ref.files)
    for k in ref.files:
        np.testing.assert_array_equal(cli[k], ref[k])
    assert json.loads((tmp_path / "cli" / "metrics.json").read_text()) == json.loads(
        json.dumps(lib)
    )
    assert json.loads((tmp_path / "cli" / "config.json").read_text())["model_step"] is None
    assert (tmp_path / "cli" / "paper_figure.png").stat().st_size > 0


def test_cli_dry_run_is_the_library_config(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["experiment", "paper-figure", *SMALL, "--out", str(tmp_path / "o"), "--dry-run"])
    assert exc.value.code in (0, None)
    got = json.loads(capsys.readouterr().out)
    cfg = PaperFigureConfig(n_theory=100, n_exact=30, origin_n=(20, 30), draws=1, n_points=2)
    from geomem.runs.config import config_hash

    assert got["config_hash"] == config_hash(cfg) and not (tmp_path / "o").exists()


def test_model_run_recorded_and_bad_input_refused(tmp_path, capsys):
    from geomem.runs.config import config_hash
    from geomem.train import train
    from geomem.train.config import TrainConfig, train_preset

    train(train_preset("paper", n_train=32, steps=2, batch_size=8, checkpoint_every=2),
          tmp_path / "run")  # fmt: skip
    cfg, ck = resolve_model(PaperFigureConfig(model=str(tmp_path / "run")))
    assert cfg.model_step == 2 == ck["step"]
    assert cfg.model_config_hash == config_hash(TrainConfig.from_json(ck["config"]))
    # a kept snapshot newer than checkpoint.pt (a run still training) is the latest
    from geomem.checkpoints.format import save_checkpoint
    from geomem.checkpoints.snapshots import snapshot_path

    keys = ("config", "model", "ema", "optimizer", "rng", "losses")
    save_checkpoint(snapshot_path(tmp_path / "run", 7), step=7, **{k: ck[k] for k in keys})
    assert resolve_model(PaperFigureConfig(model=str(tmp_path / "run")))[0].model_step == 7
    assert resolve_model(PaperFigureConfig(model=str(tmp_path / "run"), step=7))[1]["step"] == 7
    # a snapshot file is recorded as its run at its step
    snap = resolve_model(PaperFigureConfig(model=str(snapshot_path(tmp_path / "run", 7))))[0]
    assert (snap.model, snap.step, snap.model_step) == (str(tmp_path / "run"), 7, 7)
    with pytest.raises(ValueError, match="step"):
        resolve_model(PaperFigureConfig(model=str(snapshot_path(tmp_path / "run", 7)), step=2))
    with pytest.raises(ValueError, match="model"):
        resolve_model(PaperFigureConfig(model=str(tmp_path / "run" / "config.json")))
    for args, where in (
        (["--draws", "0"], "--draws"),
        (["--step", "3"], "--step"),
        (["--model", str(tmp_path / "none")], "--model"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(["experiment", "paper-figure", "--out", str(tmp_path / "o"), *args])
        err = capsys.readouterr().err.strip().splitlines()
        assert (
            exc.value.code == 2 and len(err) == 1 and err[0].startswith(f"geomem: error: {where}")
        )
        assert not (tmp_path / "o").exists()
