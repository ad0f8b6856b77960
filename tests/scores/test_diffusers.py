"""diffusers folders as Scores: values equal the direct U-Net call converted by hand; unsafe,
latent and conditional folders are refused."""

from __future__ import annotations

import json
import pickle

import pytest
import torch

from geomem.scores.diffusers import DiffusersScore
from tests.scores.contract import check_score_contract

diffusers = pytest.importorskip("diffusers")

PRED = ("epsilon", "sample", "v_prediction")
RTOL = 2e-5  # diffusers keeps alphas_cumprod in float32; geomem's schedule is float64


def tiny_unet(channels: int = 1, learned: bool = False, seed: int = 0):
    torch.manual_seed(seed)
    return diffusers.UNet2DModel(
        sample_size=8,
        in_channels=channels,
        out_channels=2 * channels if learned else channels,
        block_out_channels=(8, 16),
        layers_per_block=1,
        norm_num_groups=4,
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
        attention_head_dim=8,
    )


def save_pipeline(tmp_path, prediction_type="epsilon", beta_schedule="linear", learned=False):
    unet = tiny_unet(learned=learned)
    sched = diffusers.DDPMScheduler(
        num_train_timesteps=100,
        beta_schedule=beta_schedule,
        prediction_type=prediction_type,
        variance_type="learned_range" if learned else "fixed_small",
    )
    folder = tmp_path / "pipe"
    diffusers.DDPMPipeline(unet=unet, scheduler=sched).save_pretrained(folder)
    return folder, unet.double().eval(), sched


def by_hand(unet, sched, x, t: int, prediction_type: str) -> torch.Tensor:
    """The U-Net called as diffusers' pipelines call it, converted to a score by hand."""
    abar = sched.alphas_cumprod[t].double()
    a, s = abar.sqrt(), (1 - abar).sqrt()
    img = x.reshape(len(x), 1, 8, 8)
    with torch.no_grad():
        out = unet(img, torch.full((len(x),), t)).sample[:, :1].reshape(len(x), -1)
    if prediction_type == "epsilon":
        return -out / s
    if prediction_type == "sample":
        return (a * out - x) / s**2
    return -(s * x + a * out) / s  # eps = s x + a v for a^2 + s^2 = 1


@pytest.mark.parametrize("prediction_type", PRED)
def test_pipeline_folder_equals_direct_call(tmp_path, prediction_type):
    folder, unet, sched = save_pipeline(tmp_path, prediction_type)
    score = DiffusersScore.from_pretrained(folder, dtype=torch.float64)
    assert score.d == 64 and score.schedule.n_steps == 100
    x = torch.randn(3, 64, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    for t in (3, 40):
        ref = by_hand(unet, sched, x, t, prediction_type)
        torch.testing.assert_close(
            score(x, float(t)), ref, rtol=0, atol=RTOL * float(ref.abs().max())
        )
        torch.testing.assert_close(score.at_time(float(t))(x), score(x, float(t)))


@pytest.mark.parametrize("beta_schedule", ["linear", "scaled_linear", "squaredcos_cap_v2"])
def test_schedule_equals_scheduler(tmp_path, beta_schedule):
    folder, _, sched = save_pipeline(tmp_path, beta_schedule=beta_schedule)
    score = DiffusersScore.from_pretrained(folder)
    k = torch.arange(100, dtype=torch.float64)
    torch.testing.assert_close(
        score.schedule.alpha(k) ** 2, sched.alphas_cumprod.double(), rtol=1e-4, atol=1e-7
    )


def test_learned_range_keeps_first_channels(tmp_path):
    folder, unet, sched = save_pipeline(tmp_path, learned=True)
    score = DiffusersScore.from_pretrained(folder, dtype=torch.float64)
    x = torch.randn(2, 64, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    ref = by_hand(unet, sched, x, 10, "epsilon")
    torch.testing.assert_close(score(x, 10.0), ref, rtol=0, atol=RTOL * float(ref.abs().max()))


def test_bare_unet_folder_with_scheduler_file_or_folder(tmp_path):
    unet = tiny_unet()
    unet.save_pretrained(tmp_path / "unet")
    diffusers.DDPMScheduler(num_train_timesteps=100).save_pretrained(tmp_path / "sched")
    a = DiffusersScore.from_pretrained(tmp_path / "unet", scheduler=tmp_path / "sched")
    b = DiffusersScore.from_pretrained(
        tmp_path / "unet", scheduler=tmp_path / "sched" / "scheduler_config.json"
    )
    x = torch.randn(2, 64, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(a(x, 5.0), b(x, 5.0))
    assert a.dtype == torch.float32 and a(x, 5.0).dtype == torch.float32
    with pytest.raises(ValueError, match="scheduler: expected a scheduler config"):
        DiffusersScore.from_pretrained(tmp_path / "unet")


def test_contract(tmp_path):
    folder, _, _ = save_pipeline(tmp_path, "v_prediction")
    score = DiffusersScore.from_pretrained(folder, dtype=torch.float64)
    X = torch.randn(20, 64, generator=torch.Generator().manual_seed(4)).numpy()
    check_score_contract(score, X, times=(5.0, 50.5), large_noise=False)


def test_pickle_only_folder_refused_unopened(tmp_path, monkeypatch):
    tiny_unet().save_pretrained(tmp_path / "unet", safe_serialization=False)
    for f in (tmp_path / "unet").glob("*.safetensors"):
        f.unlink()
    assert (tmp_path / "unet" / "diffusion_pytorch_model.bin").is_file()
    diffusers.DDPMScheduler().save_pretrained(tmp_path / "sched")

    def boom(*a, **k):
        raise AssertionError("a pickle was opened")

    monkeypatch.setattr(torch, "load", boom)
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "Unpickler", boom)
    with pytest.raises(ValueError, match=r"weights: expected safetensors.*safe_serialization"):
        DiffusersScore.from_pretrained(tmp_path / "unet", scheduler=tmp_path / "sched")


def test_latent_and_conditional_refused(tmp_path):
    folder, _, _ = save_pipeline(tmp_path)
    index = json.loads((folder / "model_index.json").read_text())
    index["vae"] = ["diffusers", "AutoencoderKL"]
    (folder / "model_index.json").write_text(json.dumps(index))
    with pytest.raises(ValueError, match="latent or text-conditioned"):
        DiffusersScore.from_pretrained(folder)
    del index["vae"]
    (folder / "model_index.json").write_text(json.dumps(index))
    cfg = json.loads((folder / "unet" / "config.json").read_text())
    (folder / "unet" / "config.json").write_text(
        json.dumps({**cfg, "_class_name": "UNet2DConditionModel"})
    )
    with pytest.raises(ValueError, match="unet: expected an unconditional"):
        DiffusersScore.from_pretrained(folder)


def test_bad_folders(tmp_path):
    with pytest.raises(ValueError, match="path: expected a diffusers pipeline folder"):
        DiffusersScore.from_pretrained(tmp_path)
    folder, _, _ = save_pipeline(tmp_path)
    cfg_file = folder / "scheduler" / "scheduler_config.json"
    cfg = json.loads(cfg_file.read_text())
    cfg_file.write_text(json.dumps({**cfg, "prediction_type": "flow"}))
    with pytest.raises(ValueError, match="prediction_type: expected one of"):
        DiffusersScore.from_pretrained(folder)
    cfg_file.unlink()
    with pytest.raises(ValueError, match="scheduler: expected a scheduler_config.json"):
        DiffusersScore.from_pretrained(folder)


def test_bare_unet_finds_the_scheduler_config_beside_it(tmp_path):
    unet = tiny_unet()
    unet.save_pretrained(tmp_path / "unet")
    diffusers.DDPMScheduler(num_train_timesteps=100).save_pretrained(tmp_path / "unet")
    found = DiffusersScore.from_pretrained(tmp_path / "unet")
    assert found.schedule.n_steps == 100 and found.scheduler_config["num_train_timesteps"] == 100
