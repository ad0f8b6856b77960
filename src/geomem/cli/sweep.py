"""`geomem sweep` and `geomem report`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

Opt = typer.Option


def sweep(
    spec: Annotated[Path, typer.Argument(help="Sweep spec (TOML): experiment, [base], [grid].")],
    out: Annotated[Path, Opt("--out", help="Results store directory (created if missing).")],
    executor: Annotated[str, Opt("--executor", help="inline | local | dask")] = "local",
    scheduler: Annotated[
        str | None,
        Opt(
            "--scheduler",
            help="Dask scheduler address (tcp://host:8786); without it "
            "--executor dask starts a LocalCluster.",
        ),
    ] = None,
    workers: Annotated[int | None, Opt("--workers", help="Workers (default: all cores).")] = None,
    retries: Annotated[int, Opt("--retries", help="Extra attempts for a run that raises.")] = 0,
    dry_run: Annotated[bool, Opt("--dry-run", help="Print the resolved configs and exit.")] = False,
):
    """Run every config of a grid into a resumable results store (finished runs are skipped)."""
    from geomem.runs.config import read_table

    read_table(spec)  # a missing or malformed file fails before the studies' heavy imports
    from geomem.experiments.registry import EXPERIMENTS
    from geomem.runs.executors import make_executor
    from geomem.runs.sweep import describe, load_spec, run_sweep

    sp = load_spec(spec, EXPERIMENTS)
    ex = make_executor(executor, scheduler=scheduler, workers=workers)
    if dry_run:
        info = describe(sp, out)
        typer.echo(
            f"# {info['experiment']} into {out}: {len(info['runs'])} runs, "
            f"{info['finished']} already finished; grid {json.dumps(info['grid'])}"
        )
        for run in info["runs"]:
            typer.echo(json.dumps(run))
        raise typer.Exit(0)
    res = run_sweep(sp, out, ex, retries=retries)
    failed = f" ({', '.join(res.failed_ids)})" if res.failed else ""
    busy = f", {res.busy} left to a concurrent sweep" if res.busy else ""
    typer.echo(
        f"{out}: {res.total} runs, {res.skipped} already finished, {res.ok} ok, "
        f"{res.failed} failed{failed}{busy}"
    )
    if res.failed:  # runs failed: not bad input (2), but not a success either
        typer.echo(
            f"geomem: error: runs: expected every run to finish, got {res.failed} failed "
            f"(their errors are in {out}/results.jsonl; rerun to redo them)",
            err=True,
        )
        raise typer.Exit(1)


def report(
    store: Annotated[Path, typer.Argument(help="Results store written by geomem sweep.")],
    out: Annotated[Path | None, Opt("--out", help="HTML file (default STORE/report.html).")] = None,
):
    """One static HTML page with the summary tables and every figure of a results store."""
    from geomem.runs.report import write_report

    typer.echo(f"wrote {write_report(store, out)}")
