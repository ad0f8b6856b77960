"""`geomem copies`: copies among generated samples against a training set (docs/science.md §9)."""

from __future__ import annotations

from pathlib import Path

import typer

from geomem.cli.options import out_file


def copies(
    samples: str = typer.Option(..., "--samples", help="Generated samples .npy/.npz (M, d)."),
    train: str = typer.Option(..., "--train", help="Training set .npy/.npz (N, d), memory-mapped."),
    out: Path = typer.Option(..., "--out", help="Output JSON; per-sample arrays: OUT.arrays.npz."),
    blocks: str = typer.Option(
        None, "--blocks", help="Preset whose block bases give per-block copies."
    ),
    k: int = typer.Option(None, "--k", help="Neighbours per sample (default min(N, carlini n))."),
    threshold: float = typer.Option(1 / 3, "--threshold", help="Ratio test: copy if d1/d2 < this."),
    carlini_n: int = typer.Option(50, "--carlini-n", help="Carlini et al.: neighbourhood size n."),
    delta_m: float = typer.Option(
        None, "--delta-m", help="Memorized if d1 <= this (with --delta-s)."
    ),
    delta_s: float = typer.Option(
        None, "--delta-s", help="Spurious if nearest other sample <= this."
    ),
    chunk_size: int = typer.Option(4096, "--chunk-size", help="Training rows per streamed chunk."),
    dtype: str = typer.Option("float32", "--dtype", help="float32 | float64 (search only)."),
):
    """Nearest training points of each sample; ratio test, Carlini et al., per-block copies."""
    from geomem import _validate, io
    from geomem.boundary.files import claim, refuse_other
    from geomem.data.files import load_array, open_array
    from geomem.memorization import copy_table
    from geomem.memorization.rows import check_finite

    request = {  # the "request" of OUT: another request's result there is refused
        "samples": str(Path(samples).resolve()),
        "train": str(Path(train).resolve()),
        "blocks": blocks,
        "k": k,
        "threshold": threshold,
        "carlini_n": carlini_n,
        "delta_m": delta_m,
        "delta_s": delta_s,
        "dtype": dtype,
    }
    out_file("--out", out, str(out) + ".arrays.npz")
    refuse_other("--out", out, request, key="request")
    S = load_array(samples, name="--samples")
    X = open_array(train, name="--train", d=S.shape[1])
    N = X.shape[0]
    if k is not None and not 2 <= k <= N:
        _validate.fail("--k", f"an integer in [2, N = {N}]", k)
    if k is None and N < 2:
        _validate.fail("--train", "at least 2 rows (k >= 2 neighbours)", f"shape {X.shape}")
    if not 0 < threshold < 1:
        _validate.fail("--threshold", "a number in (0, 1)", threshold)
    if dtype not in ("float32", "float64"):
        _validate.fail("--dtype", "float32 or float64", dtype)
    bases, names = _blocks(blocks, S.shape[1])
    check_finite(X, "--train", _validate.positive_int("--chunk-size", chunk_size))
    table = copy_table(
        S,
        X,
        bases=bases,
        block_names=names,
        k=k,
        threshold=threshold,
        carlini_n=carlini_n,
        delta_m=delta_m,
        delta_s=delta_s,
        chunk_size=chunk_size,
        dtype=dtype,
    )
    with claim("--out", out, request, key="request"):
        io.save_npz(str(out) + ".arrays.npz", table.arrays)
        io.write_json(out, {**table.to_json(), "request": request})
    typer.echo(f"wrote {out}: " + summary_line(table.summary))


def _blocks(name: str | None, d: int):
    from geomem import _validate
    from geomem.data import preset

    if name is None:
        return None, None
    manifold = preset(name)
    if manifold.d != d:
        _validate.fail(
            "--blocks", f"a preset with d = {d} like the samples", f"{name} (d = {manifold.d})"
        )
    return manifold.block_bases(), manifold.block_labels()


def summary_line(s: dict) -> str:
    """One line of a copy table's summary: copies by each criterion (and per block)."""
    crit = s["criteria"]
    text = f"{s['n_samples']} samples vs N = {s['N']}, copies (d1/d2 < "
    text += f"{crit['ratio']['threshold']:.3g}) {crit['ratio']['fraction']:.1%}"
    if crit["carlini"]["fraction"] is not None:
        text += f", Carlini {crit['carlini']['fraction']:.1%}"
    if s["blocks"]:
        text += ", per block " + " / ".join(f"{b['fraction']:.1%}" for b in s["blocks"])
    return text
