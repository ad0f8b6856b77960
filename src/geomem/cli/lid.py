"""`geomem lid`: local intrinsic dimension of a model at points over noise levels, as a CSV."""

from __future__ import annotations

from pathlib import Path

import typer

from geomem.cli.options import float_list, out_file


def lid(
    model: str = typer.Option(
        "exact", "--model", help="exact (the exact score of --data) | RUN_DIR | DIFFUSERS_DIR"
    ),
    data: str = typer.Option(
        None, "--data", help="Training set .npy/.npz (N, d): exact, or a run's (checked)."
    ),
    points: str = typer.Option(..., "--points", help="Query points .npy/.npz (B, d) or images."),
    noise_var: str = typer.Option(
        None,
        "--noise-var",
        help='Noise variances v: "0.01,0.1" or "logspace:1e-4:1:20" (default: 9 levels over '
        "[1e-4 s^2, s^2], s the top principal std of --data, else of --points).",
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv (its config goes to OUT.json)."),
    multiscale: bool = typer.Option(
        False, "--multiscale", help="Add each point's plateau and knee; figure OUT.png."
    ),
    schedule: str = typer.Option("ve", "--schedule", help="ve | vp | ddpm | edm (exact score)."),
    scheduler: str = typer.Option(
        None, "--scheduler", help="scheduler_config.json for a bare U-Net."
    ),
    threshold: float = typer.Option(0.5, "--threshold", help="Threshold rule: tangent if r < it."),
    route: str = typer.Option("auto", "--route", help="auto | gram | closed-form | autodiff | slq"),
    no_flipd: bool = typer.Option(False, "--no-flipd", help="Skip FLIPD."),
    seed: int = typer.Option(0, "--seed", help="Seed of SLQ / Hutchinson probes."),
    device: str = typer.Option("cpu", "--device"),
    dtype: str = typer.Option("float32", "--dtype", help="float32 | float64 (a trained model)."),
):
    """One row per (point, noise level): every rule's dimension, FLIPD, the spectrum's summary."""
    from geomem import _validate
    from geomem.boundary import check_device, refuse_other
    from geomem.spectra.measure import ROUTES

    if out.suffix != ".csv":
        _validate.fail("--out", "a path ending in .csv", str(out))
    meta = Path(str(out) + ".json")
    out_file("--out", out, meta, *([out.with_suffix(".png")] if multiscale else []))
    levels = (
        float_list("--noise-var", noise_var, positive=True)
        if noise_var is not None
        else default_grid(data if data is not None else points, "--data" if data else "--points")
    )
    if not 0 < threshold < 1:
        _validate.fail("--threshold", "a number in (0, 1)", threshold)
    if dtype not in ("float32", "float64"):
        _validate.fail("--dtype", "float32 or float64", dtype)
    if route not in ROUTES:
        _validate.fail("--route", f"one of {list(ROUTES)}", route)
    _validate.seed("--seed", seed)
    device = check_device("--device", device)
    cfg = {
        "model": model, "data": data, "points": points, "noise_var": list(levels),
        "multiscale": multiscale, "schedule": schedule, "scheduler": scheduler,
        "threshold": threshold, "route": route, "flipd": not no_flipd, "seed": seed,
        "dtype": dtype,
    }  # fmt: skip
    if out.exists() and not meta.exists():
        _validate.fail("--out", "a new path or one holding this same result", f"{out} (no {meta})")
    refuse_other("--out", meta, cfg)
    score, Q = _score_and_points(model, data, points, schedule, scheduler, device, dtype)
    _write(out, meta, cfg, score, Q, levels, multiscale, threshold, route, not no_flipd, seed)


def _score_and_points(model, data, points, schedule, scheduler, device, dtype):
    import numpy as np
    import torch

    from geomem import _validate
    from geomem.boundary import read_array
    from geomem.schedules import get_schedule

    if model == "exact":
        if data is None:
            _validate.fail("--data", "a training set .npy/.npz (N, d) for --model exact", None)
        if scheduler is not None:
            _validate.fail(
                "--scheduler", "no scheduler for --model exact (see --schedule)", scheduler
            )
        from geomem.scores.sources import score_source

        sched = get_schedule(schedule)
        X = read_array("--data", data)
        Q = np.array(read_array("--points", points, d=X.shape[1]))  # writable, small
        return score_source("exact", X, sched, device=device), Q
    from geomem.loading import load_model, model_images

    m = load_model(model, scheduler=scheduler, device=device, dtype=getattr(torch, dtype))
    if data is not None:
        check_run_data(model, data)
    if m.image_shape is not None:
        return m.score, model_images(points, m, name="--points").astype("float64")
    return m.score, np.array(read_array("--points", points, d=m.d))


def check_run_data(model: str, data: str) -> None:
    """``--data`` beside a trained model: only a `geomem train --data` run, with that same
    file (sha256 and rows); anything else fails with one line."""
    from geomem import _validate
    from geomem.scores.sources import check_data_run, data_run_fields

    if data_run_fields(model) is None:
        _validate.fail(
            "--data", "no --data with this model (only a `geomem train --data` run's)", data
        )
    check_data_run(model, data, "--data")


def default_grid(path: str, name: str) -> tuple[float, ...]:
    """The scale-aware noise grid: 9 levels log-spaced over [1e-4 s_1^2, s_1^2], s_1 the top
    principal std of the array at ``path`` (``geomem.data.files.scale_defaults``)."""
    import numpy as np

    from geomem import _validate
    from geomem.boundary import read_array
    from geomem.boundary.files import open_array
    from geomem.data.files import data_scale, scale_defaults

    if open_array(name, path).ndim != 2:
        _validate.fail("--noise-var", "a noise grid for image points (no default)", None)
    X = read_array(name, path)
    lo, hi = scale_defaults(data_scale(X))["lid_noise_var"]
    return tuple(float(v) for v in np.geomspace(lo, hi, 9))


def _write(out, meta, cfg, score, Q, levels, multiscale, threshold, route, with_flipd, seed):
    import typer

    from geomem import io, seeds
    from geomem.boundary.files import claim
    from geomem.spectra.lid import lid as lid_table

    rng = seeds.rng(seed, seeds.LID_PROBES)
    frame = lid_table(
        score, Q, list(levels), route=route, threshold=threshold, with_flipd=with_flipd,
        multiscale=multiscale, rng=rng, progress=True,
    )  # fmt: skip
    with claim("--out", meta, cfg):  # re-checked under a lock: a concurrent run cannot win
        io.write_json(meta, {"config": cfg, "columns": list(frame.columns), "rows": len(frame)})
        with io.atomic_path(out) as tmp:
            frame.to_csv(tmp, index=False)
        if multiscale:
            from geomem.plots.lid import lid_figure

            lid_figure(frame, out.with_suffix(".png"))
    dims = frame["threshold"]
    typer.echo(
        f"wrote {out}: {len(frame)} rows ({len(Q)} points x {len(levels)} noise levels), "
        f"threshold dimension median {dims.median():g} (range {dims.min():g}..{dims.max():g})"
        + (f"; figure {out.with_suffix('.png')}" if multiscale else "")
    )
