"""The `paper` training preset: the authors' network and training (train_spectrum.py)."""

import json
import math

import pytest
import torch

from geomem.checkpoints.format import load_checkpoint, save_checkpoint
from geomem.cli import main
from geomem.nets.mlp import MLP
from geomem.nets.paper import PaperNet
from geomem.scores.network import NetworkScore
from geomem.train import TrainConfig, train
from geomem.train.config import train_preset
from geomem.train.ensemble import train_ensemble
from geomem.train.loop import build_model, dsm_loss, load_run

pytestmark = pytest.mark.usefixtures("one_thread")
TINY = dict(n_train=32, steps=3, batch_size=8, checkpoint_every=2)


def test_paper_preset_values():
    cfg = train_preset("paper")
    assert (cfg.arch, cfg.optimizer, cfg.lr, cfg.batch_size) == ("paper", "radam", 1e-4, 128)
    assert (cfg.ema_decay, cfg.grad_clip, cfg.steps) == (0.9999, 0.0, 2_000_000)
    assert (cfg.schedule, cfg.parameterization, cfg.noise_max) == ("ve", "eps", 50.0)
    assert cfg.noise_min == pytest.approx(0.01 * 5000**1e-5, rel=1e-15)  # sigma(t = 1e-5)
    assert train_preset("cpu").arch == "mlp"


def test_loss_is_the_authors_unweighted_eps_loss():
    cfg = train_preset("paper", **TINY)
    net = build_model(cfg, 30)
    assert isinstance(net, PaperNet)
    g = torch.Generator().manual_seed(1)
    x0, z = torch.randn(8, 30, generator=g), torch.randn(8, 30, generator=g)
    log_sigma = torch.linspace(math.log(0.02), math.log(40.0), 8, dtype=torch.float64)
    sigma = torch.exp(log_sigma).float()
    want = ((net(x0 + sigma[:, None] * z, torch.log(sigma)) - z) ** 2).mean()
    torch.testing.assert_close(dsm_loss(net, x0, z, log_sigma, cfg), want)


def test_paper_run_trains_records_arch_and_reloads(tmp_path):
    cfg = train_preset("paper", **TINY)
    m = train(cfg, tmp_path / "run")
    assert math.isfinite(m["final_loss"])
    ck = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    assert ck["config"]["arch"] == "paper" and ck["step"] == 3
    score = NetworkScore.from_run(tmp_path / "run")
    assert isinstance(score.net, PaperNet) and not score.precond.scale_input
    x = torch.randn(4, 30, dtype=torch.float64)
    sigma = score.schedule.sigma(torch.tensor(0.3, dtype=torch.float64))
    want = -score.net(x, torch.log(sigma).expand(4)) / sigma
    torch.testing.assert_close(score(x, 0.3), want)
    model, _, step = load_run(tmp_path / "run")
    assert isinstance(model, PaperNet) and step == 3


def test_checkpoint_without_arch_loads_as_the_mlp(tmp_path):
    cfg = TrainConfig(n_train=32, steps=2, batch_size=8, width=16, emb_dim=8)
    train(cfg, tmp_path / "run")
    path = tmp_path / "run" / "checkpoint.pt"
    ck = load_checkpoint(path)
    ck["config"].pop("arch")  # as written before the field existed
    keys = ("config", "step", "model", "ema", "optimizer", "rng", "losses")
    save_checkpoint(path, **{k: ck[k] for k in keys})
    old = json.loads((tmp_path / "run" / "config.json").read_text())
    old.pop("arch")
    (tmp_path / "run" / "config.json").write_text(json.dumps(old))
    assert isinstance(NetworkScore.from_run(tmp_path / "run").net, MLP)
    assert cfg.identity() == {k: v for k, v in old.items() if k not in cfg.NOT_IDENTITY}
    train(TrainConfig(n_train=32, steps=2, batch_size=8, width=16, emb_dim=8), tmp_path / "run")


def test_an_ensemble_of_paper_nets_trains_its_members_one_by_one(tmp_path):
    cfgs = [train_preset("paper", seed=s, **TINY) for s in (0, 1)]
    train_ensemble(cfgs, [tmp_path / "a", tmp_path / "b"])
    train(cfgs[1], tmp_path / "b2")
    for a, b in ((tmp_path / "a", None), (tmp_path / "b", tmp_path / "b2")):
        model, _, step = load_run(a)
        assert isinstance(model, PaperNet) and step == 3
        if b is not None:  # the same weights as a single run of that config
            for p, q in zip(model.parameters(), load_run(b)[0].parameters(), strict=True):
                torch.testing.assert_close(p, q, rtol=0, atol=0)


def test_cli_dry_run_shows_the_paper_preset(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["train", "--config", "paper", "--dry-run", "--out", "o"])
    assert exc.value.code == 0
    cfg = json.loads(capsys.readouterr().out)["config"]
    assert (cfg["optimizer"], cfg["lr"], cfg["ema_decay"]) == ("radam", 1e-4, 0.9999)
    assert (cfg["arch"], cfg["batch_size"], cfg["grad_clip"]) == ("paper", 128, 0.0)
    assert list(tmp_path.iterdir()) == []
