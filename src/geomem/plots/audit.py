"""The audit report: figures and ``index.html`` of ``geomem audit`` (through ``plots.page``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from geomem.plots.page import Raw, esc, figure_html, link, page_html, table_html, write_html
from geomem.plots.save import save_png

COLORS = {"train": "tab:red", "heldout": "tab:blue"}
LABELS = {"train": "training images", "heldout": "held-out images"}


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    save_png(fig, path)


def dimension_figure(summary: dict, dims: dict, v: np.ndarray, path: Path) -> None:
    """Dimension against noise level: the model (mean +- sd) and the exact empirical score of the
    same training images (the perfectly memorizing reference), at training and held-out images."""
    fig, ax = plt.subplots(figsize=(6.2, 4.0))
    _draw_dimension(ax, summary, dims, v)
    _save(fig, path)


def _draw_dimension(ax, summary: dict, dims: dict, v: np.ndarray) -> None:
    for g, res in dims.items():
        m, s = res["dimension"].mean(1), res["dimension"].std(1)
        ax.errorbar(
            v, m, yerr=s, color=COLORS[g], marker="o", capsize=3, label=f"model, {LABELS[g]}"
        )
        ax.plot(
            v,
            res["exact"].mean(1),
            "--",
            color=COLORS[g],
            alpha=0.7,
            label=f"exact score, {LABELS[g]}",
        )
    ax.axhline(summary["model"]["d"], color="0.6", lw=0.8)
    ax.set(
        xscale="log", xlabel="noise level v = sigma_t^2 / alpha_t^2", ylabel="dimension #{r < 1/2}"
    )
    ax.set_title(f"verdict: {summary['verdict']}", fontsize=11)
    ax.legend(fontsize=8)


def overview_figure(summary: dict, dims: dict, v, S, train, table, shape, path: Path) -> None:
    """One screenshot-sized picture of the report: dimension panel beside samples and their
    nearest training images."""
    fig = plt.figure(figsize=(11.5, 4.2))
    left, right = fig.subfigures(1, 2, width_ratios=[1.0, 1.1])
    _draw_dimension(left.subplots(), summary, dims, v)
    n = min(4, len(S))
    _draw_samples(right.subplots(2, 6, squeeze=False), S, train, table, shape, n)
    rate = summary["copies"]["copy_rate"]
    right.suptitle(f"samples and nearest training images (copy rate {rate:.0%})", fontsize=10)
    save_png(fig, path, dpi=100)


def histogram_figure(dims: dict, v: np.ndarray, path: Path) -> None:
    """Histograms of the model's dimension at training vs held-out images, one panel a level."""
    L = len(v)
    fig, axes = plt.subplots(1, L, figsize=(3.2 * L, 2.9), squeeze=False)
    for i, ax in enumerate(axes[0]):
        vals = np.concatenate([res["dimension"][i] for res in dims.values()])
        lo, hi = vals.min() - 0.5, vals.max() + 0.5
        integer = np.allclose(vals, np.round(vals)) and hi - lo <= 40  # one bin per count
        bins = np.arange(lo, hi + 0.5) if integer else np.linspace(lo, hi, 16)
        for g, res in dims.items():
            ax.hist(res["dimension"][i], bins=bins, alpha=0.55, color=COLORS[g], label=LABELS[g])
        ax.set_title(f"v = {v[i]:.3g}", fontsize=10)
        ax.set_xlabel("dimension")
    axes[0][0].set_ylabel("images")
    axes[0][0].legend(fontsize=8)
    _save(fig, path)


def spectrum_figure(grid: np.ndarray, densities: dict, v: np.ndarray, path: Path) -> None:
    """Spectral density of r = eig(sym(-sigma_t^2 J)) at the lowest level, mean over images:
    ``densities`` maps a group to its (len(grid),) density (computed by the study)."""
    fig, ax = plt.subplots(figsize=(6.2, 3.4))
    for g, dens in densities.items():
        ax.plot(grid, dens, "-" if g == "train" else "--", color=COLORS[g], label=LABELS[g])
    ax.axvline(0.5, color="k", lw=0.8)
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_ylim(0, None)
    ax.set(xlabel="r (eigenvalue of sym(-sigma_t^2 J))", ylabel="density")
    ax.set_title(f"spectrum at v = {v[0]:.3g}", fontsize=10)
    ax.legend(fontsize=8)
    _save(fig, path)


def samples_figure(S: np.ndarray, train: np.ndarray, table, shape, path: Path, n: int = 8) -> None:
    """Samples beside their two nearest training images; copies framed in red."""
    n = min(n, len(S))
    cols = 2 if n > 4 else 1
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, 3 * cols, figsize=(1.5 * 3 * cols, 1.8 * rows), squeeze=False)
    _draw_samples(axes, S, train, table, shape, n)
    _save(fig, path)


def _draw_samples(axes, S, train, table, shape, n: int) -> None:
    a, rows = table.arrays, axes.shape[0]
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_frame_on(False)
    for s in range(n):
        r, c = s % rows, 3 * (s // rows)
        imgs = [S[s], train[a["index"][s, 0]], train[a["index"][s, 1]]]
        titles = [f"sample {s}\nd1/d2 = {a['ratio'][s]:.2f}", f"nearest\n#{a['index'][s, 0]}",
                  f"2nd nearest\n#{a['index'][s, 1]}"]  # fmt: skip
        for j, (img, title) in enumerate(zip(imgs, titles, strict=True)):
            ax = axes[r, c + j]
            ax.imshow(_as_image(img, shape), cmap="gray" if shape[0] == 1 else None, vmin=0, vmax=1)
            ax.set_title(title, fontsize=7)
        ax0 = axes[r, c]
        if a["copy_ratio"][s]:
            ax0.set_frame_on(True)
            for sp in ax0.spines.values():
                sp.set_edgecolor("red")
                sp.set_linewidth(2.5)


def _as_image(x: np.ndarray, shape) -> np.ndarray:
    img = (np.clip(np.asarray(x).reshape(shape), -1, 1) + 1) / 2
    return img[0] if shape[0] == 1 else img.transpose(1, 2, 0)


def ratio_figure(table, threshold: float, path: Path) -> None:
    """Histogram of d1/d2 over samples with the ratio test's threshold."""
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    ax.hist(table.arrays["ratio"], bins=np.linspace(0, 1, 26), color="0.4")
    ax.axvline(threshold, color="red", lw=1.2, label=f"copy if d1/d2 < {threshold:.2g}")
    ax.set(xlabel="d1 / d2 (nearest / second-nearest training image)", ylabel="samples")
    ax.legend(fontsize=8)
    _save(fig, path)


def write_report(out: Path, summary: dict, inputs, dims: dict, S, table, density) -> Path:
    """All figures and ``index.html`` of an audit in ``out``; ``density`` is (grid, {group:
    density}) of the lowest level's spectrum."""
    out, v, shape = Path(out), inputs.noise_var, inputs.model.image_shape
    figs = [("dimension.png", "Dimension kept by the model (solid, mean ± sd over images) and by "
             "the exact empirical score of its training images (dashed: the perfectly memorizing "
             "reference), at training (red) and held-out (blue) images.")]  # fmt: skip
    dimension_figure(summary, dims, v, out / "dimension.png")
    histogram_figure(dims, v, out / "histograms.png")
    figs.append(("histograms.png", "Dimension per image at each noise level."))
    spectrum_figure(*density, v, out / "spectrum.png")
    figs.append(
        ("spectrum.png", "Spectral density at the lowest level; dimension = mass below 1/2.")
    )
    if table is not None:
        if shape is not None:
            overview_figure(summary, dims, v, S, inputs.train, table, shape, out / "overview.png")
            figs.insert(0, ("overview.png", "The audit at a glance."))
            samples_figure(S, inputs.train, table, shape, out / "samples.png")
            figs.append(("samples.png", "Generated samples beside their two nearest training "
                         "images; red frame: a copy by the ratio test."))  # fmt: skip
        ratio_figure(table, summary["thresholds"]["ratio_test"], out / "ratios.png")
        figs.append(("ratios.png", "Nearest-neighbour distance ratio of every sample."))
    parts = [_verdict_html(summary), "<h2>Dimension per noise level</h2>", _levels_table(summary)]
    parts += [figure_html(src, esc(cap)) for src, cap in figs]
    if summary["copies"] is not None:
        c = summary["copies"]
        carlini = (c["criteria"]["carlini"] or {}).get("fraction")
        median = c["ratio_quantiles"]["value"][len(c["ratio_quantiles"]["value"]) // 2]
        head = ["samples", "N", "copy rate (ratio test)", "Carlini et al.", "median d1/d2"]
        parts += [
            "<h2>Copies</h2>",
            table_html(head, [[c["n_samples"], c["N"], c["copy_rate"], carlini, median]]),
        ]
    files = ["summary.json", "per_image.csv", "samples.csv", "arrays.npz", "config.json"]
    parts.append("<p>Files: " + ", ".join(link(f, f) for f in files if (out / f).exists()) + "</p>")
    return write_html(out / "index.html", page_html("geomem audit", parts))


def _verdict_html(s: dict) -> str:
    m, t = s["model"], s["thresholds"]
    return (
        f"<p><b>Verdict: {esc(s['verdict'])}</b>. {esc(s['reason'])}.</p>"
        f"<p>Model: <code>{esc(m['source'])}</code> ({esc(m['kind'])}, d = {m['d']}, "
        f"{esc(m['schedule'])}). Training set N = {s['data']['N']}; images measured: "
        f"{_counts(s['images_measured'])}; route: {esc(s['route'])}. Thresholds: copy rate "
        f"&ge; {t['copy_rate']:g} &rarr; copying; Bonferroni p &lt; {t['alpha']:g} and drop "
        f"&ge; {t['min_drop']:g} &rarr; geometric memorization (docs/audit.md).</p>"
    )


def _levels_table(s: dict) -> str:
    rows = []
    for r in s["levels"]:
        rows.append([r["noise_var"], r["t"], _pm(r["mean_train"], r["sd_train"]),
                     _pm(r.get("mean_heldout"), r.get("sd_heldout")),
                     _pm(r["exact_train"]["mean"], r["exact_train"]["sd"]),
                     r.get("drop"), r.get("p_bonferroni")])  # fmt: skip
    head = ["v", "t", "model @ train", "model @ held-out", "exact @ train", "drop", "p (Bonf.)"]
    table = table_html(head, rows)
    if s.get("flipd"):
        f = s["flipd"]
        table += (
            "<p>FLIPD at v = "
            + f"{f['noise_var']:.3g}: "
            + "; ".join(
                f"{LABELS[g]} {_pm(f[g]['mean'], f[g]['sd'])}"
                for g in ("train", "heldout")
                if g in f
            )
            + "</p>"
        )
    return Raw(table)


def _pm(m, s) -> str:
    return "" if m is None else f"{m:.1f} ± {s:.1f}"


def _counts(measured: dict) -> str:
    return ", ".join(f"{n} {LABELS[g]}" for g, n in measured.items())
