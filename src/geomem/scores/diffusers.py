"""A diffusers ``UNet2DModel`` (DDPM / DDIM pipeline, or a bare U-Net folder) as a Score.

Loading is offline and safe: configs are read as JSON (``geomem.scores.diffusers_folder``),
weights only from safetensors (pickled ``.bin`` folders are refused unopened), with
``local_files_only=True`` and ``HF_HUB_OFFLINE=1``. The scheduler config fixes the forward
process (geomem's ``DDPM`` with diffusers' beta schedule) and what the U-Net predicts
(``epsilon`` -> eps, ``sample`` -> x0, ``v_prediction`` -> v). diffusers is imported lazily
(the optional extra ``geomem[images]``).

Time: the Score's t is the DDPM step of ``schedule`` and is handed to the U-Net as a float
tensor unchanged. At integer t this is exactly the call diffusers' pipelines make (they pass
integer steps; the sinusoidal embedding casts them to float); fractional t, which the network
never saw in training, gives the smooth interpolation of its time embedding and the schedule
interpolates log alpha_bar (``geomem.schedules.DDPM``). Nothing is rounded.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import sys
import warnings
from pathlib import Path

import torch

from geomem.nets.unet import require_diffusers
from geomem.scores.callable import CallableScore
from geomem.scores.diffusers_folder import FolderSpec, read_folder


@contextlib.contextmanager
def _offline():
    old = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = old


class DiffusersScore(CallableScore):
    """Score of a diffusers ``UNet2DModel``: s(x, t) for flat x (B, d), d = C H W.

    x is reshaped to (B, C, H, W), the U-Net is called as ``unet(x, t).sample`` with the DDPM
    step t, the first C output channels are kept (learned variances, ``variance_type``
    learned / learned_range, give 2 C) and converted to the score by ``parameterization``.

    Parameters
    ----------
    unet : diffusers.UNet2DModel
        The network; a frozen copy in ``dtype`` on ``device`` is used.
    schedule : DDPM
        The training forward process (t is its step).
    parameterization : {"eps", "x0", "v"}
        What the U-Net predicts.
    dtype, device
        Evaluation dtype (float32 by default; float64 for spectra of small models) and device.
    """

    def __init__(
        self,
        unet: torch.nn.Module,
        schedule,
        *,
        parameterization: str = "eps",
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ):
        cfg = unet.config
        size = cfg.sample_size
        H, W = (size, size) if isinstance(size, int) else tuple(size)
        C = int(cfg.in_channels)
        self.unet = copy.deepcopy(unet).to(device=device).eval()
        if next(self.unet.parameters()).dtype != dtype:
            self.unet.to(dtype=dtype)
        self.unet.requires_grad_(False)
        self.source: str | None = None  # the folder it was loaded from, if any
        self.scheduler_config: dict | None = None  # its scheduler_config.json, if loaded
        super().__init__(
            self._predict_images,
            schedule,
            C * H * W,
            parameterization=parameterization,
            image_shape=(C, H, W),
            dtype=dtype,
            device=device,
        )

    def _predict_images(self, img: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.unet(img, t, return_dict=False)[0][:, : img.shape[1]]

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        *,
        scheduler: str | Path | None = None,
        device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float32,
    ) -> DiffusersScore:
        """Load a pipeline folder (``model_index.json``, ``unet/``, ``scheduler/``) or a bare
        ``UNet2DModel`` folder with ``scheduler`` (a ``scheduler_config.json`` or its folder;
        for a pipeline it overrides ``scheduler/``). Offline; safetensors weights only; latent,
        text- or class-conditional models refused (one-line ValueError)."""
        spec: FolderSpec = read_folder(path, scheduler)
        unet = load_unet(spec.unet_dir, dtype)
        score = cls(
            unet, spec.schedule, parameterization=spec.parameterization, dtype=dtype, device=device
        )
        score.source = str(path)
        score.scheduler_config = spec.scheduler_config
        return score


def load_unet(unet_dir: Path, dtype: torch.dtype):
    """diffusers ``UNet2DModel.from_pretrained`` offline, safetensors only, library warnings
    kept from the user (``quiet``)."""
    with _offline(), quiet():
        diffusers = require_diffusers()
        return diffusers.UNet2DModel.from_pretrained(
            unet_dir,
            local_files_only=True,
            use_safetensors=True,
            low_cpu_mem_usage=False,
            torch_dtype=dtype,
        )


def load_diffusers(
    path: str | Path,
    *,
    scheduler: str | Path | None = None,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float32,
):
    """The Score of a diffusers folder: ``ScoreSdeVeScore`` when its scheduler is a
    ``ScoreSdeVeScheduler`` (``geomem.scores.diffusers_ve``), else ``DiffusersScore``."""
    from geomem.scores.diffusers_folder import locate, read_json
    from geomem.scores.diffusers_ve import ScoreSdeVeScore, is_ve_config

    _, sched_file = locate(path, scheduler)
    if is_ve_config(read_json(sched_file, "scheduler_config.json")):
        return ScoreSdeVeScore.from_pretrained(
            path, scheduler=scheduler, device=device, dtype=dtype
        )
    return DiffusersScore.from_pretrained(path, scheduler=scheduler, device=device, dtype=dtype)


# Library chatter that says nothing about the user's model or data: torch's vmap fallback for
# attention ("There is a performance drop because we have not yet implemented the batching
# rule ...", once per Jacobian of a U-Net with attention) and diffusers' deprecation notices.
_QUIET = (
    (UserWarning, r"There is a performance drop because we have not yet implemented", ""),
    (FutureWarning, "", r"diffusers"),
    (DeprecationWarning, "", r"diffusers"),
)


@contextlib.contextmanager
def quiet():
    """Keep torch's attention-batching ``UserWarning`` and diffusers' deprecation warnings from
    the user inside this block only (``warnings.catch_warnings``; no global filter)."""
    logger = logging.getLogger("diffusers") if "diffusers" in sys.modules else None
    level = None if logger is None else logger.level
    with warnings.catch_warnings():
        for category, message, module in _QUIET:
            warnings.filterwarnings("ignore", message, category, module)
        if logger is not None:
            logger.setLevel(logging.ERROR)  # its info/warning chatter (dtype casts, ...)
        try:
            yield
        finally:
            if logger is not None:
                logger.setLevel(level)
