"""`geomem train`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run


def train(
    out: Path = typer.Option(..., "--out", help="Run directory (config.json, checkpoint.pt)."),
    preset: str = typer.Option("paper", "--preset", help="Linear-manifold preset of the data."),
    n_train: str = typer.Option(
        "1000", "--n-train", help="N, training points; a comma list trains an ensemble."
    ),
    steps: int = typer.Option(None, "--steps", help="Optimizer steps (default: from --config)."),
    config: str = typer.Option("cpu", "--config", help="Training preset: cpu | paper."),
    seed: str = typer.Option("0", "--seed", help="Seed; a comma list trains an ensemble."),
    parameterization: str = typer.Option("eps", "--parameterization", help="eps | x0 | score"),
    schedule: str = typer.Option("ve", "--schedule", help="ve | vp | ddpm | edm"),
    batch_size: int = typer.Option(None, "--batch-size", help="Batch (default: from --config)."),
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
    """Train a score network on N points of a preset; rerun the same command to resume.

    Comma lists in --n-train and --seed train every (N, seed) pair as one stacked ensemble
    into OUT/n{N}-s{seed}/ (each an ordinary run directory)."""
    from geomem.boundary import check_device
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
    ns, seeds = int_list("--n-train", n_train), int_list("--seed", seed, minimum=0)
    kw = dict(preset=preset, steps=steps, parameterization=parameterization, schedule=schedule)
    kw.update(checkpoint_every=checkpoint_every, device=device, batch_size=batch_size)
    cfgs = [train_preset(config, n_train=n, seed=s, **kw) for n in ns for s in seeds]
    grid = None
    if checkpoint_grid:
        from geomem.checkpoints.snapshots import log_grid

        grid = log_grid(cfgs[0].steps, checkpoint_grid)
    if len(cfgs) == 1:
        if compile:
            raise ValueError("--compile: expected an ensemble (comma lists), got one run")
        check_inputs(cfgs[0], out)
        exit_if_dry_run(dry_run, cfgs[0])
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
    metrics = train_ensemble(cfgs, dirs, progress=True, checkpoint_steps=grid, compile=compile)
    for p, m in zip(dirs, metrics, strict=True):
        typer.echo(f"wrote {p}: loss {m['first_loss']:.4f} -> {m['final_loss']:.4f}")
