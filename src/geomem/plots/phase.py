"""Phase-diagram figures: measured kept fraction per block over (N, v), predicted lines on top
(the order-statistics theory's kept = m_k/2 contour, the REM's critical noise), and the lower
edges per block against N with both theories."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from geomem.theory.predict import manifold_blocks

COLORS = ("tab:red", "tab:cyan", "tab:olive", "tab:purple")


def heatmaps(
    kept_mean: np.ndarray,
    n_train,
    noise_var,
    dims,
    labels,
    stds,
    critical_pred: np.ndarray,
    critical_meas: np.ndarray,
    title: str = "",
    orderstat: np.ndarray | None = None,
) -> plt.Figure:
    """One heat map per tangent block: mean kept / m_k over (log2 N, log10 v); the
    order-statistics theory's kept = m_k/2 contour (``orderstat`` (nN, L, K), white solid), the
    REM's critical noise v_c,k(N) (one colour per block, dashed for the other blocks),
    population edge std_k^2 (dotted), measured critical noise (markers)."""
    T = critical_pred.shape[1]
    x, y = np.log2(n_train), np.log10(noise_var)
    fig, axes = plt.subplots(1, T, figsize=(4.2 * T + 0.8, 3.8), squeeze=False)
    for k, ax in enumerate(axes[0]):
        im = ax.pcolormesh(
            x, y, kept_mean[:, :, k].T / dims[k], vmin=0, vmax=1, cmap="magma", shading="nearest"
        )
        if orderstat is not None and min(orderstat.shape[:2]) >= 2:  # a contour needs 2 x 2
            ax.contour(
                x, y, orderstat[:, :, k].T / dims[k], levels=[0.5], colors="white", linewidths=2
            )
            ax.plot([], [], color="white", lw=2, label="order-statistics theory: m/2")
        for j in range(T):
            c = COLORS[j % len(COLORS)]
            ax.plot(
                x,
                np.log10(critical_pred[:, j]),
                color=c,
                lw=2 if j == k else 1,
                ls="-" if j == k else "--",
                label=f"REM v_c: {labels[j]}",
            )
            ax.axhline(np.log10(stds[j] ** 2), color=c, ls=":", lw=1)
        ax.plot(
            x,
            np.log10(critical_meas[:, k]),
            "o",
            color="white",
            ms=4,
            mec="k",
            label="measured (kept < m/2)",
        )
        ax.set(
            title=f"{labels[k]}: kept / {dims[k]}",
            xlabel="log2 N",
            ylabel="log10 noise variance v",
            ylim=(y.min(), y.max()),
        )
        fig.colorbar(im, ax=ax, fraction=0.05)
    axes[0, 0].legend(fontsize=7, loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def critical_ratio(n_train, log_ratio, labels, seed_std=None) -> plt.Figure:
    """log10(measured / predicted critical noise) against N, one line per block."""
    fig, ax = plt.subplots(figsize=(5, 3.4))
    lr = np.array(log_ratio, dtype=float)
    sd = None if seed_std is None else np.array(seed_std, dtype=float)
    for k in range(lr.shape[1]):
        ax.errorbar(
            np.log2(n_train),
            lr[:, k],
            yerr=None if sd is None else sd[:, k],
            marker="o",
            capsize=2,
            color=COLORS[k % len(COLORS)],
            label=labels[k],
        )
    ax.axhline(0, color="k", lw=0.8)
    ax.set(
        xlabel="log2 N",
        ylabel="log10(measured / predicted v_c)",
        title="critical noise: exact scores vs REM",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def edges_figure(metrics: dict) -> plt.Figure:
    """Lower edge per tangent block against N: measured (bootstrap 95 % bars), the
    order-statistics theory (solid) and the REM (dashed), from ``metrics.json``'s ``edges``."""
    e = metrics["edges"]
    x = np.log2(e["n_train"])

    def arr(key):
        return np.array(e[key], dtype=float)

    meas, ci, os_, rem = arr("measured"), arr("measured_ci95"), arr("orderstat"), arr("rem")
    fig, ax = plt.subplots(figsize=(5.6, 3.8))
    for k, label in enumerate(metrics["blocks"]):
        c = COLORS[k % len(COLORS)]
        err = np.abs(ci[:, k, :].T - meas[:, k])
        ax.errorbar(x, meas[:, k], yerr=err, fmt="o", color=c, ms=4, capsize=2,
                    label=f"measured: {label}")  # fmt: skip
        ax.plot(x, os_[:, k], "-", color=c, label="order statistics")
        ax.plot(x, rem[:, k], "--", color=c, lw=1, label="REM")
    ax.set(yscale="log", xlabel="log2 N", ylabel="lower edge v (kept falls below m/2)")
    a = {k: "n/a" if x is None else f"{x:.2f}" for k, x in metrics["agreement_nontrivial"].items()}
    ax.set_title(
        f"{metrics['preset']}: non-trivial agreement: order statistics {a['orderstat']}, "
        f"REM {a['rem']}, measured ceiling {a['ceiling']}",
        fontsize=8,
    )
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig


def save_phase_figures(
    run_dir: Path,
    kept: np.ndarray,
    pred: np.ndarray,
    cfg,
    summary: dict,
    orderstat: np.ndarray | None = None,
    metrics: dict | None = None,
    dpi: int = 100,
) -> list[Path]:
    """Write ``phase_heatmaps.png``, ``critical_ratio.png`` (REM) and, with ``metrics``,
    ``edges.png`` into ``run_dir``; ``orderstat`` (nN, L, K) the theory's expected counts."""
    stds, dims, labels = manifold_blocks(cfg.preset)
    mk = kept.mean(axis=(1, 3))
    cp = np.array(summary["predicted_critical_noise_var"], dtype=float)
    cm = np.array(summary["measured_critical_noise_var"], dtype=float)
    figs = {
        "phase_heatmaps.png": heatmaps(
            mk,
            cfg.n_train,
            cfg.noise_var,
            dims,
            labels,
            stds,
            cp,
            cm,
            f"{cfg.preset}: exact scores, {len(cfg.seeds)} draws x {cfg.n_points} "
            f"{cfg.points} points ({cfg.point_noise} noise)",
            orderstat,
        ),
        "critical_ratio.png": critical_ratio(
            cfg.n_train,
            summary["log10_ratio_measured_over_predicted"],
            summary["blocks"],
            summary["log10_ratio_seed_std"],
        ),
    }
    if metrics is not None:
        figs["edges.png"] = edges_figure(metrics)
    paths = []
    for name, fig in figs.items():
        fig.savefig(Path(run_dir) / name, dpi=dpi)
        plt.close(fig)
        paths.append(Path(run_dir) / name)
    return paths
