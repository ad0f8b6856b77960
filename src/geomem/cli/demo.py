"""`geomem demo`."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from geomem import _validate
from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run
from geomem.cli.options import int_list


def demo(
    out: Path = typer.Option(Path("geomem-demo"), "--out", help="Output folder."),
    n_train: str = typer.Option("250,1000,20000", "--n-train", help="Training-set sizes N."),
    n_noise: int = typer.Option(50, "--n-noise", help="Number of noise levels."),
    n_points: int = typer.Option(16, "--n-points", help="Query points per N."),
    population_n: int = typer.Option(100_000, "--population-n"),
    seed: int = typer.Option(0, "--seed"),
    theory: str = typer.Option(
        "rem",
        "--theory",
        help="Dashed lines: rem (the paper's, seconds) | orderstat (own point + order "
        "statistics, right on the sphere; ~60 s more CPU).",
    ),
    dry_run: bool = DRY_RUN,
):
    """The main job: exact scores of the paper preset at several N vs the population."""
    from geomem.boundary import refuse_other, sizes
    from geomem.experiments.demo import DemoConfig, run_demo
    from geomem.runs.config import to_dict

    cfg = DemoConfig(
        n_train=int_list("--n-train", n_train),
        n_noise=n_noise,
        n_points=n_points,
        population_n=population_n,
        seed=seed,
        theory=theory,
    )
    _validate.out_dir("--out", out)
    refuse_other("--out", out / "config.json", to_dict(cfg), key=None)
    sizes.check_count("--n-noise", n_noise)
    n = max(max(cfg.n_train), cfg.population_n)
    need = sizes.matrix_bytes(n, 30, 3) + sizes.scan_bytes(n_noise, n_points, 30)
    sizes.check_fits("--n-train", need, n)
    exit_if_dry_run(dry_run, cfg)
    from dataclasses import asdict

    from geomem import io
    from geomem.boundary.files import claim

    with claim("--out", out / "config.json", to_dict(cfg), key=None):  # re-checked, locked
        io.write_json(out / "config.json", asdict(cfg))  # config.json first (run_demo's own)
    start = time.perf_counter()
    run_demo(cfg, out)
    typer.echo(f"wrote {out}/index.html in {time.perf_counter() - start:.0f} s")
