"""Figures of the paper-network read-outs: kept directions per block against training step
(one column per run, one row per noise level; population and exact score as lines), and the
authors' network panel (ordered values against rank) at a few steps of each run."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from geomem.plots.save import save_png

BLOCK_COLORS = ["tab:red", "tab:blue", "tab:gray"]
GUIDES = ((23, "k"), (25, "g"), (28, "r"))  # d - d1 - d2, d - d2, d - d1 (their colours)
SHOWN_V = (0.05, None, 5e-3)  # None: the tau noise level (the last level read)


def _level_index(levels: np.ndarray, v: float | None) -> int:
    if v is None:
        return len(levels) - 1
    return int(np.argmin(np.abs(np.log(levels[:-1]) - np.log(v))))


def kept_vs_step(data: dict, levels, labels, path: str | Path, blocks: int = 2) -> None:
    """Rows: three noise levels (near 0.05, the tau level, near 5e-3); columns: runs (by N).
    Per block: the network's mean kept directions at B training points + matched noise
    against step (solid), the population reference (dashed) and the exact score (dotted)."""
    levels = np.asarray(levels)
    rows = [_level_index(levels, v) for v in SHOWN_V]
    fig, axes = plt.subplots(len(rows), len(data), figsize=(4.2 * len(data), 3.0 * len(rows)),
                             squeeze=False, sharex=True)  # fmt: skip
    for j, d in enumerate(data.values()):
        for i, li in enumerate(rows):
            ax = axes[i, j]
            for k in range(blocks):
                c = BLOCK_COLORS[k]
                ax.plot(d["steps"], d["network"][:, li, k], "-o", ms=2.5, color=c, label=labels[k])
                ax.axhline(d["population"][li, k], color=c, ls="--", lw=1)
                ax.axhline(d["exact"][li, k], color=c, ls=":", lw=1.2)
            ax.set_xscale("log")
            ax.set_ylim(-0.2, 5.4)
            ax.set_title(f"N = {d['N']}, v = {levels[li]:.3g}", fontsize=9)
            if j == 0:
                ax.set_ylabel("kept directions (r < 1/2)")
            if i == len(rows) - 1:
                ax.set_xlabel("training step")
    axes[0, 0].plot([], [], "k--", lw=1, label="population")
    axes[0, 0].plot([], [], "k:", lw=1.2, label="exact score of the N points")
    axes[0, 0].legend(fontsize=7, loc="center left")
    fig.tight_layout()
    save_png(fig, path)


def _steps_shown(steps: np.ndarray, n: int = 3) -> list[int]:
    """Indices of ``n`` steps spread on a log scale (first, ..., last)."""
    if len(steps) <= n:
        return list(range(len(steps)))
    want = np.geomspace(steps[0], steps[-1], n)
    return sorted({int(np.argmin(np.abs(np.log(steps) - np.log(w)))) for w in want})


def authors_spectra(data: dict, shown: dict, path: str | Path, *, rank: int) -> None:
    """The authors' network panel (one fresh point, drop 1, values from ``rank`` on divided by
    the rank-``rank`` value) at three steps of each run: rows steps, columns runs."""
    picks = {run: _steps_shown(d["steps"]) for run, d in data.items()}
    n_rows = max(len(p) for p in picks.values())
    fig, axes = plt.subplots(n_rows, len(data), figsize=(4.2 * len(data) + 1, 3.0 * n_rows),
                             squeeze=False, constrained_layout=True)  # fmt: skip
    cmap = plt.get_cmap("viridis")
    every_v = np.concatenate([d["authors_noise_var"] for d in data.values()])
    norm = LogNorm(vmin=every_v.min(), vmax=every_v.max())
    for j, (run, d) in enumerate(data.items()):
        v = d["authors_noise_var"]
        ranks = np.arange(shown[run].shape[-1]) + 2  # drop 1: column 0 is rank 2
        keep = (ranks >= rank) & (ranks <= 30)
        for i in range(n_rows):
            ax = axes[i, j]
            if i >= len(picks[run]):
                ax.axis("off")
                continue
            s = picks[run][i]
            for vi, row in sorted(zip(v, shown[run][s], strict=True), key=lambda r: r[0]):
                ax.plot(ranks[keep], row[keep], color=cmap(norm(vi)), alpha=0.6, lw=1)
            for g, c in GUIDES:
                ax.axvline(g, color=c, ls="--", lw=1)
            ax.set(xlim=(rank, 30), ylim=(-0.05, 1.05), xticks=[rank, 23, 25, 28, 30])
            ax.set_title(f"N = {d['N']}, step {d['steps'][s]:,}", fontsize=9)
            if j == 0:
                ax.set_ylabel(f"value / value at rank {rank}")
            if i == n_rows - 1 or i == len(picks[run]) - 1:
                ax.set_xlabel("ordered singular values (rank)")
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=axes.ravel().tolist(), shrink=0.6).set_label("noise variance v")
    save_png(fig, path, dpi=80)
