"""`geomem audit` on diffusers pipelines, through the audit's own routes: its samples are the
pipeline's own (DDIM, DDPM with clipping; ScoreSdeVe's predictor-corrector), a ScoreSdeVe
folder is read as its pipeline reads it (score, spectra at VE noise levels), the dry run
prices itself in seconds, and no library warning reaches the user."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from geomem.cli import main
from geomem.experiments.audit import cost, measure, samples
from geomem.experiments.audit.config import AuditConfig
from geomem.loading import load_model
from geomem.scores.diffusers_ve import ScoreSdeVeScore
from tests.scores.test_diffusers import tiny_unet

diffusers = pytest.importorskip("diffusers")
pytestmark = pytest.mark.usefixtures("one_thread")
FIXTURE = Path(__file__).parents[1] / "fixtures" / "audit"
VE_FIXTURE = FIXTURE / "tiny-ve"


def _as_pipeline_images(S: np.ndarray, shape, lo: float = -1.0) -> np.ndarray:
    """(S, d) audit samples in [-1, 1] as a pipeline's output_type="np" images (S, H, W, C)."""
    x = torch.as_tensor(S).reshape(len(S), *shape)
    return ((x + 1) / 2).clamp(0, 1).permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize(
    "kind,sampler", [("ddim", None), ("ddpm", "ddpm")]
)  # None: the audit's default for a DDPM-schedule folder (ddim)
def test_audit_samples_equal_the_pipelines_own_with_clipping(tmp_path, kind, sampler):
    unet = tiny_unet(seed=1)
    if kind == "ddim":
        sched = diffusers.DDIMScheduler(num_train_timesteps=100, clip_sample=True)
        pipe, kw = diffusers.DDIMPipeline(unet=unet, scheduler=sched), {"eta": 0.0}
    else:
        sched = diffusers.DDPMScheduler(num_train_timesteps=100, clip_sample=True)
        pipe, kw = diffusers.DDPMPipeline(unet=unet, scheduler=sched), {}
    pipe.save_pretrained(tmp_path / "pipe")
    pipe.set_progress_bar_config(disable=True)
    gen = torch.Generator().manual_seed(3)
    ref = pipe(batch_size=3, generator=gen, num_inference_steps=10, output_type="np", **kw)
    model = load_model(tmp_path / "pipe")
    cfg = AuditConfig(str(tmp_path / "pipe"), "x", samples=3, sampler=sampler, sampler_steps=10,
                      seed=3)  # fmt: skip
    train = np.random.default_rng(0).uniform(-1, 1, (4, 64)).astype(np.float32)
    S, table = samples.samples_and_copies(model, train, cfg)  # what run_audit calls
    assert samples.sampler_name(cfg, model) == kind
    np.testing.assert_allclose(_as_pipeline_images(S, (1, 8, 8)), ref.images, atol=1e-5)
    assert np.abs(S).max() <= 1.0  # the scheduler's clip_sample, which geomem used to skip
    assert table.arrays["ratio"].shape == (3,)  # a copy test of each sample


def test_audit_samples_of_a_score_sde_ve_folder_equal_the_pipelines_own():
    pipe = diffusers.ScoreSdeVePipeline.from_pretrained(VE_FIXTURE)
    pipe.set_progress_bar_config(disable=True)
    gen = torch.Generator().manual_seed(5)
    ref = pipe(batch_size=3, num_inference_steps=8, generator=gen, output_type="np").images
    model = load_model(VE_FIXTURE)
    cfg = AuditConfig(str(VE_FIXTURE), "x", samples=3, sampler_steps=8, seed=5)
    assert isinstance(model.score, ScoreSdeVeScore) and model.d == 192
    assert samples.sampler_name(cfg, model) == "score_sde_ve"
    S = samples.draw(model, cfg).numpy()
    # the pipeline's images are y in [0, 1]; geomem's x = 2 y - 1
    np.testing.assert_allclose(_as_pipeline_images(S, (3, 8, 8)), ref, atol=5e-5)
    assert samples.evaluations(cfg, model) == 3 * 8 * 2  # predictor + one corrector step


def test_score_sde_ve_score_and_spectrum_are_the_pipelines():
    """The adapter's score is half the U-Net's at y = (x + 1) / 2 and sigma = sigma_min
    (sigma_max / sigma_min)^t; its normalised spectrum r = eig(sym(-sigma_x^2 J_x)) equals the
    one computed in the pipeline's own coordinates, eig(sym(-sigma^2 J_y)) (sigma_x = 2 sigma)."""
    model = load_model(VE_FIXTURE, dtype=torch.float64)
    score, unet = model.score, model.score.unet
    assert score.schedule.sigma_min == 0.02 and score.schedule.sigma_max == 100.0
    rng = np.random.default_rng(0)
    x0 = rng.uniform(-1, 1, (2, 192))
    v = 0.01  # sigma_x = 0.1, the pipeline's sigma = 0.05
    t = float(score.schedule.t_of_noise_var(v))
    sig = torch.tensor([0.05], dtype=torch.float64)
    y = torch.as_tensor((x0 + 1) / 2).reshape(2, 3, 8, 8)
    with torch.no_grad():
        ref = unet(y, sig.expand(2)).sample.reshape(2, -1) / 2
    torch.testing.assert_close(score(torch.as_tensor(x0), t), ref, rtol=1e-9, atol=1e-9)
    cfg = AuditConfig("m", "x", route="dense")
    mine = measure.level_dimensions(score, x0, t, cfg, rng)["spectrum"]
    for j in range(2):

        def f(yy):
            return unet(yy.reshape(1, 3, 8, 8), sig).sample.reshape(-1)

        J = torch.autograd.functional.jacobian(f, y[j].reshape(-1))
        M = -(0.05**2) * J
        r = torch.linalg.eigvalsh(0.5 * (M + M.T)).numpy()
        np.testing.assert_allclose(mine[j], r, atol=1e-8)


def test_blocked_dense_spectrum_equals_jacobian_spectrum(monkeypatch):
    """Above BLOCK_ROWS the dense route assembles J from row blocks (a progress tick each):
    the same spectrum as ``jacobian_spectrum``'s jacrev, and the ticks add up to one image."""
    from geomem.spectra.jacobian import jacobian_spectrum

    model = load_model(VE_FIXTURE, dtype=torch.float64)
    x1 = np.random.default_rng(1).uniform(-1, 1, (1, 192))
    t = float(model.score.schedule.t_of_noise_var(0.01))
    ref = jacobian_spectrum(model.score, x1, t, method="autodiff").eigvals
    monkeypatch.setattr(measure, "BLOCK_ROWS", 50)
    ticks = []
    got = measure.image_spectrum(model.score, x1, t, ticks.append)
    np.testing.assert_allclose(got, ref, atol=1e-10)
    assert len(ticks) == 4 and sum(ticks) == pytest.approx(1.0)


def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def _loud(caught) -> list[str]:
    kinds = UserWarning | FutureWarning | DeprecationWarning
    return [f"{w.category.__name__}: {w.message}" for w in caught if issubclass(w.category, kinds)]


OPTS = ("--n-images", "2", "--noise-var", "0.01", "--samples", "2", "--sampler-steps", "3",
        "--no-flipd")  # fmt: skip


def test_audit_prints_no_library_warning(tmp_path, capsys):
    """`geomem audit` of the DDPM fixture (a U-Net with mid-block attention) with every warning
    recorded: torch's attention-batching UserWarning (raised under the Jacobian's vmap) and
    diffusers' deprecation warnings never reach the user."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, err = cli(capsys, "audit", FIXTURE / "tiny-memorizer", "--train",
                           FIXTURE / "train.npy", *OPTS, "--out", tmp_path / "r")  # fmt: skip
    assert code in (0, None), err
    assert not _loud(caught), _loud(caught)
    assert "UserWarning" not in err


@pytest.mark.slow
def test_audit_of_a_ve_folder_runs(tmp_path, capsys):
    """A whole `geomem audit` of the VE fixture: an untrained model, so "not a model of this
    data", with its levels on the VE schedule and no library warning."""
    rng = np.random.default_rng(0)
    np.save(tmp_path / "train.npy", rng.uniform(-1, 1, (6, 3, 8, 8)).astype(np.float32))
    np.save(tmp_path / "held.npy", rng.uniform(-1, 1, (6, 3, 8, 8)).astype(np.float32))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, err = cli(capsys, "audit", VE_FIXTURE, "--train", tmp_path / "train.npy",
                           "--heldout", tmp_path / "held.npy", *OPTS,
                           "--out", tmp_path / "ve")  # fmt: skip
    assert code in (0, None), err
    assert not _loud(caught), _loud(caught)
    s = json.loads((tmp_path / "ve" / "summary.json").read_text())
    assert s["verdict"] == "not a model of this data" and s["model"]["d"] == 192
    assert s["levels"][0]["noise_var"] == 0.01 and "VE" in s["model"]["schedule"]
    assert s["copies"]["n_samples"] == 2


def test_dry_run_prices_itself_in_seconds(tmp_path, capsys):
    args = ("audit", FIXTURE / "tiny-memorizer", "--train", FIXTURE / "train.npy",
            "--heldout", FIXTURE / "heldout.npy", "--n-images", "2", "--samples", "4",
            "--out", tmp_path / "r", "--dry-run")  # fmt: skip
    code, out, _ = cli(capsys, *args)
    c = json.loads(out)["cost"]
    assert code == 0 and not (tmp_path / "r").exists()
    assert c["jacobian_products"] == 4 * 3 * 64 + 4 * 64  # dense: d per image-level, + FLIPD
    est, p = c["estimated_seconds"], c["probe"]
    assert est["total"] == pytest.approx(est["dimensions"] + est["sampling"], abs=0.1)
    assert est["dimensions"] == pytest.approx(c["jacobian_products"] * p["seconds_per_product"],
                                              rel=0.01, abs=0.1)  # fmt: skip
    assert p["seconds_per_product"] > 0 and "estimate" in est["note"]
    model = load_model(FIXTURE / "tiny-memorizer")
    cfg = AuditConfig("m", "x", n_images=2, samples=4)
    assert cost.count(cfg, model, 2, 2) == {k: c[k] for k in cost.count(cfg, model, 2, 2)}


def test_ve_levels_outside_the_pipelines_range_or_ddpm_steps_are_refused():
    """A VE model's audit levels v = (2 sigma)^2 must lie in its trained sigma range
    [(2 sigma_min)^2, (2 sigma_max)^2] = [4e-4, 1e4]; DDPM steps mean nothing for it."""
    model = load_model(VE_FIXTURE)
    t, v = measure.times_of(model.score, AuditConfig("m", "x", noise_var=(4e-4, 0.01, 1e4)))
    np.testing.assert_allclose(model.score.schedule.noise_var(t), v, rtol=1e-12)
    assert t[0] == pytest.approx(0.0, abs=1e-12) and t[-1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match=r"noise_var: expected levels in the model's range"):
        measure.times_of(model.score, AuditConfig("m", "x", noise_var=(1e-4,)))
    with pytest.raises(ValueError, match=r"step: expected a DDPM model"):
        measure.times_of(model.score, AuditConfig("m", "x", step=(10.0,)))


def test_a_sampler_the_model_cannot_use_is_refused_before_anything_is_written(tmp_path, capsys):
    """ddim on a VE model, ddpm on a learned-variance DDPM pipeline: one line, exit 2, no
    config.json (they used to fail after it was written)."""
    rng = np.random.default_rng(0)
    np.save(tmp_path / "rgb.npy", rng.uniform(-1, 1, (4, 3, 8, 8)).astype(np.float32))
    np.save(tmp_path / "grey.npy", rng.uniform(-1, 1, (4, 1, 8, 8)).astype(np.float32))
    unet = tiny_unet(learned=True)
    sched = diffusers.DDPMScheduler(num_train_timesteps=100, variance_type="learned_range")
    diffusers.DDPMPipeline(unet=unet, scheduler=sched).save_pretrained(tmp_path / "learned")
    cases = [
        ((VE_FIXTURE, "--train", tmp_path / "rgb.npy", "--sampler", "ddim"), "--sampler"),
        ((tmp_path / "learned", "--train", tmp_path / "grey.npy", "--sampler", "ddpm"),
         "scheduler variance_type"),
    ]  # fmt: skip
    for args, param in cases:
        code, _, err = cli(capsys, "audit", *args, *OPTS, "--out", tmp_path / "r")
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1, err
        assert lines[0].startswith(f"geomem: error: {param}: expected "), err
        assert not (tmp_path / "r").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_audit_samples_on_cuda_equal_the_cpu_pipelines(tmp_path):
    """With --device cuda the pipeline's generator stays on the CPU (as diffusers'
    randn_tensor draws): the same images as the CPU pipeline, to float32 round-off."""
    pipe = diffusers.ScoreSdeVePipeline.from_pretrained(VE_FIXTURE)
    pipe.set_progress_bar_config(disable=True)
    gen = torch.Generator().manual_seed(5)
    ref = pipe(batch_size=3, num_inference_steps=8, generator=gen, output_type="np").images
    model = load_model(VE_FIXTURE, device="cuda")
    cfg = AuditConfig(str(VE_FIXTURE), "x", samples=3, sampler_steps=8, seed=5, device="cuda")
    S = samples.draw(model, cfg).cpu().numpy()
    np.testing.assert_allclose(_as_pipeline_images(S, (3, 8, 8)), ref, atol=1e-4)
    x1 = np.zeros((1, 192), np.float32)
    t = float(model.score.schedule.t_of_noise_var(0.01))
    assert cost.probe(model, x1, t, 4)["seconds_per_product"] > 0
    assert measure.image_spectrum(model.score, x1, t).shape == (1, 192)
