"""The paper figure in the authors' layout: ordered values against rank (ranks 20..30),
one line per noise level coloured by noise (viridis, yellow = high noise), guide lines at
ranks 23 / 25 / 28 (black / green / red), row 1 the authors' protocol, row 2 geomem's."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from geomem.plots.save import save_png

GUIDE_COLORS = ("k", "g", "r")
TITLES = {
    "authors/theory": "Theory (REM), N = {n}",
    "authors/exact": "Empirical score at the origin",
    "authors/network": "Network at a fresh point",
    "geomem/theory": "Theory, geomem's reading r = min(1, v sv)",
    "geomem/exact": "Empirical score at training points + noise",
    "geomem/network": "Network at its training points + noise",
}


def _panel(ax, p, title: str, ranks, guides) -> None:
    lo, hi = ranks
    keep = (p.ranks >= lo) & (p.ranks <= hi)
    norm = LogNorm(vmin=p.noise_var.min(), vmax=p.noise_var.max())
    cmap = plt.get_cmap("viridis")
    for v, row in sorted(zip(p.noise_var, p.values, strict=True), key=lambda r: r[0]):
        ax.plot(p.ranks[keep], row[keep], color=cmap(norm(v)), alpha=0.6, lw=1)
    for g, c in zip(guides, GUIDE_COLORS, strict=True):
        ax.axvline(g, color=c, ls="--", lw=1)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks([lo, *guides, hi])
    ax.set_title(title, fontsize=9)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    plt.colorbar(sm, ax=ax, pad=0.02).set_label("noise variance v", fontsize=8)


def paper_figure(
    panels: dict, path: str | Path, *, ranks, guides, n: dict, network: dict | None = None
) -> None:
    """2 x 3 panels (rows: authors' protocol, geomem's; columns: theory, exact, network):
    ``panels`` by "protocol/model" (``experiments.paper_figure.panels.Panel``), the shown
    ``ranks`` (lo, hi), the three ``guides`` ranks, ``n`` the N of "theory" and "exact"."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for i, proto in enumerate(("authors", "geomem")):
        for j, model in enumerate(("theory", "exact", "network")):
            ax, key = axes[i, j], f"{proto}/{model}"
            if key not in panels:
                ax.axis("off")
                ax.text(0.5, 0.5, "no network (--model not given)", ha="center")
                continue
            title = TITLES[key].format(n=n["theory"])
            if model == "exact":
                title += f", N = {n['exact']}"
            if model == "network" and network is not None:
                title += f"\nN = {network['n_train']}, step {network['step']:,}"
            title += f" (drop {panels[key].drop})"
            _panel(ax, panels[key], title, ranks, guides)
            if i == 1:
                ax.set_xlabel("ordered singular values (rank)")
            if j == 0:
                ax.set_ylabel(f"{proto}'s protocol\nnormalised singular values")
    save_png(fig, path, dpi=110, tight=True)


def n_independence_figure(origin: dict, train: dict, path: str | Path, *, ranks, guides) -> None:
    """The exact panels for several N at one noise grid: at the origin (left, the curves of
    every N overlap) and at training points + noise (right, they do not). Mean over levels
    is not taken: a few levels are drawn, one colour per N."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    ns = sorted(origin)
    colors = plt.get_cmap("plasma")(np.linspace(0, 0.8, len(ns)))
    for ax, panels, title in (
        (axes[0], origin, "origin"),
        (axes[1], train, "training points + noise"),
    ):
        p0 = panels[ns[0]]
        levels = np.linspace(0, len(p0.noise_var) - 1, 5).astype(int)
        for n, c in zip(ns, colors, strict=True):
            p = panels[n]
            for k, li in enumerate(levels):
                ax.plot(
                    p.ranks,
                    p.values[li],
                    color=c,
                    lw=1,
                    alpha=0.8,
                    label=f"N = {n}" if k == 0 else None,
                )
        for g, gc in zip(guides, GUIDE_COLORS, strict=True):
            ax.axvline(g, color=gc, ls="--", lw=1)
        ax.set_xlim(*ranks)
        ax.set_title(
            f"empirical score at the {title}, 5 levels v in "
            f"[{p0.noise_var.min():.2g}, {p0.noise_var.max():.2g}]",
            fontsize=9,
        )
        ax.set_xlabel("ordered singular values (rank)")
        ax.legend(fontsize=8)
    axes[0].set_ylabel("normalised singular values (drop 6)")
    save_png(fig, path, dpi=110, tight=True)
