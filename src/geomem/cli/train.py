"""`geomem train`."""

from __future__ import annotations

from pathlib import Path

import typer

from geomem.boundary import check_device
from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run
from geomem.train.config import train_preset
from geomem.train.loop import check_inputs
from geomem.train.loop import train as run_train


def train(
    out: Path = typer.Option(..., "--out", help="Run directory (config.json, checkpoint.pt)."),
    preset: str = typer.Option("paper", "--preset", help="Linear-manifold preset of the data."),
    n_train: int = typer.Option(1000, "--n-train", help="N, training points."),
    steps: int = typer.Option(None, "--steps", help="Optimizer steps (default: from --config)."),
    config: str = typer.Option("cpu", "--config", help="Training preset: cpu | paper."),
    seed: int = typer.Option(0, "--seed"),
    parameterization: str = typer.Option("eps", "--parameterization", help="eps | x0 | score"),
    schedule: str = typer.Option("ve", "--schedule", help="ve | vp | ddpm | edm"),
    checkpoint_every: int = typer.Option(None, "--checkpoint-every"),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda"),
    dry_run: bool = DRY_RUN,
):
    """Train a score network on N points of a preset; rerun the same command to resume."""
    if steps is not None and steps <= 0:
        raise ValueError(f"--steps: expected an integer >= 1, got {steps}")
    check_device("--device", device)
    cfg = train_preset(
        config,
        preset=preset,
        n_train=n_train,
        steps=steps,
        seed=seed,
        parameterization=parameterization,
        schedule=schedule,
        checkpoint_every=checkpoint_every,
        device=device,
    )
    check_inputs(cfg, out)
    exit_if_dry_run(dry_run, cfg)
    metrics = run_train(cfg, out, progress=True)
    typer.echo(
        f"wrote {out}: {cfg.steps} steps, loss {metrics['first_loss']:.4f} (first "
        f"interval) -> {metrics['final_loss']:.4f} (last)"
    )
