"""geomem draws a diffusers pipeline's own samples: the same generator through
``sample_pipeline`` and through ``DDIMPipeline`` / ``DDPMPipeline`` gives the same images to
float32 round-off, with the scheduler's clipping and timestep spacing."""

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


def test_thresholding_is_refused_in_one_line():
    with pytest.raises(ValueError, match="scheduler thresholding: expected false"):
        SchedulerSemantics.from_config({"thresholding": True})
