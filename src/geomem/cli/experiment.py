"""`geomem experiment ...`: a typer sub-app, one command per experiment."""

from __future__ import annotations

from pathlib import Path

import typer

from geomem import _validate
from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run
from geomem.cli.options import float_list, int_list
from geomem.cli.paper_figure import paper_figure
from geomem.cli.paper_network import paper_network


def _rem_kept(manifold, n_train, noise_var):
    # the REM heuristic's kept dimension per block (docs/science.md §6), (L, K)
    from geomem.theory import theory_curves

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
    from geomem.boundary import check_device
    from geomem.experiments.linear_networks import (
        LinearNetworkConfig,
        SweepConfig,
        check_linear_sweep,
        run_sweep,
    )

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
    _check_sweep_dir(out)
    check_device("--device", device)
    check_linear_sweep(sweep)
    exit_if_dry_run(dry_run, sweep)
    results = run_sweep(sweep, out, progress=True, theory=_rem_kept)
    typer.echo(
        f"wrote {out}: table.md, kept_per_block.png, spectra_vs_rank.png ({len(results)} runs)"
    )


@app.command("images")
def images(
    dataset: str = typer.Option("fashion-mnist", "--dataset", help="mnist | fashion-mnist | ..."),
    root: str = typer.Option(None, "--root", help="Dataset folder (default: system location)."),
    n_train: str = typer.Option("64,256,1024", "--n-train", help="List of N (nested subsets)."),
    preset: str = typer.Option("cpu", "--preset", help="Training preset: cpu | gpu | paper."),
    step: float = typer.Option(15.0, "--step", help="DDPM step of the measurement."),
    noise_var: float = typer.Option(None, "--noise-var", help="Noise variance (overrides step)."),
    rule: str = typer.Option("threshold", "--rule", help="Figure's rule: threshold|spike|gap."),
    steps: int = typer.Option(None, "--steps", help="Training steps (default: the preset's)."),
    downsample: int = typer.Option(None, "--downsample", help="Block-average factor."),
    n_points: int = typer.Option(8, "--n-points", help="Training images measured."),
    n_heldout: int = typer.Option(8, "--n-heldout", help="Held-out images measured."),
    route: str = typer.Option("exact", "--route", help="U-Net Jacobian: exact | lanczos."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda"),
    out: Path = typer.Option(Path("runs/images"), "--out", help="Sweep directory."),
    dry_run: bool = DRY_RUN,
):
    """Train a U-Net per N; its dimension vs the exact score's at training/held-out images."""
    from geomem.boundary import check_device
    from geomem.experiments.images import ImagesConfig, check_sweep, run_image_sweep

    ns = int_list("--n-train", n_train)
    base = ImagesConfig(
        dataset=dataset,
        root=root,
        n_train=min(ns),
        preset=preset,
        steps=steps,
        downsample=downsample,
        step=step,
        noise_var=noise_var,
        n_points=n_points,
        n_heldout=n_heldout,
        route=route,
        seed=seed,
        device=device,
    )
    _check_sweep_dir(out)
    check_device("--device", device)
    check_sweep(ns, base, rule)  # the rule, every N and the dataset files, as the run reads them
    exit_if_dry_run(dry_run, base, n_train=list(ns), rule=rule)
    results = run_image_sweep(ns, base, out, rule=rule, progress=True)
    typer.echo(f"wrote {out}: table.md, dimension_vs_n.png, spectra.png ({len(results)} runs)")


def _check_sweep_dir(out: Path) -> None:
    _validate.out_dir("--out", out)


@app.command("copies")
def copies(
    out: Path = typer.Option(Path("runs/copies"), "--out", help="Sweep directory."),
    preset: str = typer.Option("paper", "--preset", help="Linear-manifold preset."),
    n_train: str = typer.Option("64,250,1000,4000,20000", "--n-train", help="List of N."),
    models: str = typer.Option("exact,population,network", "--models", help="Models to sample."),
    network_run: str = typer.Option(
        None, "--network-run", help="Run dir of the network per N ('{N}' -> N); else trained."
    ),
    config: str = typer.Option("cpu", "--config", help="Training preset of networks trained here."),
    steps: int = typer.Option(None, "--steps", help="Training steps (default: from --config)."),
    n_samples: int = typer.Option(512, "--n-samples", help="K samples per model."),
    sampler: str = typer.Option("heun", "--sampler", help="heun | sde"),
    sampler_steps: int = typer.Option(35, "--sampler-steps", help="Sampler steps (+1 denoise)."),
    noise_var: str = typer.Option("0.001,0.01", "--noise-var", help="Small-noise read-out v."),
    population_n: int = typer.Option(100_000, "--population-n"),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda"),
    dry_run: bool = DRY_RUN,
):
    """Samples of exact, population and trained scores per N, tested for copies per block."""
    from geomem.boundary import check_device
    from geomem.experiments.copies import (
        CopiesConfig,
        CopiesSweepConfig,
        check_copies_sweep,
        run_copies_sweep,
    )
    from geomem.sampling import SamplerConfig

    if steps is not None and steps <= 0:
        raise ValueError(f"--steps: expected an integer >= 1, got {steps}")
    _validate.positive_int("--sampler-steps", sampler_steps)
    from geomem.boundary.sizes import check_steps

    check_steps("--sampler-steps", sampler_steps)  # named as the option, before the members
    if steps is not None:
        check_steps("--steps", steps)
    base = CopiesConfig(
        n_train=int_list("--n-train", n_train)[0],
        preset=preset,
        seed=seed,
        models=tuple(m.strip() for m in models.split(",") if m.strip()),
        network_run=network_run,
        train_config=config,
        steps=steps,
        n_samples=n_samples,
        sampler=SamplerConfig(sampler=sampler, steps=sampler_steps),
        noise_var=float_list("--noise-var", noise_var),
        population_n=population_n,
        device=device,
    )
    sweep = CopiesSweepConfig(int_list("--n-train", n_train), base)
    _check_sweep_dir(out)
    check_device("--device", device)
    check_copies_sweep(sweep)
    exit_if_dry_run(dry_run, sweep)
    results = run_copies_sweep(sweep, out, progress=True)
    typer.echo(
        f"wrote {out}: table.md, copy_fraction.png, ratio_histograms.png ({len(results)} runs)"
    )


@app.command("training-time")
def training_time(
    out: Path = typer.Option(Path("runs/training-time-study"), "--out", help="Study directory."),
    preset: str = typer.Option("paper", "--preset", help="Linear-manifold preset."),
    n_train: str = typer.Option("250,500,1000,4000,20000", "--n-train", help="List of N."),
    config: str = typer.Option("cpu", "--config", help="Training preset: cpu | paper."),
    steps: int = typer.Option(262_144, "--steps", help="Optimizer steps of the ensemble."),
    batch_size: int = typer.Option(128, "--batch-size"),
    first_checkpoint: int = typer.Option(1000, "--first-checkpoint", help="Log grid start."),
    runs_dir: str = typer.Option(
        None, "--runs-dir", help="Ensemble folder (n{N}-s{seed}/), trained or resumed here."
    ),
    compile: bool = typer.Option(False, "--compile", help="torch.compile the ensemble step."),
    noise_var: str = typer.Option("logspace:1e-4:1:25", "--noise-var", help="Noise grid v."),
    tau_noise_var: float = typer.Option(0.02, "--tau-noise-var", help="v of the tau read-out."),
    n_points: int = typer.Option(8, "--n-points", help="Training points per spectrum."),
    population_n: int = typer.Option(100_000, "--population-n"),
    panel_n: str = typer.Option("500,1000", "--panel-n", help="N of the three-panel figure."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda"),
    dry_run: bool = DRY_RUN,
):
    """One ensemble over N read at log-spaced checkpoints: kept dimension vs training time."""
    from geomem.boundary import check_device
    from geomem.experiments.training_time.study import TrainingTimeConfig, check_study, run_study

    cfg = TrainingTimeConfig(
        n_train=int_list("--n-train", n_train),
        preset=preset,
        train_config=config,
        steps=steps,
        batch_size=batch_size,
        first_checkpoint=first_checkpoint,
        seed=seed,
        compile=compile,
        runs_dir=runs_dir,
        noise_var=float_list("--noise-var", noise_var),
        tau_noise_var=tau_noise_var,
        n_points=n_points,
        population_n=population_n,
        panel_n=int_list("--panel-n", panel_n),
        device=device,
    )
    _check_sweep_dir(out)
    check_device("--device", device)
    check_study(cfg, out)
    exit_if_dry_run(dry_run, cfg)
    m = run_study(cfg, out, progress=True)
    fits = ", ".join(
        f"{f['block']}: b = {f['exponent']:.2f}" if f["exponent"] is not None else
        f"{f['block']}: -" for f in m["tau_fit"][:2]
    )  # fmt: skip
    typer.echo(f"wrote {out}: table.md, kept_vs_step.png, tau_vs_n.png, three_panels.png ({fits})")


@app.command("block-order")
def block_order(
    out: Path = typer.Option(Path("runs/block-order"), "--out", help="Output directory."),
    designs: str = typer.Option("equal,swapped,paper", "--designs", help="equal | swapped | paper"),
    n_train: str = typer.Option("1024,16384", "--n-train", help="List of N."),
    noise_var: str = typer.Option(None, "--noise-var", help="v grid (default 10^-3.5..1, 22)."),
    seeds: str = typer.Option("0,1", "--seeds", help="Training draws per N."),
    n_points: int = typer.Option(8, "--n-points", help="Training points per draw."),
    theory_draws: int = typer.Option(128, "--theory-draws"),
    dry_run: bool = DRY_RUN,
):
    """Which block is lost first: equal and swapped dimensions, flat and sphere, exact scores
    beside the order-statistics theory and the REM."""
    from geomem.experiments.block_order.study import BlockOrderConfig, run_block_order
    from geomem.runs.base import run_in_dir

    kw = {} if noise_var is None else {"noise_var": float_list("--noise-var", noise_var)}
    names = tuple(x.strip() for x in designs.split(","))
    cfg = BlockOrderConfig(
        designs=names,
        n_train=int_list("--n-train", n_train),
        seeds=int_list("--seeds", seeds, minimum=0),
        n_points=n_points,
        theory_draws=theory_draws,
        **kw,
    )
    _validate.out_dir("--out", out)
    exit_if_dry_run(dry_run, cfg)
    m = run_in_dir(cfg, out, run_block_order, progress=True)
    typer.echo(f"wrote {out}: block_order.png, metrics.json ({m['seconds']} s)")


app.command("paper-figure")(paper_figure)
app.command("paper-network")(paper_network)
