"""Figures and table of the images experiment: dimension against N, averaged spectra."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from geomem.plots.save import save_png

STYLE = {
    ("network", "train"): ("C0", "o", "-", "U-Net, training images"),
    ("network", "heldout"): ("C0", "s", "--", "U-Net, held-out images"),
    ("exact", "train"): ("C3", "o", "-", "exact score, training images"),
    ("exact", "heldout"): ("C3", "s", "--", "exact score, held-out images"),
}


def dimension_figure(results: list[dict], path: str | Path, *, rule: str = "threshold") -> None:
    """Mean dimension (rule ``rule``, error bars: std over images) against N, log N axis."""
    ns = [r["N"] for r in results]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for (model, where), (c, m, ls, label) in STYLE.items():
        stats = [r["dims"][model][where].get(rule) for r in results]
        if any(s is None for s in stats):
            continue
        mean = [s["mean"] for s in stats]
        std = [s["std"] for s in stats]
        ax.errorbar(ns, mean, yerr=std, color=c, marker=m, ls=ls, capsize=3, label=label)
    r0 = results[0]
    ax.set_xscale("log")
    ax.set_xticks(ns, [str(n) for n in ns])
    ax.minorticks_off()
    ax.set_xlabel("N (training images)")
    ax.set_ylabel(f"dimension ({rule} rule)")
    ax.set_title(f"d = {r0['d']}, DDPM step {r0['step']:g} (v = {r0['noise_var']:.2g})")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save_png(fig, path, dpi=120, tight=True)


def spectra_figure(out: str | Path, results: list[dict], path: str | Path) -> None:
    """Normalised eigenvalues r (ascending) against rank, averaged over images, per N:
    U-Net (solid) and exact score (dashed) at training images; held-out in a second panel."""
    out = Path(out)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(results)))
    for ax, where in zip(axes, ("train", "heldout"), strict=True):
        for r, c in zip(results, colors, strict=True):
            arr = np.load(out / f"N{r['N']}" / "arrays.npz")
            for model, ls in (("network", "-"), ("exact", "--")):
                s = np.sort(arr[f"spectra_{model}_{where}"], axis=1).mean(axis=0)
                label = f"N={r['N']} {'U-Net' if model == 'network' else 'exact'}"
                ax.plot(np.arange(1, len(s) + 1), s, color=c, ls=ls, label=label)
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("rank")
        ax.set_title(f"{'training' if where == 'train' else 'held-out'} images")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("r = eig(sym(-sigma_t^2 J)), mean over images")
    axes[0].legend(fontsize=7)
    save_png(fig, path, dpi=120, tight=True)


def images_table(results: list[dict]) -> str:
    """Markdown table: per N, model and query set, mean ± std dimension by each rule."""
    rules = ("threshold", "spike", "gap")
    lines = [
        "| N | model | images | " + " | ".join(rules) + " | final loss |",
        "|---|---|---|" + "---|" * len(rules) + "---|",
    ]
    for r in results:
        for model in ("network", "exact"):
            for where in ("train", "heldout"):
                d = r["dims"][model][where]
                cells = [
                    f"{d[k]['mean']:.1f} ± {d[k]['std']:.1f}" if k in d else "–" for k in rules
                ]
                loss = f"{r['train']['final_loss']:.4f}" if model == "network" else ""
                lines.append(
                    f"| {r['N']} | {model} | {where} | " + " | ".join(cells) + f" | {loss} |"
                )
    r0 = results[0]
    lines.append("")
    lines.append(
        f"d = {r0['d']} (images {tuple(r0['image_shape'])}), DDPM step {r0['step']:g}, "
        f"noise variance v = {r0['noise_var']:.3g}; mean ± std over images."
    )
    return "\n".join(lines) + "\n"
