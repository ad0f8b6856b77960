"""`geomem experiment paper-network`: read-outs of existing paper-network runs, appended."""

from __future__ import annotations

from pathlib import Path

import typer

from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run


def paper_network(
    runs: str = typer.Option(
        ...,
        "--runs",
        help="Comma-separated `geomem train` run folders (several per N allowed: a replay of "
        "the early steps beside the long run; their configs may differ only in steps).",
    ),
    out: Path = typer.Option(Path("runs/paper-network"), "--out", help="Read-out folder."),
    n_points: int = typer.Option(8, "--n-points", help="B training points (matched noise)."),
    tau_noise_var: float = typer.Option(0.02, "--tau-noise-var", help="tau's noise level."),
    population_n: int = typer.Option(100_000, "--population-n"),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda"),
    dry_run: bool = DRY_RUN,
):
    """Read every kept snapshot of the runs not yet in --out (no training): kept directions
    per block at training points + noise, tau, and the authors' network panel; then rebuild
    summary.json, kept_vs_step.png and authors_spectra.png from all rows."""
    from geomem import _validate
    from geomem.boundary import check_device
    from geomem.experiments.training_time.readouts import PaperNetworkConfig, read_new
    from geomem.experiments.training_time.snapshots import group_folders, run_snapshots
    from geomem.experiments.training_time.summary import summarise
    from geomem.runs.base import check_run_dir

    folders = [s.strip() for s in runs.split(",") if s.strip()]
    _validate.out_dir("--out", out)
    check_device("--device", device)
    cfg = PaperNetworkConfig(
        tau_noise_var=tau_noise_var,
        n_points=n_points,
        population_n=population_n,
        seed=seed,
        device=device,
    )
    groups = group_folders(folders, cfg.preset)
    check_run_dir(cfg, out)
    snaps = run_snapshots(groups)
    exit_if_dry_run(dry_run, cfg, runs={k: [str(f) for f in v] for k, v in groups.items()},
                    snapshots=len(snaps))  # fmt: skip
    new = read_new(cfg, out, folders, progress=True)
    summary = summarise(cfg, out)
    total = sum(len(r["steps"]) for r in summary["runs"].values())
    typer.echo(f"wrote {out}: {len(new)} new rows ({total} in all), summary.json, figures")
