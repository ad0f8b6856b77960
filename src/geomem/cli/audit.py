"""`geomem audit MODEL --train DATA`: copies and lost dimensions of a model you did not train."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from geomem.cli.options import float_list


def audit(
    model: str = typer.Argument(
        ..., help="diffusers folder (DDPM/DDIM/ScoreSdeVe pipeline or UNet2DModel) or geomem run"
    ),
    train: str = typer.Option(
        ..., "--train", help="Training images: .npy/.npz (N,C,H,W) or a folder."
    ),
    out: Path = typer.Option(..., "--out", help="Report folder (index.html, summary.json, ...)."),
    heldout: str = typer.Option(None, "--heldout", help="Held-out images (same formats)."),
    scheduler: str = typer.Option(
        None, "--scheduler", help="scheduler_config.json for a bare U-Net."
    ),
    n_images: int = typer.Option(16, "--n-images", help="K images measured from each set."),
    noise_var: str = typer.Option("0.001,0.01,0.1", "--noise-var", help="Noise levels v."),
    step: str = typer.Option(None, "--step", help="DDPM steps instead of --noise-var."),
    samples: int = typer.Option(64, "--samples", help="S samples to test for copies (0: none)."),
    sampler: str = typer.Option(
        None,
        "--sampler",
        help="ddim | ddpm | heun | sde (default: the model's own; ddim on DDPM, the "
        "pipeline's predictor-corrector for ScoreSdeVe).",
    ),
    sampler_steps: int = typer.Option(50, "--sampler-steps"),
    route: str = typer.Option("auto", "--route", help="auto | dense | slq (matrix-free)."),
    probes: int = typer.Option(8, "--probes", help="SLQ probes per image."),
    lanczos_steps: int = typer.Option(30, "--lanczos-steps", help="SLQ Lanczos steps per probe."),
    no_flipd: bool = typer.Option(False, "--no-flipd", help="Skip FLIPD."),
    threshold: float = typer.Option(1 / 3, "--threshold", help="Ratio test: copy if d1/d2 < this."),
    copy_rate: float = typer.Option(0.05, "--copy-rate", help="Verdict copying at this copy rate."),
    alpha: float = typer.Option(0.01, "--alpha", help="Significance of the train < held-out test."),
    min_drop: float = typer.Option(0.1, "--min-drop", help="Smallest relative dimension drop."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("cpu", "--device"),
    dtype: str = typer.Option("float32", "--dtype", help="float32 | float64 model evaluation."),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Print the plan, its counted cost and estimated seconds (a timed probe); write "
        "nothing.",
    ),
):
    """Audit a diffusion model: dimension at training vs held-out images, copies, a verdict."""
    from geomem.experiments.audit.config import AuditConfig
    from geomem.experiments.audit.run import plan, prepare, run_audit
    from geomem.runs.config import config_hash, to_dict

    levels = float_list("--step" if step else "--noise-var", step or noise_var, positive=True)
    cfg = AuditConfig(
        model=model,
        train=train,
        heldout=heldout,
        scheduler=scheduler,
        n_images=n_images,
        noise_var=levels if step is None else AuditConfig.noise_var,
        step=levels if step is not None else None,
        route=route,
        probes=probes,
        lanczos_steps=lanczos_steps,
        flipd=not no_flipd,
        samples=samples,
        sampler=sampler,
        sampler_steps=sampler_steps,
        threshold=threshold,
        copy_rate=copy_rate,
        alpha=alpha,
        min_drop=min_drop,
        seed=seed,
        device=device,
        dtype=dtype,
    )
    if dry_run:
        info = {"config_hash": config_hash(cfg), "config": to_dict(cfg), **plan(cfg, prepare(cfg))}
        typer.echo(json.dumps(info, indent=1, default=str))
        raise typer.Exit(0)
    s = run_audit(cfg, out, progress=True)
    rate = "no samples" if s["copies"] is None else f"copy rate {s['copies']['copy_rate']:.1%}"
    typer.echo(f"wrote {out}/index.html: {s['verdict']} ({rate})")
