"""`geomem audit`: verdicts on models whose answer is known, reproducibility, the matrix-free
route against the dense one, and bad input (one line, exit 2, nothing written)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from geomem.cli import main
from geomem.experiments.audit import cost, measure, sanity
from geomem.experiments.audit.config import AuditConfig
from geomem.experiments.audit.run import run_audit
from geomem.experiments.audit.verdict import decide, level_tests
from geomem.loading import from_score, load_model
from geomem.schedules import DDPM
from geomem.scores.callable import CallableScore
from geomem.scores.gaussian import GaussianScore
from tests.scores.test_diffusers import save_pipeline, tiny_unet

pytestmark = pytest.mark.usefixtures("one_thread")
FIXTURE = Path(__file__).parents[1] / "fixtures" / "audit"
RANK = 10


def gaussian(tmp_path, d: int = 64, n: int = 200):
    """A model of N(0, U diag(lam) U^T) with RANK directions of variance 0.25 (a callable of
    another 'framework'), and train / held-out draws from the same Gaussian."""
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.standard_normal((d, d)))[0]
    lam = np.r_[np.full(RANK, 0.25), np.full(d - RANK, 1e-4)]
    g = GaussianScore(U, lam, DDPM(), dtype=torch.float32)
    X = ((rng.standard_normal((2 * n, d)) * np.sqrt(lam)) @ U.T).astype(np.float32)
    np.save(tmp_path / "train.npy", X[:n])
    np.save(tmp_path / "held.npy", X[n:])

    def fn(x, t):  # images (B, 1, 8, 8) in, plain score out
        return g(x.reshape(len(x), -1), t).reshape(x.shape)

    score = CallableScore(fn, DDPM(), d, parameterization="score", image_shape=(1, 8, 8))
    return from_score(score), tmp_path / "train.npy", tmp_path / "held.npy"


def test_gaussian_model_is_generalizing_and_same_seed_same_numbers(tmp_path):
    model, train, held = gaussian(tmp_path)
    cfg = AuditConfig("gaussian", str(train), str(held), n_images=6, samples=24, sampler_steps=20)
    s1 = run_audit(cfg, tmp_path / "a", model=model)
    assert s1["verdict"] == "generalizing"
    assert s1["copies"]["copy_rate"] == 0.0
    for row in s1["levels"]:  # the Gaussian's Jacobian is the same everywhere: RANK kept dims
        assert row["mean_train"] == row["mean_heldout"] == RANK and row["p"] == 1.0
        assert row["exact_train"]["mean"] < 1  # the exact score of the same images memorizes
    s2 = run_audit(cfg, tmp_path / "b", model=model)
    assert s1 == s2
    for name in ("per_image.csv", "samples.csv"):
        assert (tmp_path / "a" / name).read_text() == (tmp_path / "b" / name).read_text()
    for name in ("index.html", "overview.png", "dimension.png", "samples.png", "config.json"):
        assert (tmp_path / "a" / name).stat().st_size > 0


def test_slq_route_agrees_with_dense(tmp_path):
    model, train, _ = gaussian(tmp_path)
    x0 = np.load(train)[:3]
    t = float(DDPM().t_of_noise_var(1e-3))
    rng = np.random.default_rng(1)
    dense = measure.level_dimensions(model.score, x0, t, AuditConfig("m", "x"), rng)
    slq_cfg = AuditConfig("m", "x", route="slq", probes=16, lanczos_steps=20)
    slq = measure.level_dimensions(model.score, x0, t, slq_cfg, rng)
    assert np.all(dense["dimension"] == RANK)
    assert np.all(np.abs(slq["dimension"] - RANK) <= 3 * slq["se"] + 0.5)
    # probes x Lanczos steps per point at 3 points x 3 levels, plus FLIPD's exact trace (d each)
    assert cost.count(slq_cfg, model, 3, 0)["jacobian_products"] == 3 * 3 * 16 * 20 + 3 * 64


def test_mann_whitney_p_of_separated_groups_is_one_over_binomial():
    a, b = np.arange(8.0), np.arange(8.0) + 100
    (row,) = level_tests(a[None], b[None], [0.01])
    assert row["p"] == pytest.approx(1 / math.comb(16, 8))
    assert row["drop"] == pytest.approx(1 - a.mean() / b.mean())
    (same,) = level_tests(b[None], a[None], [0.01])
    assert same["p"] > 0.99  # the test is one-sided: train above held-out is no evidence


def test_verdict_rules():
    rows = level_tests(np.array([[1.0, 2, 1, 2, 1, 2]]), np.array([[9.0, 8, 9, 8, 9, 8]]), [1e-3])
    kw = {"copy_threshold": 0.05, "alpha": 0.01, "min_drop": 0.1}
    rows = [{**r, "level": r["level"]} for r in rows]
    assert decide(0.5, rows, **kw)["verdict"] == "copying"
    assert decide(0.0, rows, **kw)["verdict"] == "geometric memorization"
    assert decide(0.0, rows, **{**kw, "min_drop": 0.9})["verdict"] == "generalizing"
    assert decide(0.0, rows, **{**kw, "alpha": 1e-6})["verdict"] == "generalizing"
    no_held = level_tests(np.array([[1.0, 2.0]]), None, [1e-3])
    assert decide(0.0, no_held, **kw)["verdict"] == "undecided"
    assert decide(0.2, no_held, **kw)["verdict"] == "copying"


def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_cli_audits_a_diffusers_pipeline_and_dry_run_writes_nothing(tmp_path, capsys):
    folder, _, _ = save_pipeline(tmp_path)
    rng = np.random.default_rng(0)
    np.save(tmp_path / "train.npy", rng.uniform(-1, 1, (6, 1, 8, 8)).astype(np.float32))
    np.save(tmp_path / "held.npy", rng.uniform(-1, 1, (6, 64)).astype(np.float32))
    data = ("--train", tmp_path / "train.npy", "--heldout", tmp_path / "held.npy")
    opts = ("--n-images", "3", "--samples", "4", "--sampler-steps", "4", "--out", tmp_path / "r")
    args = ("audit", folder, *data, *opts)
    code, out, _ = cli(capsys, *args, "--dry-run")
    plan = json.loads(out)
    assert code == 0 and not (tmp_path / "r").exists()
    assert (
        plan["cost"]["route"] == "dense"
        and plan["cost"]["jacobian_products"] == 6 * 3 * 64 + 6 * 64
    )
    assert plan["model"]["kind"] == "diffusers" and plan["sampler"] == "ddim"
    code, out, _ = cli(capsys, *args)
    assert code in (0, None) and "wrote" in out
    s = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert s["model"]["d"] == 64 and s["images_measured"] == {"train": 3, "heldout": 3}
    assert len(s["levels"]) == 3 and s["copies"]["n_samples"] == 4


def one_line(err: str, param: str):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"geomem: error: {param}"), err
    assert ": expected " in lines[0]


def test_cli_bad_input_one_line_nothing_written(tmp_path, capsys):
    folder, _, _ = save_pipeline(tmp_path)
    bare = tmp_path / "bare"
    tiny_unet().save_pretrained(bare)
    good = np.zeros((4, 1, 8, 8), np.float32)
    files = {
        "good": good,
        "size": np.zeros((4, 1, 9, 9), np.float32),
        "channels": np.zeros((4, 3, 8, 8), np.float32),
        "empty": np.zeros((0, 1, 8, 8), np.float32),
        "nan": np.full((4, 64), np.nan, np.float32),
    }
    for name, arr in files.items():
        np.save(tmp_path / f"{name}.npy", arr)
    with open(tmp_path / "pickled.npy", "wb") as fh:  # an object array: refused unopened
        np.lib.format.write_array(fh, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    out = tmp_path / "r"
    cases = [
        (("audit", tmp_path, "--train", tmp_path / "good.npy"), "MODEL"),
        (("audit", tmp_path / "nope", "--train", tmp_path / "good.npy"), "MODEL"),
        (("audit", bare, "--train", tmp_path / "good.npy"), "--scheduler"),
        (("audit", folder, "--train", tmp_path / "size.npy"), "--train"),
        (("audit", folder, "--train", tmp_path / "channels.npy"), "--train"),
        (("audit", folder, "--train", tmp_path / "empty.npy"), "--train"),
        (("audit", folder, "--train", tmp_path / "nan.npy"), "--train"),
        (("audit", folder, "--train", tmp_path / "pickled.npy"), "--train"),
        (
            ("audit", folder, "--train", tmp_path / "good.npy", "--heldout", tmp_path / "size.npy"),
            "--heldout",
        ),
        (("audit", folder, "--train", tmp_path / "good.npy", "--noise-var", "1e-9"), "--noise-var"),
        (("audit", folder, "--train", tmp_path / "good.npy", "--n-images", "0"), "--n-images"),
        (("audit", folder, "--train", tmp_path / "good.npy", "--route", "fast"), "--route"),
        (("audit", folder, "--train", tmp_path / "good.npy", "--sampler", "euler"), "--sampler"),
        (("audit", folder, "--train", tmp_path / "good.npy", "--alpha", "2"), "--alpha"),
        (("audit", folder, "--train", tmp_path / "good.npy", "--device", "cuda:9"), "--device"),
    ]
    for args, param in cases:
        code, _, err = cli(capsys, *args, "--out", out)
        assert code == 2 and "Traceback" not in err, (args, err)
        one_line(err, param)
        assert not out.exists(), args


def test_resolves_a_geomem_mlp_run(tmp_path, capsys):
    run = tmp_path / "run"
    code, _, _ = cli(capsys, "train", "--out", run, "--steps", "2", "--n-train", "50")
    assert code in (0, None)
    m = load_model(run)
    assert m.kind == "geomem-mlp" and m.image_shape is None and m.default_sampler == "heun"


@pytest.mark.slow  # ~10 s: a whole audit of the memorizer fixture
def test_memorizing_fixture_is_judged_copying(tmp_path, capsys):
    args = ("audit", FIXTURE / "tiny-memorizer", "--train", FIXTURE / "train.npy",
            "--heldout", FIXTURE / "heldout.npy", "--n-images", "8", "--samples", "16",
            "--sampler-steps", "25")  # fmt: skip
    code, _, _ = cli(capsys, *args, "--out", tmp_path / "a")
    assert code in (0, None)
    s = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert s["verdict"] == "copying" and s["copies"]["copy_rate"] >= 0.5
    low = s["levels"][0]
    assert low["mean_train"] < low["mean_heldout"]  # lost dimensions at its training images
    cli(capsys, *args, "--out", tmp_path / "b")
    assert json.loads((tmp_path / "b" / "summary.json").read_text()) == s


def test_an_untrained_unet_is_not_a_model_of_the_data(tmp_path):
    """A random-init diffusers pipeline keeps every dimension, so the dimension test alone would
    call it "generalizing"; the sanity stage says what it is, with its numbers."""
    folder, _, _ = save_pipeline(tmp_path)
    rng = np.random.default_rng(0)
    digits = np.clip(rng.standard_normal((24, 1, 8, 8)) * 0.3, -1, 1).astype(np.float32)
    np.save(tmp_path / "train.npy", digits[:12])
    np.save(tmp_path / "held.npy", digits[12:])
    cfg = AuditConfig(
        str(folder),
        str(tmp_path / "train.npy"),
        str(tmp_path / "held.npy"),
        n_images=6,
        samples=8,
        sampler_steps=10,
    )
    s = run_audit(cfg, tmp_path / "r")
    assert s["verdict"] == "not a model of this data" != "generalizing"
    assert not s["sanity"]["ok"] and s["sanity"]["reasons"]
    assert s["sanity"]["denoising"]["best_ratio"] >= 1.0  # no better than a trivial denoiser


def test_power_check_at_k_4_refuses_to_call_it_generalizing(tmp_path):
    # 4 vs 4 images over 3 levels: the smallest reachable Bonferroni p is 3 / C(8, 4) = 3/70
    assert sanity.smallest_p(4, 4, 3) == pytest.approx(3 / math.comb(8, 4))
    pw = sanity.power(4, 4, 3, alpha=0.01)
    assert not pw["can_detect"] and pw["n_images_needed"] == 6  # 3/252 > 0.01 > 3/924
    model, train, held = gaussian(tmp_path)
    cfg = AuditConfig("gaussian", str(train), str(held), n_images=4, samples=8, sampler_steps=8)
    s = run_audit(cfg, tmp_path / "a", model=model)
    assert s["verdict"] == "undecided" and "cannot be detected" in s["reason"]
    assert s["power"] == pw and s["sanity"]["ok"]  # a good model, a test without power
