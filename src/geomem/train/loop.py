"""Denoising score matching (Vincent 2011) for any schedule, with EMA, clipping and resume.

Step k draws its batch and noise from a generator seeded by SeedSequence([seed, STEP, k])
(``geomem.seeds``), so a run restarted from any checkpoint replays exactly the same data and
noise (no RNG replay): a run killed at any moment and started again ends with bit-identical
weights. ``fit`` runs ``geomem.train.runner.run_steps`` over a ``ModelStepper``.
"""

from __future__ import annotations

import copy
import math
import warnings
from pathlib import Path

import numpy as np
import torch

from geomem import _validate, boundary
from geomem.checkpoints.format import CHECKPOINT, load_checkpoint, read_run, save_checkpoint
from geomem.checkpoints.snapshots import snapshot_path
from geomem.data import preset as data_preset
from geomem.nets.arch import network_from_checkpoint, precond_of
from geomem.nets.mlp import MLP, MLPConfig
from geomem.nets.paper import PaperNet, PaperNetConfig
from geomem.nets.precond import network_inputs, target
from geomem.schedules import get_schedule
from geomem.scores.base import coefficients
from geomem.seeds import INIT, STEP, TRAIN, derive_seed, rng
from geomem.train.config import TrainConfig, identity_of
from geomem.train.runner import check_config, check_device, open_runs, run_steps, write_metrics


class ThreadsWarning(UserWarning):
    """A run resumed with another torch thread count than it was trained with."""


def training_set(cfg: TrainConfig) -> np.ndarray:
    """(N, d) float64 training points: preset.sample(N, rng(seed, TRAIN)), or the first N rows
    of the run's data file (refused, in one line, once its bytes differ from the recorded
    sha256)."""
    if getattr(cfg, "data_file", None) is None:
        return data_preset(cfg.preset).sample(cfg.n_train, rng(cfg.seed, TRAIN))
    from geomem.data.training import data_file_rows

    return data_file_rows(cfg.data_file, cfg.data_sha256, cfg.n_train)


def build_model(cfg: TrainConfig, d: int) -> torch.nn.Module:
    """The network of ``cfg`` (``cfg.arch``: the MLP, or the authors' ``PaperNet``), initialised
    from a generator seeded by [seed, INIT] (PyTorch's default uniform(+-1/sqrt(fan_in)) law
    for Linear layers; LayerNorm weights 1, biases 0)."""
    if getattr(cfg, "arch", "mlp") == "paper":
        model = PaperNet(PaperNetConfig(d=d))
    else:
        model = MLP(MLPConfig(d=d, width=cfg.width, n_blocks=cfg.n_blocks, emb_dim=cfg.emb_dim))
    g = torch.Generator().manual_seed(derive_seed(cfg.seed, INIT))
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.Linear):
                bound = 1 / math.sqrt(mod.in_features)
                mod.weight.copy_(torch.rand(mod.weight.shape, generator=g) * 2 * bound - bound)
                mod.bias.copy_(torch.rand(mod.bias.shape, generator=g) * 2 * bound - bound)
    return model


def step_noise(cfg: TrainConfig, n: int, d: int, step: int):
    """Indices (B,), noise z (B, d) float32 and VE-equivalent log-sigma (B,) float64 of a step,
    a function of (seed, step) only."""
    g = torch.Generator().manual_seed(derive_seed(cfg.seed, STEP, step))
    idx = torch.randint(n, (cfg.batch_size,), generator=g)
    z = torch.randn(cfg.batch_size, d, generator=g)
    u = torch.rand(cfg.batch_size, generator=g, dtype=torch.float64)
    if getattr(cfg, "noise_sampling", "log-uniform") == "steps":  # DDPM: uniform integer step
        sched = get_schedule(cfg.schedule)
        k = torch.floor(u * sched.n_steps).clamp(max=sched.n_steps - 1)
        return idx, z, 0.5 * torch.log(sched.noise_var(k)), g
    lo, hi = math.log(cfg.noise_min), math.log(cfg.noise_max)
    return idx, z, lo + u * (hi - lo), g


def dsm_loss(
    model: torch.nn.Module,
    x0: torch.Tensor,
    z: torch.Tensor,
    log_sigma: torch.Tensor,
    cfg: TrainConfig,
) -> torch.Tensor:
    """Mean squared error of the network output against the DSM target of its
    parameterisation, at x_t = alpha_t x0 + sigma_t z with sigma_t/alpha_t = exp(log_sigma)."""
    sched = get_schedule(cfg.schedule)
    t = torch.as_tensor(sched.t_of_noise_var(torch.exp(2 * log_sigma)))
    a, s = coefficients(sched, t, x0.shape[0], x0.dtype, x0.device)
    xt = a * x0 + s * z
    out = model(*network_inputs(xt, a, s, _precond(cfg)))
    return ((out - target(x0, z, cfg.parameterization)) ** 2).mean()


def _precond(cfg):
    return precond_of({"arch": getattr(cfg, "arch", "mlp"), "sigma_data": cfg.sigma_data})


def check_inputs(cfg, run_dir: str | Path, n_rows: int | None = None, name: str = "out") -> None:
    """What a training run would refuse, before anything is written: the device, the memory
    of the training set (``n_rows`` rows, default ``cfg.n_train``) and of a batch, and the run
    directory ``name`` (a file, another run's config.json, an unreadable or mismatched
    checkpoint)."""
    check_device(cfg.device)
    n = cfg.n_train if n_rows is None else n_rows
    d = cfg.d if isinstance(cfg, TrainConfig) else 1
    if hasattr(cfg, "image_shape"):
        d = int(np.prod(cfg.image_shape))
    boundary.check_fits("n_train", boundary.sizes.matrix_bytes(n, d, 3), n)
    width = d + 8 * getattr(cfg, "width", d)  # a batch's activations, roughly
    boundary.check_fits(
        "batch_size", boundary.sizes.matrix_bytes(cfg.batch_size, width, 2), cfg.batch_size
    )
    run_dir = Path(run_dir)
    above = next((p for p in (run_dir, *run_dir.parents) if p.exists()), run_dir)
    if above.exists() and not above.is_dir():
        _validate.fail(name, "a run directory", f"{run_dir} ({above} is a file)")
    check_config(cfg, run_dir, name)
    if (run_dir / CHECKPOINT).exists():
        ck = load_checkpoint(run_dir / CHECKPOINT)
        if identity_of(ck["config"]) != cfg.identity():
            _validate.fail(
                "checkpoint", "a checkpoint of this run's config", f"{run_dir / CHECKPOINT}"
            )
        if isinstance(cfg, TrainConfig):  # its tensors must fit the config's network
            network_from_checkpoint(ck, ema=False, where=run_dir / CHECKPOINT)
            network_from_checkpoint(ck, ema=True, where=run_dir / CHECKPOINT)


def train(
    cfg: TrainConfig, run_dir: str | Path, *, progress: bool = False, checkpoint_steps=None
) -> dict:
    """Train (or resume) the run of ``cfg`` in ``run_dir``; returns the metrics dict.

    Writes config.json (first), checkpoint.pt every ``checkpoint_every`` steps and at the end,
    and metrics.json when done. A finished run returns its metrics without training.
    ``checkpoint_steps`` (e.g. ``snapshots.log_grid(cfg.steps)``): steps whose checkpoints are
    also kept as ``checkpoints/step-0001000.pt``.
    """
    X = training_set(cfg)
    model = build_model(cfg, X.shape[1])
    return fit(cfg, run_dir, X, model, progress=progress, checkpoint_steps=checkpoint_steps)


def fit(
    cfg,
    run_dir: str | Path,
    X: np.ndarray,
    model: torch.nn.Module,
    *,
    progress=False,
    checkpoint_steps=None,
):
    """Train (or resume) any network on any data: ``model(x_in (B, d), c_noise (B,))`` on
    the rows of X (N, d) under ``cfg`` (a ``TrainingFields`` config: TrainConfig, or
    ImageTrainConfig with images flattened to d); returns the metrics dict.

    The shared loop (``runner.run_steps``) over a ``ModelStepper``: writes config.json
    (first, refusing another run's), checkpoints (also at ``checkpoint_steps``) and
    metrics.json.
    """
    run_dir = Path(run_dir)
    (cfg,), device, keep = open_runs([cfg], [run_dir], checkpoint_steps)
    X = torch.as_tensor(X, dtype=torch.float32, device=device)
    stepper = ModelStepper(cfg, run_dir, X, model.to(device))
    run_steps(stepper, cfg, keep, progress=progress, desc=f"train N={cfg.n_train}")
    return write_metrics(run_dir, cfg, stepper.losses)


class ModelStepper:
    """The ``Stepper`` of one network: ``_one_step`` on the model, its EMA and optimizer;
    checkpoints in ``run_dir`` (``save_run_checkpoint``), resumed from its checkpoint.pt.

    Parameters
    ----------
    cfg : TrainingFields
    run_dir : Path
    X : torch.Tensor
        (N, d) float32 training rows, on the model's device.
    model : torch.nn.Module
        ``model(x_in (B, d), c_noise (B,))``; its EMA copy and optimizer are made here.
    """

    def __init__(self, cfg, run_dir: Path, X: torch.Tensor, model: torch.nn.Module):
        self.cfg, self.run_dir, self.X, self.model = cfg, run_dir, X, model
        self.ema = copy.deepcopy(model).requires_grad_(False)
        opt_cls = torch.optim.RAdam if cfg.optimizer == "radam" else torch.optim.Adam
        self.opt = opt_cls(model.parameters(), lr=cfg.lr, foreach=True)
        self.losses: list[float] = []

    def resume(self) -> int:
        path, args = self.run_dir / CHECKPOINT, (self.model, self.ema, self.opt, self.X.device)
        start, self.losses = _resume(path, self.cfg, *args)
        return start

    def step(self, k: int) -> float:
        return _one_step(self.cfg, self.model, self.ema, self.opt, self.X, k)

    def record(self, mean) -> float:
        self.losses.append(float(mean))
        return self.losses[-1]

    def snapshot(self, k: int) -> None:
        self.save(k, snapshot_path(self.run_dir, k))

    def save(self, k: int, path: Path | None = None) -> None:
        path = self.run_dir / CHECKPOINT if path is None else path
        save_run_checkpoint(path, self.cfg, k, self.model, self.ema, self.opt, self.losses)


def _one_step(cfg, model, ema, opt, X, step) -> float:
    idx, z, log_sigma, _ = step_noise(cfg, X.shape[0], X.shape[1], step)
    dev = X.device
    loss = dsm_loss(model, X[idx.to(dev)], z.to(dev), log_sigma.to(dev), cfg)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if cfg.grad_clip > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    opt.step()
    with torch.no_grad():
        for pe, p in zip(ema.parameters(), model.parameters(), strict=True):
            pe.lerp_(p, 1 - cfg.ema_decay)
    return loss.item()


def save_run_checkpoint(path, cfg, step, model, ema, opt, losses) -> None:
    """Write the training checkpoint of ``cfg`` at ``step`` (model, EMA, optimizer, the RNG
    scheme and losses) to ``path``: the format every reader of run directories expects."""
    g_next = step_noise(cfg, 1, 1, step)[3] if step < cfg.steps else None
    rng = {
        "scheme": f"torch.Generator per step, seeded by SeedSequence([seed, {STEP}, step])",
        "seed": cfg.seed,
        "next_step": step,
        "next_generator_state": g_next.get_state() if g_next is not None else None,
    }
    save_checkpoint(
        path,
        config=cfg.to_json(),
        step=step,
        model=model.state_dict(),
        ema=ema.state_dict(),
        optimizer=opt.state_dict(),
        rng=rng,
        losses=losses,
    )


def _resume(path: Path, cfg, model, ema, opt, device) -> tuple[int, list[float]]:
    if not path.exists():
        return 0, []
    ck = load_checkpoint(path, map_location=device)
    if identity_of(ck["config"]) != cfg.identity():
        _validate.fail("checkpoint", "a checkpoint of this run's config", f"{path} (another run)")
    before = ck["config"].get("threads")
    if before and cfg.threads and before != cfg.threads:
        warnings.warn(
            f"resuming {path} with {cfg.threads} threads, trained so far with {before}: "
            "the weights may differ in the last bits from an uninterrupted run",
            ThreadsWarning,
            stacklevel=2,
        )
    try:
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["optimizer"])
    except (RuntimeError, KeyError, ValueError) as exc:
        _validate.fail(
            "checkpoint",
            "weights matching the config's network",
            f"{path} ({str(exc).splitlines()[0][:80]})",
        )
    return int(ck["step"]), list(ck["losses"])


def load_run(run_dir: str | Path, *, ema: bool = True, device: str = "cpu", step=None):
    """(model, TrainConfig, step) of a run directory; EMA weights by default; the final
    checkpoint, or the one kept at ``step`` (``runs.snapshots.list_checkpoints``)."""
    cfg, ck = read_run(run_dir, TrainConfig, device=device, step=step)
    return network_from_checkpoint(ck, ema=ema).to(device), cfg, int(ck["step"])
