"""`geomem experiment paper-figure`: the paper's synthetic figure, both protocols."""

from __future__ import annotations

from pathlib import Path

import typer

from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run
from geomem.cli.options import int_list


def paper_figure(
    model: str = typer.Option(
        None, "--model", help="A `geomem train --config paper` run directory (network panels)."
    ),
    step: int = typer.Option(None, "--step", help="Its kept checkpoint step (default: latest)."),
    n_theory: int = typer.Option(1000, "--n-theory", help="N of the theory panels."),
    n_exact: int = typer.Option(1000, "--n-exact", help="N of the exact-score panels."),
    origin_n: str = typer.Option(
        "250,1000,20000", "--origin-n", help="N list of the origin panel's N-independence."
    ),
    draws: int = typer.Option(5, "--draws", help="Orthogonal draws of the exact panels."),
    n_points: int = typer.Option(8, "--n-points", help="Training points (geomem's protocol)."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda"),
    out: Path = typer.Option(Path("runs/paper-figure"), "--out", help="Output directory."),
    dry_run: bool = DRY_RUN,
):
    """Theory / exact score / network panels by the authors' protocol and by geomem's."""
    from geomem import _validate
    from geomem.boundary import check_device
    from geomem.experiments.paper_figure import (
        PaperFigureConfig,
        resolve_model,
        run_paper_figure,
    )
    from geomem.runs.base import check_run_dir, run_in_dir

    _validate.out_dir("--out", out)
    check_device("--device", device)
    cfg = PaperFigureConfig(
        model=model,
        step=step,
        n_theory=n_theory,
        n_exact=n_exact,
        origin_n=tuple(int_list("--origin-n", origin_n)),
        draws=draws,
        n_points=n_points,
        seed=seed,
        device=device,
    )
    cfg, ck = resolve_model(cfg)  # the checkpoint read once: its step and run hash recorded
    check_run_dir(cfg, out)
    exit_if_dry_run(dry_run, cfg)
    run_in_dir(cfg, out, run_paper_figure, progress=True, checkpoint=ck)
    typer.echo(f"wrote {out}: paper_figure.png, n_independence.png, arrays.npz, metrics.json")
