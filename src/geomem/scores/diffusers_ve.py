"""A diffusers ``ScoreSdeVePipeline`` (``UNet2DModel`` + ``ScoreSdeVeScheduler``) as a Score.

What the pipeline does (diffusers ``ScoreSdeVePipeline.__call__``): it calls the U-Net as
``unet(y, sigma).sample`` with the noise level sigma itself as the timestep, and uses the output
as the score grad_y log p_sigma(y) in its predictor (reverse-SDE step, ``step_pred``) and its
Langevin corrector (``step_correct``). For NCSN++ (``time_embedding_type="fourier"``) the
U-Net's last layer divides the network output by sigma inside ``UNet2DModel.forward``: the
network predicts sigma s, the U-Net returns s. The pipeline's images are ``y.clamp(0, 1)``:
its data live in [0, 1], its forward process is VE, y_sigma = y_0 + sigma z with
sigma(t) = sigma_min (sigma_max / sigma_min)^t, t in [sampling_eps, 1].

geomem's images live in [-1, 1] (every other model, the copy test, the figures), so the adapter
reads the model in those coordinates: x = 2 y - 1. Then x_sigma = x_0 + (2 sigma) z, a VE
process with ``VE(2 sigma_min, 2 sigma_max)`` and the same t, and the score is
s(x, t) = (1/2) unet((x + 1) / 2, sigma_min (sigma_max / sigma_min)^t).sample. The normalised
spectrum r = eig(-sigma_t^2 J) and every dimension are the same in both coordinates
(sigma_x^2 J_x = (2 sigma)^2 J_y / 4). Noise levels v of the audit are sigma_x^2 = 4 sigma^2.
"""

from __future__ import annotations

import copy

import torch

from geomem import _validate
from geomem.schedules import VE
from geomem.scores.callable import CallableScore
from geomem.scores.diffusers_folder import check_safe_weights, locate, read_json, unet_shape

SCALE = 2.0  # x = SCALE * y - 1: geomem's [-1, 1] from the pipeline's [0, 1]


def is_ve_config(cfg: dict) -> bool:
    """True for a ``ScoreSdeVeScheduler`` config (by class name, or its keys without betas)."""
    if cfg.get("_class_name") == "ScoreSdeVeScheduler":
        return True
    return "sigma_max" in cfg and "snr" in cfg and "beta_schedule" not in cfg


def ve_schedule(cfg: dict) -> tuple[float, float, VE]:
    """(sigma_min, sigma_max) of the pipeline's own [0, 1] coordinates and geomem's VE schedule
    in [-1, 1] coordinates (both sigmas times SCALE); diffusers' defaults for missing keys."""
    lo, hi = float(cfg.get("sigma_min", 0.01)), float(cfg.get("sigma_max", 1348.0))
    if not 0 < lo < hi < float("inf"):
        _validate.fail("scheduler sigma_min, sigma_max", "0 < sigma_min < sigma_max", (lo, hi))
    return lo, hi, VE(SCALE * lo, SCALE * hi)


class ScoreSdeVeScore(CallableScore):
    """Score of a ScoreSdeVe ``UNet2DModel`` in geomem's [-1, 1] coordinates: s(x, t) for flat
    x (B, d), t the VE time of ``schedule`` (module docstring).

    Parameters
    ----------
    unet : diffusers.UNet2DModel
        Its ``.sample`` output is the score in the pipeline's [0, 1] coordinates.
    scheduler_config : dict
        The ``ScoreSdeVeScheduler`` config (sigma_min, sigma_max, snr, correct_steps, ...).
    dtype, device
        Evaluation dtype and device.
    """

    def __init__(self, unet, scheduler_config: dict, *, dtype=torch.float32, device="cpu"):
        cfg = unet.config
        size = cfg.sample_size
        H, W = (size, size) if isinstance(size, int) else tuple(size)
        C = int(cfg.in_channels)
        self.sigma_min, self.sigma_max, schedule = ve_schedule(scheduler_config)
        self.unet = copy.deepcopy(unet).to(device=device).eval()
        if next(self.unet.parameters()).dtype != dtype:
            self.unet.to(dtype=dtype)
        self.unet.requires_grad_(False)
        self.scheduler_config = dict(scheduler_config)
        self.source: str | None = None
        super().__init__(
            self._score_images,
            schedule,
            C * H * W,
            parameterization="score",
            image_shape=(C, H, W),
            dtype=dtype,
            device=device,
        )

    def native_sigma(self, t: torch.Tensor) -> torch.Tensor:
        """(B,) the pipeline's sigma at VE time t (B,), computed as ``set_sigmas`` does."""
        return self.sigma_min * (self.sigma_max / self.sigma_min) ** t

    def _score_images(self, img: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        y = (img + 1) / SCALE
        return self.unet(y, self.native_sigma(t), return_dict=False)[0][:, : img.shape[1]] / SCALE

    @classmethod
    def from_pretrained(cls, path, *, scheduler=None, device="cpu", dtype=torch.float32):
        """Load a ``ScoreSdeVePipeline`` folder (or a bare U-Net folder with its
        ``scheduler_config.json``): JSON configs, safetensors weights, offline."""
        from geomem.scores.diffusers import load_unet

        unet_dir, sched_file = locate(path, scheduler)
        ucfg = read_json(unet_dir / "config.json", "unet config.json")
        unet_shape(ucfg, time_embeddings=("positional", "learned", "fourier"))
        sched = read_json(sched_file, "scheduler_config.json")
        if not is_ve_config(sched):
            _validate.fail("scheduler", "a ScoreSdeVeScheduler config", sched.get("_class_name"))
        ve_schedule(sched)
        check_safe_weights(unet_dir)
        score = cls(load_unet(unet_dir, dtype), sched, dtype=dtype, device=device)
        score.source = str(path)
        return score
