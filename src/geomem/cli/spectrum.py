"""`geomem spectrum`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from geomem.cli.dryrun import DRY_RUN, exit_if_dry_run
from geomem.cli.options import float_list, run_model


def spectrum(
    out: Path = typer.Option(..., "--out", help="Output JSON; points go to OUT.points.npy."),
    data: str = typer.Option(None, "--data", help="Training set .npy/.npz of shape (N, d)."),
    preset: str = typer.Option(None, "--preset", help="paper | paper-large | paper-flat | ..."),
    n_train: int = typer.Option(1000, "--n-train", help="N, training points from the preset."),
    seed: int = typer.Option(0, "--seed"),
    points: str = typer.Option("train", "--points", help="train | fresh | origin | FILE.npy"),
    n_points: int = typer.Option(16, "--n-points", help="B, number of query points."),
    point_noise: str = typer.Option(
        None,
        "--point-noise",
        help="matched | none | a fixed std (VE units); default none at the origin, else matched.",
    ),
    noise_var: str = typer.Option(
        None, "--noise-var", help="v list: '0.1,0.01' or 'logspace:1e-4:1:40'."
    ),
    sigma: str = typer.Option(None, "--sigma", help="VE sigma list (v = sigma^2), same forms."),
    model: str = typer.Option(
        "exact", "--model", help="exact | population | RUN_DIR of `geomem train`"
    ),
    schedule: str = typer.Option("ve", "--schedule", help="ve | vp | ddpm | edm"),
    method: str = typer.Option(
        "auto",
        "--method",
        help="auto | closed-form | gram | autodiff | probe (auto, plus the authors' "
        "orthogonal-probe singular values in the JSON's singular_values).",
    ),
    probes: int = typer.Option(0, "--probes", help="probe: K directions (0: K = d)."),
    draws: int = typer.Option(1, "--draws", help="probe: R orthogonal draws averaged."),
    drop: int = typer.Option(1, "--drop", help="probe: drop the k largest singular values."),
    average: str = typer.Option(
        "raw",
        "--average",
        help="probe: raw (the authors': average the draws' singular values, then drop and "
        "normalise) | normalized (drop and normalise each draw, then average).",
    ),
    threshold: float = typer.Option(0.5, "--threshold"),
    device: str = typer.Option("cpu", "--device"),
    dry_run: bool = DRY_RUN,
):
    """Normalised Jacobian spectra and dimensions of an exact or trained score over noise levels."""
    from geomem import _validate, io
    from geomem.boundary import check_device, refuse_other, sigma_to_var
    from geomem.boundary.files import claim
    from geomem.experiments.spectrum.config import SpectrumConfig, check_inputs, run_spectrum
    from geomem.runs.config import to_dict

    if (noise_var is None) == (sigma is None):
        _validate.fail("--noise-var/--sigma", "exactly one of the two", None)
    if data is not None and preset is not None:
        _validate.fail("--preset/--data", "one of the two", f"--preset {preset} --data {data}")
    if noise_var is not None:
        v = float_list("--noise-var", noise_var)  # the config checks v > 0
    else:
        v = sigma_to_var("--sigma", float_list("--sigma", sigma))
    check_device("--device", device)
    cfg = SpectrumConfig(
        noise_var=v,
        preset=None if data is not None else (preset if preset is not None else "paper"),
        data_file=data,
        n_train=n_train,
        seed=seed,
        points=points,
        n_points=n_points,
        point_noise=point_noise or ("none" if points == "origin" else "matched"),
        model=model,
        schedule=schedule,
        method=method,
        threshold=threshold,
        device=device,
        probes=probes,
        draws=draws,
        drop=drop,
        average=average,
    )
    points_path = Path(str(out) + ".points.npy")
    refuse_other("--out", out, to_dict(cfg))
    run_model("--model", model)
    check_inputs(cfg)
    exit_if_dry_run(dry_run, cfg)
    result, scan = run_spectrum(cfg, progress=True)
    had_points = points_path.exists()
    try:
        with claim("--out", out, to_dict(cfg)):  # re-checked under a lock before renaming
            io.save_npy(points_path, scan.points)
            io.write_json(out, result)
    except BaseException:
        if not had_points:  # no OUT.points.npy without its OUT
            points_path.unlink(missing_ok=True)
        raise
    dims = np.asarray(result["dimension"]).mean(axis=1)
    typer.echo(
        f"wrote {out}: {len(v)} noise levels x {scan.points.shape[1]} points, "
        f"mean dimension {dims.max():.1f} (max over v) .. {dims.min():.1f} (min)"
    )
