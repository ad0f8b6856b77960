"""The figure and tables of docs/results/lid/ from its JSON files (see lid_results.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RULES = {"threshold": "C0", "gap": "C1", "spike": "C2", "flipd": "C3"}


def _load(out: Path, names) -> list[dict]:
    return [
        json.loads((out / f"{n}.json").read_text()) for n in names if (out / f"{n}.json").exists()
    ]


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    return x if isinstance(x, str) else f"{x:.3g}"


def tables(res: list[dict]) -> str:
    lines = [
        "| manifold | k | d | ID-diff | MLE | TwoNN | lPCA | threshold | gap | spike | FLIPD "
        "| plateau (v range / s₁²) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in res:
        i, n, s2 = 4, r["network"], r["noise_var"][4] / 1e-2  # v = 1e-2 s1^2
        sk = r["skdim"]
        pv = "–".join(f"{v / s2:.2g}" for v in n["plateau_v"])
        lines.append(
            f"| {r['name']} | {r['k']} | {r['d']} | {_fmt(r['id_diff'])} | {_fmt(sk['MLE'])} | "
            f"{_fmt(sk['TwoNN'])} | {_fmt(sk['lPCA'])} | "
            + " | ".join(_fmt(n[rule][i]) for rule in RULES)
            + f" | {_fmt(n['plateau_dim'])} ({pv}) |"
        )
    lines += ["", "Exact score: window of v / s₁² where the median threshold dimension is k.", ""]
    sizes = sorted({n for r in res for n in r["exact"]}, key=int)
    lines += ["| manifold | k | " + " | ".join(f"N = {n}" for n in sizes) + " |"]
    lines += ["|---|---|" + "---|" * len(sizes)]
    for r in res:
        s2 = r["noise_var"][4] / 1e-2
        cells = []
        for n in sizes:
            w = r["exact"][n]["window"] if n in r["exact"] else "–"
            cells.append(
                w if w == "–" else "none" if w is None else f"{w[0] / s2:.2g} – {w[1] / s2:.2g}"
            )
        lines.append(f"| {r['name']} | {r['k']} | " + " | ".join(cells) + " |")
    sph = [r for r in res if "radial" in r]
    if sph:
        lines += ["", "Spheres: the (k+1)-th eigenvalue and the radial direction x/|x|.", ""]
        lines += ["| manifold | v / s₁² | r_(k+1) | overlap with x/|x| | radial in tangent |"]
        lines += ["|---|---|---|---|---|"]
        for r in sph:
            s2 = r["noise_var"][4] / 1e-2
            for j in range(0, len(r["noise_var"]), 2):
                q = r["radial"]
                lines.append(
                    f"| {r['name']} | {r['noise_var'][j] / s2:.2g} | {q['r_k+1'][j]:.3f} | "
                    f"{q['overlap'][j]:.3f} | {q['radial_in_tangent'][j]:.3f} |"
                )
    return "\n".join(lines) + "\n"


def figure(res: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 4
    rows = -(-(len(res) + 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    for ax, r in zip(axes.flat, res, strict=False):
        v = np.asarray(r["noise_var"]) / (r["noise_var"][4] / 1e-2)
        for j, (n, e) in enumerate(r["exact"].items()):
            grey = str(0.75 - 0.5 * j / max(1, len(r["exact"]) - 1))
            ax.plot(v, e["threshold"], color=grey, lw=1.2, label=f"exact N={n}")
        for rule, c in RULES.items():
            ls = "--" if rule == "flipd" else "-"
            ax.plot(v, r["network"][rule], color=c, ls=ls, marker=".", label=f"net {rule}")
        ax.axhline(r["k"], color="k", ls=":", lw=1, label="true k")
        if r["id_diff"]:
            ax.axhline(r["id_diff"], color="purple", ls=":", lw=1, label="ID-diff")
        ax.set_xscale("log")
        seen = [r["k"] + 1] + [max(r["network"][rule]) for rule in ("threshold", "gap")]
        ax.set_ylim(-0.5, min(r["d"], 1.15 * max(seen) + 1))
        ax.set_title(f"{r['name']} (k={r['k']}, d={r['d']})", fontsize=9)
        ax.set_xlabel("v / s₁²")
        ax.set_ylabel("median dimension")
    ax = axes.flat[len(res)]
    for r in res:
        if "radial" in r:
            v = np.asarray(r["noise_var"]) / (r["noise_var"][4] / 1e-2)
            ax.plot(v, r["radial"]["r_k+1"], marker=".", label=f"{r['name']}: r_(k+1)")
            ax.plot(v, r["radial"]["overlap"], ls="--", label=f"{r['name']}: |<u_(k+1), x/|x|>|")
    ax.axhline(0.5, color="k", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_title("spheres: the radial direction", fontsize=9)
    ax.set_xlabel("v / s₁²")
    ax.legend(fontsize=6)
    for extra in list(axes.flat)[len(res) + 1 :]:
        extra.axis("off")
    axes.flat[0].legend(fontsize=6, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(out: Path, names) -> None:
    res = _load(out, names)
    if not res:
        return
    (out / "tables.md").write_text(tables(res))
    figure(res, out / "lid.png")
    print(f"wrote {out / 'tables.md'} and {out / 'lid.png'} ({len(res)} manifolds)", flush=True)
