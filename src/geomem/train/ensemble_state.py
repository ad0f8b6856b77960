"""Resumable state of an ensemble: one stacked checkpoint, and its members' ordinary ones.

The stacked file ``ensemble-<key>.pt`` (key: a digest of the member directories relative to
the state folder) is written first at every checkpoint, then each member's ``checkpoint.pt``
(the format of ``geomem.train.loop.save_run_checkpoint``), so a kill between the two loses
nothing: the stacked file is the truth while the ensemble runs, and it is deleted once every
member's metrics.json is written. ``EnsembleStepper`` is the ensemble's side of the shared
loop (``geomem.train.runner.run_steps``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from geomem import _validate
from geomem.checkpoints.format import load_checkpoint
from geomem.checkpoints.snapshots import snapshot_path
from geomem.io import atomic_path
from geomem.train.config import identity_of
from geomem.train.flat import FlatStack
from geomem.train.loop import CHECKPOINT, save_run_checkpoint
from geomem.train.stacked import member_state, stack_states

FORMAT = "geomem-ensemble-v1"


def state_path(run_dirs: list[Path], state_dir: Path | None) -> Path:
    """``state_dir/ensemble-<key>.pt``; ``state_dir`` defaults to the members' common parent."""
    dirs = [p.resolve() for p in run_dirs]
    root = Path(state_dir).resolve() if state_dir is not None else None
    if root is None:
        root = Path(os.path.commonpath([p.parent for p in dirs]))
    names = [os.path.relpath(p, root) for p in dirs]
    key = hashlib.sha256(json.dumps(names).encode()).hexdigest()[:12]
    return root / f"ensemble-{key}.pt"


def member_optimizer(opt_state: dict, i: int) -> dict:
    """Member i's optimizer state dict (that of one network) from the stacked one."""
    state = {
        j: {k: (v[i].clone() if k != "step" else v.clone()) for k, v in s.items()}
        for j, s in opt_state["state"].items()
    }
    return {"state": state, "param_groups": copy.deepcopy(opt_state["param_groups"])}


def stack_optimizers(states: list[dict]) -> dict:
    """The stacked optimizer state dict of E members' ones (all at one step)."""
    stacked = {
        j: {
            k: (torch.stack([s["state"][j][k] for s in states]) if k != "step" else v.clone())
            for k, v in s0.items()
        }
        for j, s0 in states[0]["state"].items()
    }
    return {"state": stacked, "param_groups": states[0]["param_groups"]}


def save_state(path: Path, cfgs, stack: FlatStack, losses) -> None:
    """Write the stacked state atomically."""
    obj = {
        "format": FORMAT,
        "configs": [identity_of(c.to_json()) for c in cfgs],
        "step": stack.step,
        "model": _contiguous(stack.views(stack.flat.detach())),
        "ema": _contiguous(stack.views(stack.ema)),
        "optimizer": stack.optimizer_state(),
        "losses": [[float(v) for v in member] for member in losses],
    }
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def _contiguous(views: dict) -> dict:
    return {k: v.clone(memory_format=torch.contiguous_format) for k, v in views.items()}


def export_members(cfgs, run_dirs, stack: FlatStack, losses, *, name=None) -> None:
    """Write each member's ordinary checkpoint (``checkpoint.pt``, or the path ``name(dir)``)."""
    opt_state = stack.optimizer_state()
    params, ema = stack.views(stack.flat.detach()), stack.views(stack.ema)
    for i, (cfg, run_dir) in enumerate(zip(cfgs, run_dirs, strict=True)):
        model = SimpleNamespace(state_dict=lambda i=i: member_state(params, i))
        avg = SimpleNamespace(state_dict=lambda i=i: member_state(ema, i))
        optim = SimpleNamespace(state_dict=lambda i=i: member_optimizer(opt_state, i))
        path = name(run_dir) if name is not None else run_dir / CHECKPOINT
        save_run_checkpoint(path, cfg, stack.step, model, avg, optim, losses[i])


def load_state(path: Path, cfgs, run_dirs, device) -> dict | None:
    """The stacked state to resume from: the stacked file if present, else the members' own
    checkpoints stacked (all at one step), else None (a fresh start)."""
    ids = [c.identity() for c in cfgs]
    if path.is_file():
        try:
            obj = torch.load(path, map_location=device, weights_only=True)
        except Exception as exc:  # torch raises many kinds on corrupt files
            _validate.fail("checkpoint", "a readable ensemble state", f"{path} ({exc})"[:120])
        if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj["configs"] != ids:
            _validate.fail("checkpoint", "the state of this ensemble", f"{path} (another one)")
        return obj
    paths = [d / CHECKPOINT for d in run_dirs]
    if not any(p.exists() for p in paths):
        return None
    cks = [load_checkpoint(p, map_location=device) if p.exists() else None for p in paths]
    steps = [ck["step"] if ck is not None else None for ck in cks]
    if len(set(steps)) != 1:
        _validate.fail(
            "checkpoint", "member checkpoints all at one step (or the ensemble state)", steps
        )
    for p, ck, i in zip(paths, cks, ids, strict=True):
        if identity_of(ck["config"]) != i:
            _validate.fail("checkpoint", "a checkpoint of this run's config", f"{p} (another run)")
    return {
        "step": steps[0],
        "model": stack_states([ck["model"] for ck in cks]),
        "ema": stack_states([ck["ema"] for ck in cks]),
        "optimizer": stack_optimizers([ck["optimizer"] for ck in cks]),
        "losses": [list(ck["losses"]) for ck in cks],
    }


class EnsembleStepper:
    """The ``Stepper`` of a stacked ensemble: ``step_fn(k)`` (``EnsembleStep``) on ``stack``;
    at each boundary the stacked state at ``path`` first, then each member's checkpoint.pt;
    resumed from either (``load_state``). ``losses``: one list per member."""

    def __init__(self, cfgs, run_dirs, stack: FlatStack, step_fn, path: Path):
        self.cfgs, self.run_dirs, self.stack, self.step_fn = cfgs, run_dirs, stack, step_fn
        self.path = path
        self.losses: list[list[float]] = [[] for _ in cfgs]

    def resume(self) -> int:
        state = load_state(self.path, self.cfgs, self.run_dirs, self.stack.flat.device)
        if state is None:
            return 0
        self.stack.load(state["model"], state["ema"], state["optimizer"])
        self.losses = [list(v) for v in state["losses"]]
        return int(state["step"])

    def step(self, k: int) -> list[float]:
        return self.step_fn(k)

    def record(self, mean) -> float:
        for member, v in zip(self.losses, mean, strict=True):
            member.append(float(v))
        return float(np.mean(mean))

    def snapshot(self, k: int) -> None:
        name = lambda run_dir: snapshot_path(run_dir, k)  # noqa: E731
        export_members(self.cfgs, self.run_dirs, self.stack, self.losses, name=name)

    def save(self, k: int) -> None:
        save_state(self.path, self.cfgs, self.stack, self.losses)
        export_members(self.cfgs, self.run_dirs, self.stack, self.losses)
