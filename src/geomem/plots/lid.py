"""The figure of `geomem lid --multiscale`: each point's dimension over the noise grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem.plots.save import plt, save_png

RULES = (("threshold", "C0", "-"), ("gap", "C1", "--"), ("flipd", "C3", ":"))


def lid_figure(frame, path: str | Path, *, max_points: int = 64) -> None:
    """Write ``path`` (PNG) from a ``geomem.lid(..., multiscale=True)`` frame: left, every
    point's threshold dimension against v (thin lines, at most ``max_points``) with the median
    of each rule (threshold, gap, FLIPD) over points; right, the histogram of the points'
    plateau dimensions, with each plateau's v range in the title's summary."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 3.8), width_ratios=(3, 2))
    g = frame.sort_values(["point", "noise_var"])
    for i, (_, rows) in enumerate(g.groupby("point", sort=True)):
        if i >= max_points:
            break
        ax.plot(rows["noise_var"], rows["threshold"], color="0.75", lw=0.6)
    by_v = g.groupby("noise_var", sort=True)
    for rule, color, style in RULES:
        if rule in g and not g[rule].isna().all():
            med = by_v[rule].median()
            ax.plot(med.index, med.to_numpy(), c=color, ls=style, lw=2, label=f"{rule} (median)")
    ax.set_xscale("log")
    ax.set_xlabel("noise variance v")
    ax.set_ylabel("dimension")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    per_point = g.drop_duplicates("point")
    dims = per_point["plateau_dim"].to_numpy(dtype=float)
    dims = dims[np.isfinite(dims)]
    if dims.size:
        edges = np.arange(dims.min() - 0.5, dims.max() + 1.5)
        bx.hist(dims, bins=edges, color="C0", alpha=0.8)
        lo, hi = per_point["plateau_v_lo"].median(), per_point["plateau_v_hi"].median()
        bx.set_title(
            f"plateau: median {np.median(dims):g} (median v range {lo:.2g} .. {hi:.2g})",
            fontsize=9,
        )
    bx.set_xlabel("plateau dimension (threshold rule)")
    bx.set_ylabel("points")
    fig.tight_layout()
    save_png(fig, path)
