"""Figures and table of the linear-networks N-sweep, read from its results."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

STYLE = {"network": "-", "exact": "--", "population": ":", "theory": "-."}
COLORS = ["tab:red", "tab:blue", "tab:gray", "tab:green"]


def kept_figure(results: list[dict], path: str | Path) -> None:
    """Kept tangent directions per block vs noise variance, one panel per N."""
    fig, axes = plt.subplots(
        1, len(results), figsize=(max(9, 4 * len(results)), 3.4), squeeze=False, sharey=True
    )
    for ax, res in zip(axes[0], results, strict=True):
        v = np.asarray(res["noise_var"])
        for model, kept in res["kept"].items():
            kept = np.asarray(kept)
            for k, label in enumerate(res["blocks"]):
                ax.plot(
                    v,
                    kept[:, k],
                    STYLE.get(model, "-"),
                    color=COLORS[k % len(COLORS)],
                    label=f"{model}: {label}" if ax is axes[0][0] else None,
                )
        ax.set_xscale("log")
        ax.set_xlabel("noise variance v")
        ax.set_title(f"N = {res['N']}")
    axes[0][0].set_ylabel("kept directions (r < 1/2)")
    fig.legend(loc="lower center", ncol=3, fontsize=7, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def spectra_figure(out: str | Path, results: list[dict], path: str | Path) -> None:
    """Mean normalised spectrum vs rank, coloured by noise: network (top) vs exact (bottom)."""
    out = Path(out)
    fig, axes = plt.subplots(
        2,
        len(results),
        figsize=(3.6 * len(results) + 1, 6.5),
        squeeze=False,
        sharey=True,
        layout="constrained",
    )
    cmap = plt.get_cmap("viridis")
    for j, res in enumerate(results):
        arrays = np.load(out / f"N{res['N']}" / "arrays.npz")
        v = arrays["noise_var"]
        for i, model in enumerate(("network", "exact")):
            ax = axes[i][j]
            spectra = arrays[f"spectra_{model}"].mean(axis=1)  # (L, d)
            for li in range(len(v)):
                c = cmap(li / max(1, len(v) - 1))
                ax.plot(np.arange(1, spectra.shape[1] + 1), spectra[li], color=c, lw=0.8)
            ax.axhline(0.5, color="k", lw=0.5, ls="--")
            ax.set_title(f"{model}, N = {res['N']}", fontsize=9)
            ax.set_xlabel("rank")
    for i in range(2):
        axes[i][0].set_ylabel("r = eig(-v J)")
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=matplotlib.colors.LogNorm(v.min(), v.max()))
    fig.colorbar(sm, ax=axes, label="noise variance v", shrink=0.8)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _window(v: np.ndarray, kept: np.ndarray, dim: int) -> str:
    ok = v[kept >= dim / 2]
    return f"{ok.min():.1e} .. {ok.max():.1e}" if ok.size else "never"


def kept_table(results: list[dict], show_v=(1e-4, 1e-3, 1e-2, 1e-1, 1.0)) -> str:
    """Markdown: per N and block, mean kept directions at a few noise levels
    (network / exact / population [/ theory]) and the window of v where half the block is kept."""
    models = list(results[0]["kept"])
    v = np.asarray(results[0]["noise_var"])
    cols = [int(np.argmin(np.abs(np.log(v) - np.log(s)))) for s in show_v]
    head = ["N", "block"] + [f"v={v[c]:.1e}" for c in cols] + [f"kept window ({m})" for m in models]
    lines = [
        "Cells: mean kept directions " + " / ".join(models) + ".",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for res in results:
        for k, label in enumerate(res["blocks"]):
            kept = {m: np.asarray(res["kept"][m])[:, k] for m in models}
            cells = [" / ".join(f"{kept[m][c]:.1f}" for m in models) for c in cols]
            wins = [_window(v, kept[m], res["block_dims"][k]) for m in models]
            lines.append("| " + " | ".join([str(res["N"]), label, *cells, *wins]) + " |")
    return "\n".join(lines) + "\n"
