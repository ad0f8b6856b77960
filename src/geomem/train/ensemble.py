"""E independent score networks trained in one optimizer step (stacked weights).

Member i is the network that ``geomem.train.loop.train(cfgs[i], run_dirs[i])`` trains, to
float rounding: its initial weights are ``build_model(cfgs[i], d)``, its batch and noise at
step k are ``step_noise(cfgs[i], N_i, d, k)``, its loss is its own mean, its gradients are
clipped by their own global norm, and RAdam/Adam and the EMA act elementwise, so stacking the
members' tensors along a leading axis changes only the order of work. Members may differ in
``n_train``, ``seed`` and ``preset`` (of one dimension d); everything else is shared.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from geomem import _validate
from geomem.nets.mlp import MLPConfig
from geomem.nets.precond import Precond, network_inputs, target
from geomem.schedules import get_schedule
from geomem.scores.base import coefficients
from geomem.train.config import TrainConfig
from geomem.train.ensemble_state import EnsembleStepper, export_members, state_path
from geomem.train.flat import FlatStack, compiled_kernel, step_kernel
from geomem.train.loop import build_model, step_noise, train, training_set
from geomem.train.runner import open_runs, run_steps, write_metrics
from geomem.train.stacked import stacked_forward

MEMBER_FIELDS = ("n_train", "seed", "preset")  # what members may differ in


def member_dir(out: str | Path, cfg: TrainConfig) -> Path:
    """``out/n{N}-s{seed}``: where `geomem train` puts an ensemble member."""
    return Path(out) / f"n{cfg.n_train}-s{cfg.seed}"


def int_list(name: str, text: str, minimum: int = 1) -> list[int]:
    """The integers of ``text`` ("250" or "250,500,1000"), each >= ``minimum``, no repeats."""
    try:
        values = [int(v) for v in str(text).split(",")]
    except ValueError:
        values = []
    if not values or min(values) < minimum or len(set(values)) != len(values):
        _validate.fail(name, f"an integer >= {minimum} or a comma list of distinct ones", text)
    return values


def check_members(cfgs, run_dirs) -> tuple[list[TrainConfig], list[Path], int]:
    """(configs, run directories, d) of a valid ensemble; one-line errors otherwise."""
    if not isinstance(cfgs, list | tuple) or not cfgs:
        _validate.fail("cfgs", "a non-empty list of TrainConfig", cfgs)
    for c in cfgs:
        if not isinstance(c, TrainConfig):
            _validate.fail("cfgs", "TrainConfig items", type(c).__name__, TypeError)
    run_dirs = [Path(p) for p in run_dirs]
    if len(run_dirs) != len(cfgs):
        _validate.fail("run_dirs", f"{len(cfgs)} directories (one per config)", len(run_dirs))
    resolved = [p.resolve() for p in run_dirs]
    dups = sorted({str(p) for p in resolved if resolved.count(p) > 1})
    if dups:
        _validate.fail("run_dirs", "distinct directories", f"{dups[0]} more than once")
    shared = [k for k in cfgs[0].to_json() if k not in MEMBER_FIELDS]
    for k in shared:
        values = [c.to_json()[k] for c in cfgs]
        if any(v != values[0] for v in values):
            _validate.fail(
                "cfgs", f"configs differing only in {list(MEMBER_FIELDS)}", f"{k} = {values}"
            )
    dims = [c.d for c in cfgs]
    if len(set(dims)) > 1:
        _validate.fail("cfgs", "presets of one dimension d", f"d = {dims}")
    return list(cfgs), run_dirs, dims[0]


def train_ensemble(
    cfgs: list[TrainConfig],
    run_dirs: list[str | Path],
    *,
    progress: bool = False,
    checkpoint_steps=None,
    state_dir: str | Path | None = None,
    compile: bool = False,
) -> list[dict]:
    """Train (or resume) the runs ``cfgs[i]`` into ``run_dirs[i]`` as one stacked ensemble.

    Each run directory is an ordinary one (config.json first, checkpoint.pt, metrics.json,
    ``checkpoints/step-*.pt`` at ``checkpoint_steps``), read by ``load_run`` and
    ``NetworkScore.from_run``. While training, the stacked state is kept in
    ``state_dir/ensemble-<key>.pt`` (default: the run directories' common parent) and deleted
    at the end. Runs already finished are returned without training. Returns each member's
    metrics dict (as ``train``), in order. Networks other than the MLP (``arch="paper"``) are
    trained one after the other by ``train`` into the same run directories.

    ``compile=True`` runs the forward pass and the optimizer update through ``torch.compile``
    (needs a C++ compiler; about half a minute to compile, then faster steps; see
    benchmarks/bench_ensemble.py). Its rounding differs from the eager route's, so a run
    resumes bit-identically only under the same choice.
    """
    cfgs, run_dirs, d = check_members(cfgs, run_dirs)
    if any(c.arch != "mlp" for c in cfgs):  # the stacked step is the MLP's: one by one
        return [
            train(c, p, progress=progress, checkpoint_steps=checkpoint_steps)
            for c, p in zip(cfgs, run_dirs, strict=True)
        ]
    cfgs, device, keep = open_runs(cfgs, run_dirs, checkpoint_steps)
    todo = [i for i, p in enumerate(run_dirs) if not (p / "metrics.json").is_file()]
    metrics = [
        None if i in todo else json.loads((p / "metrics.json").read_text())
        for i, p in enumerate(run_dirs)
    ]
    if todo:
        sub_cfgs, sub_dirs = [cfgs[i] for i in todo], [run_dirs[i] for i in todo]
        done = _train(sub_cfgs, sub_dirs, d, device, keep, progress, state_dir, compile)
        for i, m in zip(todo, done, strict=True):
            metrics[i] = m
    return metrics


def _train(cfgs, run_dirs, d, device, keep, progress, state_dir, compile) -> list[dict]:
    cfg0 = cfgs[0]
    Xs = [torch.as_tensor(training_set(c), dtype=torch.float32, device=device) for c in cfgs]
    arch = MLPConfig(d=d, width=cfg0.width, n_blocks=cfg0.n_blocks, emb_dim=cfg0.emb_dim)
    stack = FlatStack(
        [build_model(c, d).state_dict() for c in cfgs], cfg0.optimizer, cfg0.lr, device=device
    )
    path = state_path(run_dirs, state_dir)
    step_fn = EnsembleStep(cfgs, Xs, arch, stack, compile=compile)
    stepper = EnsembleStepper(cfgs, run_dirs, stack, step_fn, path)
    start = run_steps(stepper, cfg0, keep, progress=progress, desc=f"train E={len(cfgs)}")
    if start == cfg0.steps:  # killed after the last stacked save: members may lag
        export_members(cfgs, run_dirs, stack, stepper.losses)
    out = [write_metrics(p, cfg0, m) for p, m in zip(run_dirs, stepper.losses, strict=True)]
    path.unlink(missing_ok=True)
    return out


class EnsembleStep:
    """One optimizer step of the stacked ensemble: ``step_fn(k)`` returns the E member losses.

    Batches: member i's ``step_noise(cfgs[i], N_i, d, k)``; loss: the sum of the members'
    ``dsm_loss``; then per-member clipping, the optimizer update and the EMA on flat buffers.
    """

    def __init__(self, cfgs, Xs, arch: MLPConfig, stack: FlatStack, *, compile: bool = False):
        self.cfgs, self.Xs, self.arch, self.stack = cfgs, Xs, arch, stack
        self.kernel = compiled_kernel() if compile else step_kernel
        self.forward = torch.compile(stacked_forward, dynamic=False) if compile else stacked_forward
        cfg0 = cfgs[0]
        self.sched, self.precond = get_schedule(cfg0.schedule), Precond(cfg0.sigma_data)
        self.clip, self.w = cfg0.grad_clip, 1 - cfg0.ema_decay
        self.param = cfg0.parameterization

    def batch(self, step: int):
        """x0 (E, B, d), z (E, B, d) float32 and log-sigma (E, B) float64 of ``step``."""
        xs, zs, ls = [], [], []
        for cfg, X in zip(self.cfgs, self.Xs, strict=True):
            idx, z, log_sigma, _ = step_noise(cfg, X.shape[0], X.shape[1], step)
            xs.append(X[idx.to(X.device)])
            zs.append(z)
            ls.append(log_sigma)
        dev = self.Xs[0].device
        return torch.stack(xs), torch.stack(zs).to(dev), torch.stack(ls).to(dev)

    def losses(self, x0, z, log_sigma) -> torch.Tensor:
        """(E,) DSM losses, each the ``dsm_loss`` of one member."""
        E, B, d = x0.shape
        t = torch.as_tensor(self.sched.t_of_noise_var(torch.exp(2 * log_sigma.reshape(-1))))
        a, s = coefficients(self.sched, t, E * B, x0.dtype, x0.device)
        x0f, zf = x0.reshape(E * B, d), z.reshape(E * B, d)
        x_in, c = network_inputs(a * x0f + s * zf, a, s, self.precond)
        out = self.forward(self.stack.params, self.arch, x_in.view(E, B, d), c.view(E, B))
        err = out - target(x0f, zf, self.param).view(E, B, d)
        return (err**2).mean(dim=(1, 2))

    def __call__(self, step: int) -> list[float]:
        loss = self.losses(*self.batch(step))
        grad = self.stack.flat_grad(loss.sum())
        self.stack.update_(grad, self.clip, self.w, self.kernel)
        return loss.tolist()
