"""`geomem sweep` and `geomem report`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from geomem.cli.dryrun import DRY_RUN
from geomem.experiments.executors import make_executor
from geomem.experiments.report import write_report
from geomem.experiments.sweep import describe, load_spec, run_sweep


def sweep(
    spec: Path = typer.Argument(..., help="Sweep spec (TOML): experiment, [base], [grid]."),
    out: Path = typer.Option(..., "--out", help="Results store directory (created if missing)."),
    executor: str = typer.Option("local", "--executor", help="inline | local | dask"),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="Dask scheduler address (tcp://host:8786); "
                                       "without it --executor dask starts a LocalCluster."),
    workers: int = typer.Option(None, "--workers", help="Worker count (default: all cores)."),
    retries: int = typer.Option(0, "--retries", help="Extra attempts for a run that raises."),
    dry_run: bool = DRY_RUN,
):
    """Run every config of a grid into a resumable results store (finished runs are skipped)."""
    sp = load_spec(spec)
    ex = make_executor(executor, scheduler=scheduler, workers=workers)
    if dry_run:
        info = describe(sp, out)
        typer.echo(f"# {info['experiment']} into {out}: {len(info['runs'])} runs, "
                   f"{info['finished']} already finished; grid {json.dumps(info['grid'])}")
        for run in info["runs"]:
            typer.echo(json.dumps(run))
        raise typer.Exit(0)
    res = run_sweep(sp, out, ex, retries=retries)
    typer.echo(f"{out}: {res.total} runs, {res.skipped} already finished, {res.ok} ok, "
               f"{res.failed} failed" + (f" ({', '.join(res.failed_ids)})" if res.failed else ""))


def report(
    store: Path = typer.Argument(..., help="Results store directory written by geomem sweep."),
    out: Path = typer.Option(None, "--out", help="HTML file (default STORE/report.html)."),
):
    """One static HTML page with the summary tables and every figure of a results store."""
    path = write_report(store, out)
    typer.echo(f"wrote {path}")
