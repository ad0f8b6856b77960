"""`geomem train`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import typer

from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run


def train(
    out: Path = typer.Option(..., "--out", help="Run directory (config.json, checkpoint.pt)."),
    preset: str = typer.Option(
        None, "--preset", help="Linear-manifold preset of the data (default paper)."
    ),
    data: str = typer.Option(
        None, "--data", help="Your training set .npy/.npz (N, d) instead of a preset."
    ),
    heldout: str = typer.Option(
        None, "--heldout", help="Held-out .npy/.npz (M, d) recorded with --data."
    ),
    n_train: str = typer.Option(
        None,
        "--n-train",
        help="N, training points (default 1000; with --data all rows, else its first N); "
        "a comma list trains an ensemble.",
    ),
    steps: int = typer.Option(None, "--steps", help="Optimizer steps (default: from --config)."),
    config: str = typer.Option("cpu", "--config", help="Training preset: cpu | paper."),
    seed: str = typer.Option("0", "--seed", help="Seed; a comma list trains an ensemble."),
    parameterization: str = typer.Option("eps", "--parameterization", help="eps | x0 | score"),
    schedule: str = typer.Option("ve", "--schedule", help="ve | vp | ddpm | edm"),
    batch_size: int = typer.Option(None, "--batch-size", help="Batch (default: from --config)."),
    lr: float = typer.Option(None, "--lr", help="Learning rate (default: from --config)."),
    ema_decay: float = typer.Option(
        None, "--ema-decay", help="EMA decay of the weights (default: from --config)."
    ),
    width: int = typer.Option(None, "--width", help="MLP width (default 128)."),
    blocks: int = typer.Option(None, "--blocks", help="MLP residual blocks (default 2)."),
    noise_min: float = typer.Option(
        None, "--noise-min", help="Smallest training sigma (--data: 0.01 x top principal std)."
    ),
    noise_max: float = typer.Option(
        None, "--noise-max", help="Largest training sigma (--data: 50 x the data's scale)."
    ),
    sigma_data: float = typer.Option(
        None, "--sigma-data", help="c_in's sigma_data (--data: the coordinates' RMS)."
    ),
    checkpoint_every: int = typer.Option(None, "--checkpoint-every"),
    checkpoint_grid: int = typer.Option(
        0, "--checkpoint-grid", help="Keep checkpoints at K, 2K, 4K, ... steps (0: none)."
    ),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda"),
    compile: bool = typer.Option(
        False, "--compile", help="Ensembles: torch.compile the step (faster after ~30 s)."
    ),
    dry_run: bool = DRY_RUN,
):
    """Train a score network on N points of a preset or of your data; rerun to resume.

    Comma lists in --n-train and --seed train every (N, seed) pair as one stacked ensemble
    into OUT/n{N}-s{seed}/ (each an ordinary run directory). With --data the run records the
    file's sha256 and shape (not a preset) and trains on its first N rows; the noise range
    and sigma_data follow the data's scale unless given."""
    from geomem import _validate
    from geomem.boundary import check_device
    from geomem.boundary.sizes import check_steps
    from geomem.train.config import train_preset
    from geomem.train.ensemble import int_list, member_dir, train_ensemble
    from geomem.train.loop import check_inputs
    from geomem.train.loop import train as run_train

    if steps is not None and steps <= 0:
        raise ValueError(f"--steps: expected an integer >= 1, got {steps}")
    check_device("--device", device)
    if checkpoint_grid < 0:
        raise ValueError(
            f"--checkpoint-grid: expected an integer >= 0 (0: none), got {checkpoint_grid}"
        )
    if data is not None and preset is not None:
        _validate.fail("--preset/--data", "one of the two", f"--preset {preset} --data {data}")
    if heldout is not None and data is None:
        _validate.fail("--heldout", "a held-out file together with --data", heldout)
    if config == "paper" and (width is not None or blocks is not None):
        _validate.fail(
            "--width/--blocks", "no MLP sizes with --config paper (the authors' network)", config
        )
    kw = dict(steps=steps, parameterization=parameterization, schedule=schedule)
    kw.update(checkpoint_every=checkpoint_every, device=device, batch_size=batch_size)
    kw.update(width=width, n_blocks=blocks, noise_min=noise_min, noise_max=noise_max)
    kw.update(sigma_data=sigma_data, lr=lr, ema_decay=ema_decay)
    note = None
    seeds = int_list("--seed", seed, minimum=0)
    if data is None:
        kw["preset"] = preset if preset is not None else "paper"
        ns = int_list("--n-train", n_train if n_train is not None else "1000")
        cfgs = [train_preset(config, n_train=n, seed=s, **kw) for n in ns for s in seeds]
    else:
        from geomem.train.config import data_train_config, scale_line

        base, scale = data_train_config(data, "--data", heldout, config, seed=seeds[0], **kw)
        ns = int_list("--n-train", n_train) if n_train is not None else [base.n_train]
        cfgs = [replace(base, n_train=n, seed=s) for n in ns for s in seeds]
        note = scale_line(base, scale)
    check_steps("--steps", cfgs[0].steps)  # the loss log of every step must fit
    grid = None
    if checkpoint_grid:
        from geomem.checkpoints.snapshots import log_grid

        grid = log_grid(cfgs[0].steps, checkpoint_grid)
    if len(cfgs) == 1:
        if compile:
            raise ValueError("--compile: expected an ensemble (comma lists), got one run")
        check_inputs(cfgs[0], out)
        exit_if_dry_run(dry_run, cfgs[0])
        if note:
            typer.echo(note)
        m = run_train(cfgs[0], out, progress=True, checkpoint_steps=grid)
        typer.echo(
            f"wrote {out}: {cfgs[0].steps} steps, loss {m['first_loss']:.4f} (first "
            f"interval) -> {m['final_loss']:.4f} (last)"
        )
        return
    dirs = [member_dir(out, c) for c in cfgs]
    for c, p in zip(cfgs, dirs, strict=True):
        check_inputs(c, p)
    if dry_run:
        members = zip(dirs, cfgs, strict=True)
        typer.echo(json.dumps([{"out": str(p), "config": c.to_json()} for p, c in members]))
        raise typer.Exit(0)
    if note:
        typer.echo(note)
    metrics = train_ensemble(cfgs, dirs, progress=True, checkpoint_steps=grid, compile=compile)
    for p, m in zip(dirs, metrics, strict=True):
        typer.echo(f"wrote {p}: loss {m['first_loss']:.4f} -> {m['final_loss']:.4f}")
