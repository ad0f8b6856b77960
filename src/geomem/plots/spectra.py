"""Normalised spectra against rank, and kept dimension per subspace against noise."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm


def spectra_by_rank(
    panels: Mapping[str, tuple[np.ndarray, np.ndarray]], *, title: str = ""
) -> plt.Figure:
    """One panel per entry: median over points of the sorted normalised spectrum against rank,
    one line per noise level coloured by v (log scale).

    panels: label -> (noise_var (L,), spectra (L, B, d)).
    """
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n + 0.8, 3.4), sharey=True, squeeze=False)
    all_v = np.concatenate([np.asarray(v) for v, _ in panels.values()])
    norm = LogNorm(all_v.min(), all_v.max())
    cmap = plt.get_cmap("viridis")
    for ax, (label, (v, spectra)) in zip(axes[0], panels.items(), strict=True):
        med = np.median(np.asarray(spectra), axis=1)  # (L, d)
        rank = np.arange(1, med.shape[1] + 1)
        for i in range(len(v)):
            ax.plot(rank, np.clip(med[i], 1e-4, None), color=cmap(norm(v[i])), lw=0.9)
        ax.axhline(0.5, color="0.4", ls=":", lw=0.8)
        ax.set_yscale("log")
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("rank i (ascending)")
    axes[0, 0].set_ylabel("normalised eigenvalue r_i = eig(-v J)")
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    fig.colorbar(sm, ax=axes[0].tolist(), label="noise variance v", pad=0.01)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def kept_dimension(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    block_labels: list[str],
    *,
    theory: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    block_dims: list[int] | None = None,
    title: str = "",
) -> plt.Figure:
    """One panel per subspace block: mean kept dimension against v (log axis), one line per
    entry (solid, with a band of +-1 std over points) and optional theory lines (dashed).

    curves: label -> (noise_var (L,), subspace_dimension (L, B, K));
    theory: label -> (noise_var (L',), kept (L', K)).
    """
    K = len(block_labels)
    fig, axes = plt.subplots(1, K, figsize=(3.7 * K, 3.3), squeeze=False)
    colors = plt.get_cmap("tab10")
    for j, ax in enumerate(axes[0]):
        for c, (label, (v, sub)) in enumerate(curves.items()):
            sub = np.asarray(sub, dtype=float)
            mean, std = sub[:, :, j].mean(1), sub[:, :, j].std(1)
            ax.plot(v, mean, color=colors(c), lw=1.6, label=label)
            ax.fill_between(v, mean - std, mean + std, color=colors(c), alpha=0.15, lw=0)
        for c, (label, (v, kept)) in enumerate((theory or {}).items()):
            ax.plot(
                v,
                np.asarray(kept)[:, j],
                color=colors(c),
                ls="--",
                lw=1.1,
                label=f"{label} (theory)",
            )
        if block_dims is not None:
            ax.set_ylim(-0.2, block_dims[j] + 0.4)
        ax.set_xscale("log")
        ax.set_xlabel("noise variance v")
        ax.set_title(block_labels[j], fontsize=10)
    axes[0, 0].set_ylabel("kept (tangent) directions")
    axes[0, -1].legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def save(fig: plt.Figure, path, dpi: int = 110) -> None:
    """Save and close a figure."""
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
