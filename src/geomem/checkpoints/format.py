"""Checkpoints and run directories: a checkpoint is a dict of tensors and plain types (no
pickled classes), written atomically and read with ``torch.load(weights_only=True)``; a training
run directory holds ``config.json`` and ``checkpoint.pt``.

This is the one reader of run directories: ``geomem.train`` writes them, ``geomem.scores``
reads them from here (so scores never import train)."""

from __future__ import annotations

from pathlib import Path

import torch

import geomem
from geomem import _validate
from geomem.io import atomic_path, write_error

FORMAT = "geomem-checkpoint-v1"
CHECKPOINT = "checkpoint.pt"  # the newest checkpoint of a run directory
KEYS = ("format", "version", "config", "step", "model", "ema", "optimizer", "rng", "losses")


def save_checkpoint(
    path: str | Path,
    *,
    config: dict,
    step: int,
    model: dict,
    ema: dict,
    optimizer: dict,
    rng: dict,
    losses: list[float],
) -> None:
    """Write a checkpoint atomically: a reader sees the old file or the new one, never half."""
    obj = {
        "format": FORMAT,
        "version": geomem.__version__,
        "config": config,
        "step": int(step),
        "model": model,
        "ema": ema,
        "optimizer": optimizer,
        "rng": rng,
        "losses": [float(v) for v in losses],
    }
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        try:  # into a handle: the zip's record names do not carry the temporary file's name
            torch.save(obj, fh)
        except RuntimeError as exc:  # torch's zip writer reports a full disk this way
            raise write_error(path, exc) from exc


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """Read a geomem checkpoint; corrupt or foreign files raise one-line ValueErrors."""
    path = Path(path)
    if not path.is_file():
        _validate.fail("checkpoint", "an existing file", str(path))
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many kinds on corrupt or unsafe files
        _validate.fail(
            "checkpoint",
            "a readable geomem checkpoint",
            f"{path} ({type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:80]})",
        )
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        _validate.fail("checkpoint", f"a dict with format '{FORMAT}'", f"{path} (a foreign file)")
    missing = [k for k in KEYS if k not in obj]
    if missing:
        _validate.fail("checkpoint", f"keys {list(KEYS)}", f"{path} missing {missing}")
    if not isinstance(obj["config"], dict):
        _validate.fail("checkpoint", "a config table", f"{path} ({type(obj['config']).__name__})")
    for key in ("model", "ema"):
        weights = obj[key]
        if not isinstance(weights, dict) or not all(
            isinstance(v, torch.Tensor) for v in weights.values()
        ):
            _validate.fail("checkpoint", f"a '{key}' table of tensors", f"{path}")
        bad = sum(
            int((~torch.isfinite(v)).sum()) for v in weights.values() if v.is_floating_point()
        )
        if bad:
            _validate.fail("checkpoint", "finite weights", f"{path} ({bad} NaN/inf in '{key}')")
    return obj


def read_checkpoint(run_dir: str | Path, *, device: str = "cpu", step: int | None = None) -> dict:
    """The checkpoint dict of a training run directory: its final ``checkpoint.pt``, or the
    one kept at ``step`` (``checkpoints/step-*.pt``, see ``geomem.checkpoints.snapshots``)."""
    from geomem.checkpoints.snapshots import checkpoint_path

    path = checkpoint_path(run_dir, step)
    if not path.is_file():
        _validate.fail("model", "a training run directory holding checkpoint.pt", str(run_dir))
    return load_checkpoint(path, map_location=device)


def read_run(run_dir: str | Path, config_cls, *, device: str = "cpu", step: int | None = None):
    """(config, checkpoint dict) of a run directory (final, or kept at ``step``), the config
    read as ``config_cls`` (a class with ``from_json``)."""
    ck = read_checkpoint(run_dir, device=device, step=step)
    try:
        cfg = config_cls.from_json({**ck["config"], "device": device})
    except (ValueError, TypeError) as exc:
        _validate.fail("checkpoint", f"a {config_cls.__name__} of this geomem version", f"{exc}")
    return cfg, ck
