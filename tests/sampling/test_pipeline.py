"""geomem draws a diffusers pipeline's own samples: the same generator through
``sample_pipeline`` and through ``DDIMPipeline`` / ``DDPMPipeline`` gives the same images to
float32 round-off, with the scheduler's clipping, timestep spacing and variance; and
``sample_score_sde_ve`` through ``ScoreSdeVePipeline``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from geomem.sampling.pipeline import SchedulerSemantics, sample_pipeline
from geomem.scores.diffusers import DiffusersScore
from geomem.scores.diffusers_folder import schedule_of
from tests.scores.test_diffusers import tiny_unet

diffusers = pytest.importorskip("diffusers")
pytestmark = pytest.mark.usefixtures("one_thread")


def _pipeline_images(kind: str, sched_kw: dict, steps: int):
    unet = tiny_unet(seed=1)
    if kind == "ddim":
        sched = diffusers.DDIMScheduler(num_train_timesteps=100, **sched_kw)
        pipe, kw = diffusers.DDIMPipeline(unet=unet, scheduler=sched), {"eta": 0.0}
    else:
        sched = diffusers.DDPMScheduler(num_train_timesteps=100, **sched_kw)
        pipe, kw = diffusers.DDPMPipeline(unet=unet, scheduler=sched), {}
    pipe.set_progress_bar_config(disable=True)
    gen = torch.Generator().manual_seed(3)
    ref = pipe(batch_size=3, generator=gen, num_inference_steps=steps, output_type="np", **kw)
    return unet, dict(sched.config), ref.images


@pytest.mark.parametrize(
    "kind,sched_kw",
    [
        ("ddim", {"clip_sample": True}),
        ("ddim", {"clip_sample": True, "clip_sample_range": 0.5, "steps_offset": 1}),
        ("ddim", {"clip_sample": False, "timestep_spacing": "trailing"}),
        ("ddim", {"clip_sample": True, "timestep_spacing": "linspace", "set_alpha_to_one": False}),
        ("ddpm", {"clip_sample": True}),
        ("ddpm", {"clip_sample": True, "prediction_type": "v_prediction"}),
        ("ddpm", {"clip_sample": True, "variance_type": "fixed_large"}),
        ("ddpm", {"clip_sample": False, "variance_type": "fixed_small_log"}),
    ],
)
def test_samples_equal_the_pipelines_own(kind, sched_kw):
    unet, config, ref = _pipeline_images(kind, sched_kw, steps=10)
    schedule, param = schedule_of(config)
    score = DiffusersScore(unet, schedule, parameterization=param)
    sem = SchedulerSemantics.from_config(config, kind)
    x = sample_pipeline(score, sem, 3, 10, generator=torch.Generator().manual_seed(3))
    mine = (x.reshape(3, 1, 8, 8) / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(mine, ref, atol=1e-5)


def test_timesteps_follow_set_timesteps():
    for spacing in ("leading", "trailing", "linspace"):
        sched = diffusers.DDIMScheduler(num_train_timesteps=1000, timestep_spacing=spacing)
        sched.set_timesteps(50)
        sem = SchedulerSemantics(timestep_spacing=spacing)
        np.testing.assert_array_equal(sem.timesteps(1000, 50), sched.timesteps.numpy())


def test_thresholding_and_learned_ddpm_variances_are_refused_in_one_line():
    with pytest.raises(ValueError, match="scheduler thresholding: expected false"):
        SchedulerSemantics.from_config({"thresholding": True})
    for variance in ("learned", "learned_range"):  # they need the U-Net's variance channels
        with pytest.raises(ValueError, match="scheduler variance_type: expected one of"):
            SchedulerSemantics.from_config({"variance_type": variance}, "ddpm")
        assert SchedulerSemantics.from_config({"variance_type": variance}, "ddim").kind == "ddim"


@pytest.mark.parametrize("sched_kw", [{}, {"snr": 0.3, "correct_steps": 2, "sampling_eps": 1e-3}])
def test_score_sde_ve_samples_equal_the_pipelines_own(sched_kw):
    """The predictor-corrector sampler of ``ScoreSdeVePipeline`` (x = 2 y - 1 coordinates),
    on an untrained NCSN++-style U-Net, the same generator: the same images."""
    from geomem.sampling.pipeline_ve import VeSemantics, sample_score_sde_ve
    from geomem.scores.diffusers_ve import ScoreSdeVeScore

    torch.manual_seed(2)
    unet = diffusers.UNet2DModel(
        sample_size=8, in_channels=3, out_channels=3, time_embedding_type="fourier",
        block_out_channels=(8, 16), layers_per_block=1, norm_num_groups=4,
        down_block_types=("DownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "UpBlock2D"),
    )  # fmt: skip
    sched = diffusers.ScoreSdeVeScheduler(sigma_max=20.0, **sched_kw)
    pipe = diffusers.ScoreSdeVePipeline(unet=unet, scheduler=sched)
    pipe.set_progress_bar_config(disable=True)
    ref = pipe(batch_size=2, num_inference_steps=6, generator=torch.Generator().manual_seed(4),
               output_type="np").images  # fmt: skip
    config = dict(pipe.scheduler.config)
    score = ScoreSdeVeScore(pipe.unet, config)
    sem = VeSemantics.from_config(config)
    x = sample_score_sde_ve(score, sem, 2, 6, generator=torch.Generator().manual_seed(4))
    mine = ((x.reshape(2, 3, 8, 8) + 1) / 2).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(mine, ref, atol=5e-5)
