"""The summary of a paper-network read-out folder (``readouts``): every row read back, by run
and step, tau per block and N, the first loss step at every level, and the figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import io
from geomem.data import preset as data_preset
from geomem.experiments.training_time.read import loss_steps, memorization_times
from geomem.experiments.training_time.readouts import REFS, PaperNetworkConfig

RENORM_RANK = 20  # the authors' network cell: values from rank 20 on / the rank-20 value


def collect(out: str | Path) -> dict[str, dict]:
    """{run: {"N", "steps" (S,), "network" (S, L + 1, K), "exact", "population" (L + 1, K),
    "authors_noise_var" (48,), "authors_values" (S, 48, d - 1), "sources" (S,)}} from the rows
    of ``out`` (the latest row of each (run, step)), runs by N, steps ascending."""
    from geomem.runs.store import read_rows

    out = Path(out)
    by_run: dict[str, list[dict]] = {}
    for r in read_rows(out):
        if r.get("status") == "ok":
            by_run.setdefault(r["run"], []).append(r)
    data = {}
    for run, rows in sorted(by_run.items(), key=lambda kv: kv[1][0]["N"]):
        rows = sorted(rows, key=lambda r: r["step"])
        arrays = [_read(out / r["file"]) for r in rows]
        with np.load(out / REFS / f"{run}.npz") as refs:
            exact, pop = refs["exact"], refs["population"]
        data[run] = {
            "N": rows[0]["N"],
            "steps": np.array([r["step"] for r in rows]),
            "network": np.stack([a["kept"] for a in arrays]),
            "exact": exact,
            "population": pop,
            "authors_noise_var": arrays[0]["authors_noise_var"],
            "authors_values": np.stack([a["authors_values"] for a in arrays]),
            "sources": [r["source"] for r in rows],
        }
    return data


def _read(path: Path) -> dict:
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def renormalized(values: np.ndarray, drop: int = 1, rank: int = RENORM_RANK) -> np.ndarray:
    """(..., n) dropped-and-normalised values / the value at 1-based ``rank`` (their cell)."""
    j = rank - drop - 1
    return values / values[..., j : j + 1]


def summarise(cfg: PaperNetworkConfig, out: str | Path) -> dict:
    """Write ``summary.json`` and the figures ``kept_vs_step.png``, ``authors_spectra.png``
    from every row of ``out``; return the summary. ``loss_step`` (L + 1, K) per run is
    ``read.loss_steps``, None at the levels where the population keeps fewer than half of a
    block's directions (lost to the noise or to the reference's own sample, not memorized)."""
    from geomem.plots.paper_network import authors_spectra, kept_vs_step

    out, data = Path(out), collect(out)
    labels = data_preset(cfg.preset).block_labels()
    dims = np.array([b.shape[1] for b in data_preset(cfg.preset).block_bases()])
    levels = cfg.levels()
    members = [{k: d[k] for k in ("N", "steps", "network", "population")} for d in data.values()]
    summary = {
        "blocks": labels,
        "noise_var": levels.tolist(),
        "tau_noise_var": cfg.tau_noise_var,
        "tau": memorization_times(members) if members else None,
        "runs": {},
    }
    for run, d in data.items():
        loss = loss_steps(d["steps"], d["network"], d["population"])
        for i, k in zip(*np.nonzero(d["population"] < dims / 2), strict=True):
            loss[i][k] = None  # a block the population itself has mostly lost at that level
        summary["runs"][run] = {
            "N": d["N"],
            "steps": d["steps"].tolist(),
            "sources": sorted({str(Path(s).parent.parent) for s in d["sources"]}),
            "kept_network": d["network"].round(4).tolist(),
            "kept_exact": d["exact"].round(4).tolist(),
            "kept_population": d["population"].round(4).tolist(),
            "loss_step": loss,
            # the authors' panel at its smallest noise level, ranks 2..30 over rank 20, per step
            "authors_smallest_noise_var": float(d["authors_noise_var"].min()),
            "authors_at_smallest_noise": renormalized(
                d["authors_values"][:, int(np.argmin(d["authors_noise_var"]))]
            )
            .round(4)
            .tolist(),
        }
    io.write_json(out / "summary.json", summary)
    if data:
        kept_vs_step(data, levels, labels, out / "kept_vs_step.png")
        shown = {run: renormalized(d["authors_values"]) for run, d in data.items()}
        authors_spectra(data, shown, out / "authors_spectra.png", rank=RENORM_RANK)
    return summary
