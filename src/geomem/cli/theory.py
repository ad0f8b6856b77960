"""`geomem theory ...`: predictions of docs/science.md §6 as JSON (no scores are computed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from geomem.boundary.files import claim
from geomem.cli.options import float_list, int_list

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Theory: REM critical noise, collapse times, predicted spectra.",
)


@app.command("critical-noise")
def critical_noise(
    stds: str = typer.Option(..., "--stds", help="Block stds, e.g. '1.0,0.3'."),
    n_train: float = typer.Option(..., "--n-train", help="N, training-set size (>= 2)."),
    dims: str = typer.Option(None, "--dims", help="Directions per block (default 1 each)."),
    normalized: bool = typer.Option(
        True,
        "--normalized/--not-normalized",
        help="Sphere-normalised data (REM gate g = 0), the library's default too.",
    ),
    noise_var: str = typer.Option(
        "logspace:1e-5:10:61",
        "--noise-var",
        help="Grid for the kept dimension: list or logspace:LO:HI:K.",
    ),
    out: Path = typer.Option(..., "--out", help="Output JSON."),
):
    """Critical noise variance per block (REM heuristic) and the kept dimension on a grid."""
    from geomem import io
    from geomem.theory import rem

    s = float_list("--stds", stds, positive=True)
    m = None if dims is None else int_list("--dims", dims)
    v = float_list("--noise-var", noise_var, positive=True)
    _n_train("--n-train", n_train)
    vc = rem.critical_noise_var(s, n_train, dims=m, normalized=normalized)
    kept = rem.kept_dimension(s, n_train, v, dims=m, normalized=normalized)
    result = {
        "stds": list(s),
        "dims": list(m) if m else [1] * len(s),
        "n_train": n_train,
        "normalized": normalized,
        "ln_n": float(np.log(n_train)),
        "rule": "block kept when critical_noise_var < v < std^2",
        "critical_noise_var": vc.tolist(),
        "noise_var": list(v),
        "kept_dimension": kept.tolist(),
    }
    with claim("--out", out, result, key=None):  # another result there is refused
        io.write_json(out, result)
    typer.echo(
        f"wrote {out}: critical noise variance per block " + ", ".join(f"{x:.6g}" for x in vc)
    )


@app.command("collapse-time")
def collapse_time(
    out: Path = typer.Option(..., "--out", help="Output JSON."),
    eigvals: str = typer.Option(None, "--eigvals", help="Covariance eigenvalues (variances)."),
    preset: str = typer.Option(None, "--preset", help="Preset whose raw block variances are used."),
    load: float = typer.Option(None, "--load", help="load = ln N / d."),
    n_train: float = typer.Option(None, "--n-train", help="N (with --d)."),
    d: int = typer.Option(None, "--d", help="Ambient dimension d (with --n-train)."),
):
    """Biroli et al. collapse time t_C (OU time) and its noise variance e^{2 t_C} - 1."""
    from geomem import _validate, io
    from geomem.theory import collapse, predict

    if (eigvals is None) == (preset is None):
        _validate.fail("--eigvals/--preset", "exactly one of the two", None)
    if (load is None) == (n_train is None and d is None):
        _validate.fail(
            "--load/--n-train --d",
            "either --load or both --n-train and --d",
            {"load": load, "n_train": n_train, "d": d},
        )
    if load is None and (n_train is None or d is None):
        _validate.fail("--n-train/--d", "both together", {"n_train": n_train, "d": d})
    if load is None:
        _n_train("--n-train", n_train)
        _validate.positive_int("--d", d)
    if eigvals is not None:
        lam = np.asarray(float_list("--eigvals", eigvals))  # zeros allowed: manifold data
        source = "given"
    else:
        s, m, _ = predict.manifold_blocks(preset)
        lam = np.repeat(s**2, m)
        source = f"preset {preset}: raw block variances (before any sphere normalisation)"
    load = _validate.positive("--load", load) if load is not None else collapse.load_of(n_train, d)
    t_c = collapse.collapse_time(lam, load)
    t_s, v_s = collapse.speciation_time(lam)
    result = {
        "eigvals": lam.tolist(),
        "eigvals_source": source,
        "load": load,
        "time_units": "Ornstein-Uhlenbeck time t; noise_var = e^{2t} - 1",
        "t_collapse": t_c,
        "noise_var": float(np.expm1(2 * t_c)),
        "t_speciation": t_s,
        "noise_var_speciation": v_s,
    }
    with claim("--out", out, result, key=None):  # another result there is refused
        io.write_json(out, result)
    typer.echo(f"wrote {out}: t_collapse = {t_c:.6g} (noise_var {result['noise_var']:.6g})")


@app.command("spectrum")
def spectrum(
    preset: str = typer.Option("paper", "--preset"),
    n_train: float = typer.Option(..., "--n-train", help="N, training-set size (>= 2)."),
    noise_var: str = typer.Option(..., "--noise-var", help="v list or logspace:LO:HI:K."),
    mapping: str = typer.Option("rem", "--mapping", help="rem | step | population"),
    threshold: float = typer.Option(0.5, "--threshold"),
    out: Path = typer.Option(..., "--out", help="Output JSON (geomem spectrum layout)."),
):
    """Predicted normalised spectra, one 'point', in the layout of `geomem spectrum`."""
    from geomem import io
    from geomem.theory import predict

    v = float_list("--noise-var", noise_var, positive=True)
    _n_train("--n-train", n_train)
    result = predict.predicted_spectra(preset, n_train, v, mapping=mapping, threshold=threshold)
    with claim("--out", out, result, key=None):  # another result there is refused
        io.write_json(out, result)
    typer.echo(f"wrote {out}: {len(v)} noise levels, d = {result['d']}")


@app.command("kept")
def kept(
    preset: str = typer.Option("paper", "--preset"),
    n_train: str = typer.Option(..., "--n-train", help="N list, e.g. '250,1000,20000'."),
    noise_var: str = typer.Option(..., "--noise-var", help="v list or logspace:LO:HI:K."),
    theory: str = typer.Option(
        "orderstat", "--theory", help="orderstat (own point + order statistics) | rem"
    ),
    points: str = typer.Option("train", "--points", help="train | fresh | origin (orderstat)"),
    draws: int = typer.Option(128, "--draws", help="orderstat: query draws per (N, v)."),
    seed: int = typer.Option(0, "--seed", help="orderstat: Monte Carlo seed."),
    out: Path = typer.Option(..., "--out", help="Output JSON."),
):
    """Predicted kept count per block against noise for each N (docs/theory.md)."""
    from geomem import _validate, io, seeds
    from geomem.theory import orderstat, predict

    v = float_list("--noise-var", noise_var, positive=True)
    Ns = int_list("--n-train", n_train)
    if theory not in ("orderstat", "rem"):
        _validate.fail("--theory", "orderstat or rem", theory)
    _validate.seed("--seed", seed)
    mf = predict.as_manifold(preset)
    result = {"preset": preset, "theory": theory, "noise_var": list(v), "n_train": list(Ns)}
    if theory == "rem":
        for N in Ns:
            _n_train("--n-train", N)
        curves = [predict.theory_curves(mf, N, v) for N in Ns]
        result |= {"blocks": curves[0].labels, "kept": [c.kept.tolist() for c in curves]}
    else:
        pred = orderstat.predict_kept(
            mf, Ns, v, points=points, rng=seeds.rng(seed, seeds.THEORY),
            options=orderstat.OrderStatOptions(draws=draws),
        )  # fmt: skip
        result |= {
            "blocks": pred.labels,
            "points": points,
            "kept": pred.mean.round(4).tolist(),
            "kept_spread": pred.spread.round(4).tolist(),
        }
    io.write_json(out, result)
    typer.echo(f"wrote {out}: {theory} kept count per block, {len(Ns)} N x {len(v)} levels")


def _n_train(name: str, n: float) -> float:
    from geomem import _validate

    if not np.isfinite(n) or n < 2:
        _validate.fail(name, "a finite number >= 2 (ln N > 0)", n)
    return n
