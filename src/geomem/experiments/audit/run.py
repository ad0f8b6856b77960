"""`geomem audit`: does a diffusion model you did not train copy, or lose dimensions at, its
training images? (docs/audit.md)

``run_audit(cfg, out)`` resolves the model (``geomem.loading``), loads and checks the images, and
only then writes ``OUT/config.json``, measures (``audit.measure``), decides
(``audit.verdict``) and writes ``summary.json``, ``per_image.csv``, ``samples.csv``,
``arrays.npz``, ``timing.json``, the figures and ``index.html`` (``geomem.plots.audit``).
Same config and seed: the same numbers.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from geomem import _validate, io
from geomem.boundary.files import refuse_other
from geomem.experiments.audit import cost, measure, samples, sanity
from geomem.experiments.audit.config import AuditConfig
from geomem.experiments.audit.verdict import decide, level_tests, mean_sd
from geomem.loading import Model, load_model, model_images
from geomem.runs.config import to_dict
from geomem.scores import EmpiricalScore
from geomem.scores.diffusers import quiet
from geomem.seeds import QUERIES, TRAIN, rng


@dataclass(frozen=True)
class AuditInputs:
    """Everything checked before the first write: model, images, chosen rows, levels."""

    model: Model
    train: np.ndarray  # (N, d) float32
    heldout: np.ndarray | None  # (M, d) float32
    chosen: dict  # "train" / "heldout" -> (K,) row indices
    times: np.ndarray  # (L,) schedule times
    noise_var: np.ndarray  # (L,) v, ascending


def prepare(cfg: AuditConfig, model: Model | None = None) -> AuditInputs:
    """Resolve and check every input of ``cfg`` (one-line errors); writes nothing."""
    if not isinstance(cfg, AuditConfig):
        _validate.fail("cfg", "an AuditConfig", cfg, TypeError)
    from geomem.scores.sources import check_data_run

    check_data_run(cfg.model, cfg.train, "train")  # a `geomem train --data` run: its own file
    dtype = torch.float64 if cfg.dtype == "float64" else torch.float32
    with quiet():
        if model is None:
            model = load_model(cfg.model, scheduler=cfg.scheduler, device=cfg.device, dtype=dtype)
        train = model_images(cfg.train, model, name="train")
        held = None if cfg.heldout is None else model_images(cfg.heldout, model, name="heldout")
    times, v = measure.times_of(model.score, cfg)
    if cfg.samples:
        samples.check(cfg, model)  # an unusable sampler refused now, not after config.json
    chosen = {"train": _choose(len(train), cfg, TRAIN)}
    if held is not None:
        chosen["heldout"] = _choose(len(held), cfg, QUERIES)
    return AuditInputs(model, train, held, chosen, times, v)


def _choose(n: int, cfg: AuditConfig, stream: int) -> np.ndarray:
    k = min(n, cfg.n_images)
    return np.sort(rng(cfg.seed, stream).choice(n, size=k, replace=False))


def plan(cfg: AuditConfig, inputs: AuditInputs) -> dict:
    """What the audit will do and its cost (``--dry-run``): counted products and evaluations,
    and the seconds they take estimated from a probe timed here (``audit.cost``)."""
    m = inputs.model
    n_held = len(inputs.chosen.get("heldout", ()))
    row = inputs.chosen["train"][0]
    x1 = float(m.score.schedule.alpha(inputs.times[0])) * inputs.train[row : row + 1]
    with quiet():
        price = cost.cost(cfg, m, len(inputs.chosen["train"]), n_held, x1, inputs.times[0])
    return {
        "model": {"kind": m.kind, "source": m.source, "d": m.d, "image_shape": m.image_shape},
        "N": len(inputs.train),
        "images_measured": {"train": len(inputs.chosen["train"]), "heldout": n_held},
        "noise_var": inputs.noise_var.tolist(),
        "times": inputs.times.tolist(),
        "sampler": samples.sampler_name(cfg, m),
        "cost": price,
    }


def run_audit(
    cfg: AuditConfig, out: str | Path, *, model: Model | None = None, progress: bool = False
) -> dict:
    """Audit the model of ``cfg`` (or ``model``, e.g. ``geomem.loading.from_score``) into ``out``;
    returns ``summary.json``'s content."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        _validate.fail("out", "a folder path", f"{out} (a file)")
    refuse_other("out", out / "config.json", to_dict(cfg), key=None)
    inputs = prepare(cfg, model)
    out.mkdir(parents=True, exist_ok=True)
    io.write_json(out / "config.json", to_dict(cfg))
    m, clock = inputs.model, {}
    images = {
        g: (inputs.train if g == "train" else inputs.heldout)[i] for g, i in inputs.chosen.items()
    }
    exact = EmpiricalScore(inputs.train.astype(np.float64), m.score.schedule, device=cfg.device)
    with quiet():
        t0 = time.perf_counter()
        dims = measure.dimensions(m.score, exact, images, inputs.times, cfg, progress=progress)
        clock["dimensions_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        S, table = (None, None)
        if cfg.samples:
            S, table = samples.samples_and_copies(m, inputs.train, cfg, progress=progress)
        clock["samples_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        x0 = inputs.train[inputs.chosen["train"]].astype(np.float64)
        den = sanity.denoising(m.score, x0, inputs.noise_var, inputs.train, cfg.seed)
    health = {"denoising": den, "samples": sanity.sample_range(S, inputs.train)}
    health |= sanity.check(dims, m.d, den, health["samples"])
    clock["sanity_s"] = time.perf_counter() - t0
    summary = _summary(cfg, inputs, dims, table, health)
    _write_files(out, inputs, dims, S, table)
    io.write_json(out / "summary.json", summary)
    io.write_json(out / "timing.json", {k: round(v, 3) for k, v in clock.items()})
    from geomem.plots.audit import write_report

    write_report(out, summary, inputs, dims, S, table, measure.densities(dims, inputs.model.d))
    return summary


def _summary(cfg: AuditConfig, inputs: AuditInputs, dims: dict, table, health: dict) -> dict:
    v = inputs.noise_var
    held = dims["heldout"]["dimension"] if "heldout" in dims else None
    tests = level_tests(dims["train"]["dimension"], held, v)
    rate = None if table is None else table.summary["criteria"]["ratio"]["fraction"]
    power = None
    if held is not None:
        n_train, n_held = len(inputs.chosen["train"]), len(inputs.chosen["heldout"])
        power = sanity.power(n_train, n_held, len(v), cfg.alpha)
    verdict = decide(
        rate,
        tests,
        copy_threshold=cfg.copy_rate,
        alpha=cfg.alpha,
        min_drop=cfg.min_drop,
        sanity=health,
        power=power,
    )
    for i, (row, t) in enumerate(zip(tests, inputs.times, strict=True)):
        row["noise_var"], row["t"] = row.pop("level"), float(t)
        row |= {f"exact_{g}": mean_sd(dims[g]["exact"][i]) for g in dims}
    m = inputs.model
    return {
        **verdict,
        "model": {
            "kind": m.kind,
            "source": m.source,
            "d": m.d,
            "image_shape": m.image_shape,
            "schedule": repr(m.score.schedule),
            "parameterization": getattr(m.score, "parameterization", None),
        },
        "data": {
            "N": len(inputs.train),
            "n_heldout": 0 if inputs.heldout is None else len(inputs.heldout),
        },
        "images_measured": {g: len(i) for g, i in inputs.chosen.items()},
        "route": measure.route_of(cfg, m.d),
        "levels": tests,
        "flipd": _flipd(dims, float(v[0])) if cfg.flipd else None,
        "sanity": health,
        "power": power,
        "copies": None if table is None else {"copy_rate": rate, **table.summary},
        "thresholds": {
            "ratio_test": cfg.threshold,
            "copy_rate": cfg.copy_rate,
            "alpha": cfg.alpha,
            "min_drop": cfg.min_drop,
        },
    }


def _flipd(dims: dict, v: float) -> dict:
    return {"noise_var": v, **{g: mean_sd(res["flipd"]) for g, res in dims.items()}}


def _write_files(out: Path, inputs: AuditInputs, dims: dict, S, table) -> None:
    with io.atomic_path(out / "per_image.csv") as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["group", "row", "noise_var", "dimension", "se", "exact_dimension", "flipd"])
        for g, res in dims.items():
            for j, row in enumerate(inputs.chosen[g]):
                for i, v in enumerate(inputs.noise_var):
                    f = res["flipd"][j] if "flipd" in res and i == 0 else ""
                    w.writerow([g, int(row), f"{v:.6g}", f"{res['dimension'][i, j]:.6g}",
                                f"{res['se'][i, j]:.4g}", f"{res['exact'][i, j]:.6g}",
                                f if f == "" else f"{f:.6g}"])  # fmt: skip
    arrays = {"noise_var": inputs.noise_var, "times": inputs.times}
    for g, res in dims.items():
        arrays[f"rows_{g}"] = inputs.chosen[g]
        arrays |= {f"{k}_{g}": v for k, v in res.items()}
    if table is not None:
        arrays["samples"] = S
        arrays |= {f"copies_{k}": v for k, v in table.arrays.items()}
        with io.atomic_path(out / "samples.csv") as tmp, open(tmp, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["sample", "nearest", "second", "d1", "d2", "ratio", "copy"])
            a = table.arrays
            for s in range(len(S)):
                w.writerow([s, int(a["index"][s, 0]), int(a["index"][s, 1]),
                            f"{a['distance'][s, 0]:.6g}", f"{a['distance'][s, 1]:.6g}",
                            f"{a['ratio'][s]:.6g}", int(a["copy_ratio"][s])])  # fmt: skip
    io.save_npz(out / "arrays.npz", arrays)
