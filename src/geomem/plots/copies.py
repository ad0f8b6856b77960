"""Figures and table of the copies study (``geomem experiment copies``), read from its results."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from geomem.plots.save import save_png

STYLE = {"network": "-", "exact": "--", "population": ":"}
COLORS = {"network": "tab:red", "exact": "tab:blue", "population": "tab:gray"}


def fraction_figure(results: list[dict], path: str | Path) -> None:
    """Copy fraction (ratio test) against N: whole samples and each block, one line per model."""
    blocks = results[0]["blocks"]
    panels = ["whole sample", *blocks]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.4), sharey=True)
    Ns = [r["N"] for r in results]
    for p, (ax, title) in enumerate(zip(axes, panels, strict=True)):
        for model in results[0]["models"]:
            ys = [
                r["models"][model]["copy_fraction"]
                if p == 0
                else r["models"][model]["block_copy_fraction"][p - 1]
                for r in results
            ]
            ax.plot(Ns, ys, STYLE.get(model, "-"), color=COLORS.get(model), marker="o", label=model)
        ax.set_xscale("log")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("N (training points)")
        ax.set_title(title, fontsize=10)
    axes[0].set_ylabel("copy fraction (d1/d2 < 1/3)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, path)


def ratio_histograms(out: str | Path, results: list[dict], path: str | Path) -> None:
    """Histograms of the nearest-neighbour ratio d1/d2 (whole samples), one panel per N."""
    fig, axes = plt.subplots(
        1, len(results), figsize=(3.2 * len(results), 3.0), squeeze=False, sharey=True
    )
    bins = np.linspace(0, 1, 26)
    for ax, res in zip(axes[0], results, strict=True):
        arrays = np.load(Path(out) / f"N{res['N']}" / "arrays.npz", allow_pickle=False)
        for model in res["models"]:
            ax.hist(
                arrays[f"ratio_{model}"],
                bins=bins,
                histtype="step",
                linestyle=STYLE.get(model, "-"),
                color=COLORS.get(model),
                label=model,
                density=True,
            )
        ax.axvline(1 / 3, color="k", lw=0.8)
        ax.set_title(f"N = {res['N']}", fontsize=10)
        ax.set_xlabel("d1 / d2")
    axes[0][0].set_ylabel("density")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, path)


def copies_table(results: list[dict]) -> str:
    """Markdown: per N and model, copy fractions (whole, Carlini, per block), the median d1/d2
    and the kept directions per block at each small noise level."""
    blocks = results[0]["blocks"]
    v = results[0]["noise_var"]
    head = ["N", "model", "copies", "Carlini", *(f"copies {b}" for b in blocks), "median d1/d2"]
    head += [f"kept at v={x:g} ({' / '.join(b.split(' dir.')[0] for b in blocks)})" for x in v]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        for model, m in r["models"].items():
            q = m["ratio_quantiles"]
            med = q["value"][q["q"].index(0.5)]
            row = [str(r["N"]), model, _pct(m["copy_fraction"]), _pct(m["carlini_fraction"])]
            row += [_pct(f) for f in m["block_copy_fraction"]] + [f"{med:.3f}"]
            row += [" / ".join(f"{k:.1f}" for k in kept) for kept in m["kept"]]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"
