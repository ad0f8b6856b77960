"""Block-order figure: kept fraction per block against noise, measured beside both theories."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

COLORS = ("tab:red", "tab:cyan", "tab:olive")


def block_order_figure(results: list[dict], arrays: dict, cfg) -> plt.Figure:
    """One panel per (manifold, N): kept / m_k per block against v; markers measured, solid the
    order-statistics theory, dashed the REM. ``results`` from ``run_block_order``."""
    v = arrays["noise_var"]
    nN = len(cfg.n_train)
    fig, axes = plt.subplots(nN, len(results), figsize=(2.6 * len(results), 2.4 * nN),
                             squeeze=False, sharex=True, sharey=True)  # fmt: skip
    for j, res in enumerate(results):
        name = res["manifold"]
        dims = [int(lab.split()[0]) for lab in res["blocks"]]
        for i, N in enumerate(cfg.n_train):
            ax = axes[i, j]
            for k, lab in enumerate(res["blocks"]):
                c = COLORS[k % len(COLORS)]
                ax.plot(v, arrays[f"{name}_measured"][i, :, k] / dims[k], "o", ms=3, color=c,
                        label=lab if i == 0 else None)  # fmt: skip
                ax.plot(v, arrays[f"{name}_orderstat"][i, :, k] / dims[k], "-", color=c)
                ax.plot(v, arrays[f"{name}_rem"][i, :, k] / dims[k], "--", color=c, lw=0.8)
            ax.axhline(0.5, color="k", lw=0.5, ls=":")
            ax.set_xscale("log")
            ax.set_title(f"{name}, N = {N}", fontsize=8)
            if j == 0:
                ax.set_ylabel("kept / m_k")
            if i == nN - 1:
                ax.set_xlabel("noise variance v")
        axes[0, j].legend(fontsize=6, loc="upper left")
    fig.suptitle("markers: exact scores; solid: order-statistics theory; dashed: REM", fontsize=9)
    fig.tight_layout()
    return fig
