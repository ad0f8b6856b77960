"""Figures and table of the training-time study, read from its metrics and arrays."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from geomem.plots.save import save_png

BLOCK_COLORS = ["tab:red", "tab:blue", "tab:gray", "tab:green"]


def kept_vs_step(metrics: dict, arrays, path: str | Path, blocks: int = 2) -> None:
    """Kept directions per block at the tau noise level against training step, one line per N;
    the exact score (dashed, right end) and half the population count (dotted) beside it."""
    tau = metrics["tau"]
    fig, axes = plt.subplots(1, blocks, figsize=(5.2 * blocks, 3.8), squeeze=False)
    cmap = plt.get_cmap("viridis")
    for k, ax in enumerate(axes[0]):
        for i, n in enumerate(tau["N"]):
            color = cmap(i / max(1, len(tau["N"]) - 1))
            steps = arrays[f"steps_N{n}"]
            ax.plot(steps, tau["network_kept"][k][i], "-o", ms=3, color=color, label=f"N = {n}")
            ax.axhline(arrays[f"exact_N{n}"][-1, k], color=color, ls="--", lw=0.8)
        half = np.mean(tau["population_kept"][k]) / 2
        ax.axhline(half, color="k", ls=":", lw=1, label="population / 2")
        ax.set_xscale("log")
        ax.set_xlabel("training step")
        ax.set_title(f"{metrics['blocks'][k]} (v = {metrics['tau_noise_var']:g})", fontsize=10)
    axes[0][0].set_ylabel("kept directions (r < 1/2)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, path)


def tau_figure(metrics: dict, path: str | Path, blocks: int = 2) -> None:
    """tau_k(N) on log-log axes per block, with the fitted power law; censored N (no tau up
    to the run's length) drawn as open triangles at the last step."""
    tau, last = metrics["tau"], max(metrics["checkpoint_steps"])
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    for k in range(blocks):
        c, label = BLOCK_COLORS[k], metrics["blocks"][k]
        ok = [(n, t) for n, t in zip(tau["N"], tau["tau"][k], strict=True) if t is not None]
        cens = [n for n, t in zip(tau["N"], tau["tau"][k], strict=True) if t is None]
        if ok:
            ax.plot(*zip(*ok, strict=True), "o", color=c, label=label)
        if cens:
            ax.plot(cens, [last] * len(cens), "^", mfc="none", color=c, label=f"{label}: none")
        fit = metrics["tau_fit"][k]
        if fit["exponent"] is not None:
            n = np.geomspace(min(tau["N"]), max(tau["N"]), 20)
            ax.plot(n, fit["prefactor"] * n ** fit["exponent"], "-", color=c, lw=0.8,
                    label=f"fit: tau ~ N^{fit['exponent']:.2f}")  # fmt: skip
    ax.set(xscale="log", yscale="log", xlabel="N", ylabel="memorization time tau (steps)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_png(fig, path)


def three_panels(metrics: dict, arrays, path: str | Path) -> None:
    """The paper's figure: normalised spectra against noise, theory / exact / network, one row
    per N, one line per direction coloured by block."""
    ns = sorted({int(k.split("_N")[1]) for k in arrays.files if k.startswith("panel_v_N")})
    fig, axes = plt.subplots(len(ns), 3, figsize=(13, 3.4 * len(ns)), squeeze=False)
    for row, n in zip(axes, ns, strict=True):
        v, block = arrays[f"panel_v_N{n}"], arrays[f"panel_block_N{n}"]
        dims = np.bincount(block)
        theory = np.repeat(arrays[f"panel_theory_N{n}"], dims, axis=1)
        for ax, name, vals in zip(
            row,
            ("theory (REM)", "exact score", "trained network"),
            (theory, arrays[f"panel_exact_N{n}"], arrays[f"panel_network_N{n}"]),
            strict=True,
        ):
            for j in range(vals.shape[1]):
                ax.plot(v, vals[:, j], color=BLOCK_COLORS[block[j] % 4], lw=0.8, alpha=0.8)
            ax.axhline(0.5, color="k", lw=0.5, ls=":")
            ax.set(xscale="log", yscale="log", ylim=(1e-3, 2), title=f"{name}, N = {n}")
            ax.set_xlabel("noise variance v")
        row[0].set_ylabel("normalised eigenvalue r")
    handles = [plt.Line2D([], [], color=BLOCK_COLORS[k]) for k in range(len(metrics["blocks"]))]
    fig.legend(handles, metrics["blocks"], loc="lower center", ncol=3, fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    save_png(fig, path)


def tau_table(metrics: dict, blocks: int = 2) -> str:
    """Markdown: tau per block and N, with the kept counts at the last checkpoint."""
    tau, head = metrics["tau"], ["N"]
    for k in range(blocks):
        b = metrics["blocks"][k]
        head += [f"tau {b}", f"kept {b}: net (last) / exact / population"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i, n in enumerate(tau["N"]):
        fin = metrics["final_kept_at_tau_noise"][str(n)]
        row = [str(n)]
        for k in range(blocks):
            t = tau["tau"][k][i]
            row += [
                "none" if t is None else str(t),
                f"{fin['network'][k]:.2f} / {fin['exact'][k]:.2f} / {fin['population'][k]:.2f}",
            ]
        lines.append("| " + " | ".join(row) + " |")
    fits = [
        f"{f['block']}: b = {f['exponent']:.2f}" if f["exponent"] is not None else
        f"{f['block']}: not enough N with a tau ({f['n_defined']})"
        for f in metrics["tau_fit"][:blocks]
    ]  # fmt: skip
    return "\n".join(lines) + "\n\nFit tau ~ N^b: " + "; ".join(fits) + "\n"
