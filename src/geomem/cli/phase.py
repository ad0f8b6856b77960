"""`geomem phase-diagram`."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run
from geomem.cli.options import float_list, int_list


def phase_diagram(
    out: Path = typer.Option(..., "--out", help="Output directory."),
    preset: str = typer.Option("paper", "--preset"),
    n_train: str = typer.Option(None, "--n-train", help="N grid (default 2^5..2^15)."),
    noise_var: str = typer.Option(
        None, "--noise-var", help="v grid (default logspace:10^-4.5:10^0.5:41, 8 per decade)."
    ),
    seeds: str = typer.Option("0,1,2,3", "--seeds", help="Independent training draws."),
    points: str = typer.Option("train", "--points", help="train | fresh | origin"),
    n_points: int = typer.Option(16, "--n-points", help="Query points per draw."),
    point_noise: str = typer.Option("matched", "--point-noise"),
    threshold: float = typer.Option(0.5, "--threshold"),
    route: str = typer.Option("block-moments", "--route", help="block-moments | posterior | scan"),
    theory_draws: int = typer.Option(
        128, "--theory-draws", help="Order-statistics theory: query draws per (N, v)."
    ),
    theory_seed: int = typer.Option(0, "--theory-seed", help="The theory's Monte Carlo seed."),
    ceiling_seeds: str = typer.Option(
        None,
        "--ceiling-seeds",
        help="Seeds of an independent second measurement for the ceiling (doubles the "
        "measuring time; default: the seeds split in halves).",
    ),
    dry_run: bool = DRY_RUN,
):
    """Measured kept dimension per block (exact scores) over N x noise, vs the
    order-statistics theory and the REM, beside the measurement's own ceiling."""
    from geomem.experiments.phase.diagram import PhaseConfig, check_inputs, run_phase, write_config

    kw = {}
    if n_train is not None:
        kw["n_train"] = int_list("--n-train", n_train)
    if noise_var is not None:
        kw["noise_var"] = float_list("--noise-var", noise_var, positive=True)
    if ceiling_seeds is not None:
        kw["ceiling_seeds"] = int_list("--ceiling-seeds", ceiling_seeds, minimum=0)
    cfg = PhaseConfig(
        preset=preset,
        seeds=int_list("--seeds", seeds, minimum=0),
        points=points,
        n_points=n_points,
        point_noise=point_noise,
        threshold=threshold,
        route=route,
        theory_draws=theory_draws,
        theory_seed=theory_seed,
        **kw,
    )
    check_inputs(cfg, out)
    exit_if_dry_run(dry_run, cfg)
    from geomem.boundary.files import folder_lock

    with folder_lock(out):  # checked again under the lock: a concurrent other config loses
        check_inputs(cfg, out)
        write_config(cfg, out)
    start = time.perf_counter()
    summary = run_phase(cfg, out, progress=True)
    m = summary["metrics"]
    a, b = m["agreement"], m["agreement_nontrivial"]

    def f(x):
        return "n/a" if x is None else f"{x:.3f}"

    typer.echo(
        f"wrote {out} in {time.perf_counter() - start:.1f} s: agreement of {m['n_cells']} cells "
        f"(non-trivial) order statistics {f(a['orderstat'])} ({f(b['orderstat'])}), "
        f"REM {f(a['rem'])} ({f(b['rem'])}), measured ceiling {f(a['ceiling'])} "
        f"({f(b['ceiling'])}; {m['ceiling']})"
    )
