"""`geomem experiment ...`: a typer sub-app, one command per experiment."""

from __future__ import annotations

from pathlib import Path

import typer

from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run
from geomem.cli.options import float_list, int_list
from geomem.experiments.linear_networks import LinearNetworkConfig, SweepConfig, run_sweep
from geomem.theory import theory_curves


def _rem_kept(manifold, n_train, noise_var):
    # the REM heuristic's kept dimension per block (SCIENCE.md §6), (L, K)
    return theory_curves(manifold, n_train, noise_var).kept


app = typer.Typer(no_args_is_help=True, help="Experiments of the paper.")


@app.command("linear-networks")
def linear_networks(
    out: Path = typer.Option(Path("runs/linear-networks"), "--out", help="Sweep directory."),
    preset: str = typer.Option("paper", "--preset", help="Linear-manifold preset."),
    n_train: str = typer.Option("250,500,1000,20000", "--n-train", help="List of N."),
    steps: int = typer.Option(None, "--steps", help="Training steps (default: from --config)."),
    config: str = typer.Option("cpu", "--config", help="Training preset: cpu | paper."),
    noise_var: str = typer.Option("logspace:1e-4:1:25", "--noise-var", help="Noise grid v."),
    n_points: int = typer.Option(8, "--n-points", help="Training points per spectrum."),
    population_n: int = typer.Option(100_000, "--population-n"),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda"),
    dry_run: bool = DRY_RUN,
):
    """Train one network per N; network vs exact vs population spectra per block."""
    if steps is not None and steps <= 0:
        raise ValueError(f"--steps: expected an integer >= 1, got {steps}")
    base = LinearNetworkConfig(
        preset=preset,
        train_config=config,
        steps=steps,
        seed=seed,
        noise_var=float_list("--noise-var", noise_var),
        n_points=n_points,
        population_n=population_n,
        device=device,
    )
    sweep = SweepConfig(int_list("--n-train", n_train), base)
    exit_if_dry_run(dry_run, sweep)
    results = run_sweep(sweep, out, progress=True, theory=_rem_kept)
    typer.echo(
        f"wrote {out}: table.md, kept_per_block.png, spectra_vs_rank.png ({len(results)} runs)"
    )
