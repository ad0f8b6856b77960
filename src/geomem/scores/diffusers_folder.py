"""Reading a diffusers model folder without running any of its code or unpickling anything.

Only JSON configs and safetensors files are read here; the weights are checked before
``geomem.scores.diffusers`` hands the folder to diffusers (``check_weights``): safetensors
only, and exactly the tensors the config's U-Net has (no missing one, which diffusers would
random-initialise with a warning; no unexpected one; every shape as the config builds it),
floating point and finite. Every refusal is one line (``geomem._validate.fail``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from geomem import _validate
from geomem.schedules import BETA_SCHEDULES, DDPM

PREDICTION_TYPES = {"epsilon": "eps", "sample": "x0", "v_prediction": "v"}
LATENT_PARTS = ("vae", "vqvae", "text_encoder", "tokenizer", "image_encoder", "prior")
PICKLED = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


@dataclass(frozen=True)
class FolderSpec:
    """What a folder holds: the U-Net folder, its schedule and parameterisation, image shape."""

    unet_dir: Path
    schedule: DDPM
    parameterization: str  # eps | x0 | v
    image_shape: tuple[int, int, int]  # (C, H, W)
    out_channels: int  # C, or 2 C for learned variances (the first C are used)
    scheduler_config: dict | None = None  # the scheduler_config.json as read


def read_json(path: Path, what: str) -> dict:
    try:
        cfg = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        _validate.fail(what, f"a readable JSON file at {path}", type(err).__name__)
    if not isinstance(cfg, dict):
        _validate.fail(what, "a JSON object", type(cfg).__name__)
    return cfg


def locate(path, scheduler) -> tuple[Path, Path]:
    """(unet folder, scheduler config file) of a pipeline folder or a bare U-Net folder."""
    path = Path(path)
    if not path.is_dir():
        _validate.fail("path", "a diffusers model folder", str(path))
    if (path / "model_index.json").is_file():
        index = read_json(path / "model_index.json", "model_index.json")
        parts = [k for k in LATENT_PARTS if index.get(k) and index[k] != [None, None]]
        if parts:
            _validate.fail(
                "path",
                "a pixel-space, unconditional pipeline (unet + scheduler); latent or "
                "text-conditioned models are not supported",
                f"{index.get('_class_name', 'a pipeline')} with {', '.join(parts)}",
            )
        unet_dir = path / "unet"
        sched = Path(scheduler) if scheduler is not None else path / "scheduler"
    elif (path / "config.json").is_file():
        beside = [p / "scheduler_config.json" for p in (path, path / "scheduler")]
        found = next((f for f in beside if f.is_file()), None)
        if scheduler is None and found is not None:
            scheduler = found  # a bare U-Net with its scheduler_config.json beside it
        if scheduler is None:
            _validate.fail(
                "scheduler",
                "a scheduler config (scheduler_config.json or its folder) for a bare U-Net folder",
                None,
            )
        unet_dir, sched = path, Path(scheduler)
    else:
        _validate.fail(
            "path",
            "a diffusers pipeline folder (model_index.json, unet/, scheduler/) or a "
            "UNet2DModel folder (config.json)",
            str(path),
        )
    if sched.is_dir():
        sched = sched / "scheduler_config.json"
    if not sched.is_file():
        _validate.fail("scheduler", "a scheduler_config.json file or a folder with one", str(sched))
    if not (unet_dir / "config.json").is_file():
        _validate.fail("path", "a unet/ folder with config.json", str(unet_dir))
    return unet_dir, sched


def check_safe_weights(unet_dir: Path) -> None:
    """Refuse a folder whose weights are pickled only (nothing is opened here)."""
    names = [p.name for p in unet_dir.iterdir() if p.is_file()]
    if any(n.endswith((".safetensors", ".safetensors.index.json")) for n in names):
        return
    pickled = [n for n in names if n.endswith(PICKLED) or ".bin.index" in n]
    if pickled:
        _validate.fail(
            "weights",
            "safetensors (pickled weights can run code when loaded and are never opened; "
            "convert them where you trust the file: load the model with diffusers and "
            "save_pretrained(folder, safe_serialization=True))",
            f"only {pickled[0]} in {unet_dir}",
        )
    _validate.fail("weights", "a diffusion_pytorch_model.safetensors file", f"none in {unet_dir}")


def unet_shape(
    cfg: dict, time_embeddings: tuple[str, ...] = ("positional", "learned")
) -> tuple[tuple[int, int, int], int]:
    """((C, H, W), out_channels) of a UNet2DModel config; conditional models are refused, and
    time embeddings other than ``time_embeddings`` (a ScoreSdeVe U-Net adds "fourier")."""
    name = cfg.get("_class_name", "UNet2DModel")
    if name != "UNet2DModel":
        _validate.fail(
            "unet",
            "an unconditional pixel-space UNet2DModel (conditional and latent models are "
            "not supported)",
            name,
        )
    if cfg.get("class_embed_type") is not None or cfg.get("num_class_embeds") is not None:
        _validate.fail("unet", "an unconditional UNet2DModel", "a class-conditional one")
    if cfg.get("time_embedding_type", "positional") not in time_embeddings:
        _validate.fail(
            "unet time_embedding_type",
            "'positional' or 'learned' (a DDPM-type U-Net)",
            cfg.get("time_embedding_type"),
        )
    size = cfg.get("sample_size")
    H, W = (size, size) if isinstance(size, int) else tuple(size or (0, 0))
    C, out = int(cfg.get("in_channels", 3)), int(cfg.get("out_channels", 3))
    if min(H, W, C) < 1 or out not in (C, 2 * C):
        _validate.fail(
            "unet", "sample_size >= 1 and out_channels = in_channels (or 2x)", (size, C, out)
        )
    return (C, int(H), int(W)), out


def schedule_of(cfg: dict) -> tuple[DDPM, str]:
    """(DDPM schedule, parameterisation) of a diffusers scheduler config (diffusers' defaults
    for missing keys)."""
    name = cfg.get("_class_name", "a scheduler")
    if "beta_schedule" not in cfg and "beta_start" not in cfg:
        _validate.fail("scheduler", "a DDPM-type config (beta_schedule, beta_start, ...)", name)
    if cfg.get("trained_betas") is not None:
        _validate.fail("scheduler trained_betas", "null (explicit betas are not supported)", "set")
    if cfg.get("rescale_betas_zero_snr"):
        _validate.fail("scheduler rescale_betas_zero_snr", "false (alpha_bar > 0)", True)
    pred = cfg.get("prediction_type", "epsilon")
    if pred not in PREDICTION_TYPES:
        _validate.fail("scheduler prediction_type", f"one of {list(PREDICTION_TYPES)}", pred)
    beta_schedule = cfg.get("beta_schedule", "linear")
    if beta_schedule not in BETA_SCHEDULES:
        _validate.fail("scheduler beta_schedule", f"one of {list(BETA_SCHEDULES)}", beta_schedule)
    schedule = DDPM(
        beta_start=float(cfg.get("beta_start", 1e-4)),
        beta_end=float(cfg.get("beta_end", 0.02)),
        n_steps=int(cfg.get("num_train_timesteps", 1000)),
        beta_schedule=beta_schedule,
    )
    return schedule, PREDICTION_TYPES[pred]


def read_folder(path, scheduler=None) -> FolderSpec:
    """Everything ``DiffusersScore`` needs from a folder, from JSON alone."""
    unet_dir, sched_file = locate(path, scheduler)
    shape, out = unet_shape(read_json(unet_dir / "config.json", "unet config.json"))
    sched_cfg = read_json(sched_file, "scheduler_config.json")
    schedule, param = schedule_of(sched_cfg)
    check_safe_weights(unet_dir)
    check_weights(unet_dir, read_json(unet_dir / "config.json", "unet config.json"))
    return FolderSpec(unet_dir, schedule, param, shape, out, sched_cfg)


def _weight_files(unet_dir: Path) -> list[Path]:
    index = unet_dir / "diffusion_pytorch_model.safetensors.index.json"
    if index.is_file():
        files = sorted(set(read_json(index, "weights index").get("weight_map", {}).values()))
        return [unet_dir / f for f in files]
    return [unet_dir / "diffusion_pytorch_model.safetensors"]


def check_weights(unet_dir: Path, cfg: dict) -> None:
    """Fail (one line naming the file) unless the safetensors of ``unet_dir`` hold exactly
    the tensors of the ``UNet2DModel`` its config builds (built on torch's meta device: no
    memory), each of that shape, floating point and finite."""
    import torch
    from safetensors import safe_open

    from geomem.nets.unet import require_diffusers

    with torch.device("meta"):
        want = {k: tuple(v.shape) for k, v in _unet_from_config(require_diffusers(), cfg)}
    have: dict[str, tuple] = {}
    for path in _weight_files(unet_dir):
        try:
            with safe_open(str(path), framework="pt") as fh:
                for key in fh.keys():
                    sl = fh.get_slice(key)
                    have[key] = (tuple(sl.get_shape()), sl.get_dtype(), path)
        except Exception as exc:  # safetensors raises its own kinds on damaged files
            _validate.fail("weights", "a readable safetensors file", f"{path} ({exc})")
    where = unet_dir / "diffusion_pytorch_model.safetensors"
    missing = sorted(set(want) - set(have))
    if missing:
        _validate.fail(
            "weights", "every tensor of the config's U-Net", f"{where} lacks {_few(missing)}"
        )
    extra = sorted(set(have) - set(want))
    if extra:
        _validate.fail(
            "weights", "only tensors of the config's U-Net", f"{where} has {_few(extra)}"
        )
    for key, (shape, dtype, path) in have.items():
        if shape != want[key]:
            _validate.fail(
                "weights", f"{key} of shape {want[key]} (from config.json)", f"{path}: {shape}"
            )
        if not dtype.startswith(("F", "BF")):
            _validate.fail("weights", f"floating-point {key}", f"{path}: dtype {dtype}")
    for path in {p for _, _, p in have.values()}:
        with safe_open(str(path), framework="pt") as fh:
            for key in fh.keys():
                if not bool(torch.isfinite(fh.get_tensor(key)).all()):
                    _validate.fail("weights", f"finite {key}", f"{path}: NaN or inf in it")


def _unet_from_config(diffusers, cfg: dict):
    try:
        model = diffusers.UNet2DModel.from_config(cfg)
    except Exception as exc:  # diffusers raises many kinds on inconsistent configs
        _validate.fail("unet config.json", "a config diffusers can build", f"{type(exc).__name__}")
    return model.state_dict().items()


def _few(keys: list[str]) -> str:
    return ", ".join(keys[:3]) + (f" (+{len(keys) - 3} more)" if len(keys) > 3 else "")
