"""`geomem sample`."""

from __future__ import annotations

from pathlib import Path

import typer

from geomem.cli.copies import summary_line
from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run
from geomem.cli.options import out_file, run_model


def sample(
    out: Path = typer.Option(
        ..., "--out", help="Samples .npy (K, d); the copy table goes to OUT.json beside it."
    ),
    data: str = typer.Option(None, "--data", help="Training set .npy/.npz of shape (N, d)."),
    preset: str = typer.Option(None, "--preset", help="paper | paper-large | paper-flat | ..."),
    n_train: int = typer.Option(1000, "--n-train", help="N, training points from the preset."),
    seed: int = typer.Option(0, "--seed"),
    model: str = typer.Option(
        "exact", "--model", help="exact | population | RUN_DIR of `geomem train`"
    ),
    n_samples: int = typer.Option(256, "--n-samples", help="K, samples to draw."),
    sampler: str = typer.Option("heun", "--sampler", help="heun | sde | ddpm | ddim"),
    steps: int = typer.Option(35, "--steps", help="Steps between noise levels (+1 denoise)."),
    sigma_min: float = typer.Option(None, "--sigma-min", help="Last VE sigma (default: schedule)."),
    sigma_max: float = typer.Option(
        None, "--sigma-max", help="First VE sigma (default: schedule)."
    ),
    no_denoise: bool = typer.Option(
        False, "--no-denoise", help="Skip the final Tweedie step (on by default)."
    ),
    schedule: str = typer.Option("ve", "--schedule", help="ve | vp | ddpm | edm (exact scores)"),
    threshold: float = typer.Option(1 / 3, "--threshold", help="Ratio test: copy if d1/d2 < this."),
    batch_size: int = typer.Option(1024, "--batch-size"),
    device: str = typer.Option("cpu", "--device"),
    dry_run: bool = DRY_RUN,
):
    """Draw samples from an exact, population or trained score; flag copies of training data."""
    from dataclasses import asdict

    from geomem import _validate, io
    from geomem.boundary import sigma_to_var
    from geomem.boundary.files import claim, refuse_other
    from geomem.experiments.samples import SampleConfig, check_inputs, run_samples
    from geomem.sampling import SamplerConfig

    if data and preset:
        _validate.fail("--preset/--data", "one of the two", f"--preset {preset} --data {data}")
    if out.suffix != ".npy":
        _validate.fail("--out", "a path ending in .npy", str(out))
    meta = out.with_suffix(".json")
    for name, sig in (("--sigma-min", sigma_min), ("--sigma-max", sigma_max)):
        if sig is not None:  # up front, not as an internal time t after the progress bar
            sigma_to_var(name, (sig,))
    out_file("--out", out, meta)
    run_model("--model", model)
    cfg = SampleConfig(
        preset=None if data else (preset or "paper"),
        data_file=data,
        n_train=n_train,
        seed=seed,
        model=model,
        schedule=schedule,
        n_samples=n_samples,
        sampler=SamplerConfig(
            sampler=sampler,
            steps=steps,
            sigma_min=sigma_min,
            sigma_max=sigma_max,
            denoise=not no_denoise,
            batch_size=batch_size,
        ),
        threshold=threshold,
        device=device,
    )
    mine = asdict(cfg)  # the "config" of OUT.json: another config's result is refused
    refuse_other("--out", meta, mine)
    if out.exists() and not meta.exists():
        _validate.fail("--out", "a new path or this same result", f"{out} without {meta.name}")
    check_inputs(cfg)
    exit_if_dry_run(dry_run, cfg)
    samples, summary, _ = run_samples(cfg, progress=True)
    with claim("--out", meta, mine):  # re-checked under a lock: a concurrent run cannot win
        io.save_npy(out, samples)
        io.write_json(meta, summary)
    typer.echo(
        f"wrote {out} and {meta.name} ({summary['score_evaluations_per_sample']} score "
        f"evaluations per sample); "
        + (
            summary_line(summary["copies"])
            if summary["copies"] is not None
            else "one training point: no copy test (the ratio test needs two)"
        )
    )
