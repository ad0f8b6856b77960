"""What an audit will cost (``--dry-run``): counted work, and seconds estimated from a probe.

The count: Jacobian products of the dimension read-outs (dense: d reverse passes per image and
level; SLQ: probes x Lanczos steps) and of FLIPD, and score evaluations of sampling. The
estimate: one block of reverse-mode products at one image and one sampling batch of score
calls, timed on this machine (the fastest of a few repeats after a warm-up), multiplied by
the counts. It leaves out the exact score's spectra and the eigendecompositions (small for
d <= a few thousand) and is an estimate, labelled so.
"""

from __future__ import annotations

import time

import torch

from geomem.experiments.audit import samples
from geomem.experiments.audit.measure import route_of
from geomem.spectra.flipd import trace_products

PROBE_BLOCK = 64  # reverse-mode products timed together (as the dense route batches them)
REPEATS = 3


def count(cfg, model, n_train: int, n_held: int) -> dict:
    """Jacobian products of the read-outs and score evaluations of sampling."""
    d, L = model.d, len(cfg.levels)
    route = route_of(cfg, d)
    per_point = d if route == "dense" else cfg.probes * cfg.lanczos_steps
    points = (n_train + n_held) * L
    flipd_products = (n_train + n_held) * trace_products(d) * cfg.flipd
    return {
        "route": route,
        "points": points,
        "jacobian_products": int(points * per_point + flipd_products),
        "sampling_score_evaluations": int(samples.evaluations(cfg, model)),
    }


def _fastest(fn) -> float:
    fn()  # warm-up (first-call overheads)
    best = float("inf")
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def probe(model, x1: torch.Tensor, t: float, batch: int) -> dict:
    """Measured seconds of one Jacobian product (a block of PROBE_BLOCK reverse passes at the
    image x1 (1, d), per product) and of one score evaluation per sample (a call on ``batch``
    points, per point)."""
    score = model.score
    g = score.at_time(t) if hasattr(score, "at_time") else (lambda z: score(z, t))
    dev = getattr(score, "device", "cpu")
    x1 = torch.as_tensor(x1, dtype=getattr(score, "dtype", torch.float32), device=dev)
    k = min(PROBE_BLOCK, score.d)
    eye = torch.eye(score.d, dtype=x1.dtype, device=x1.device)[:k]

    def products():
        _, pull = torch.func.vjp(lambda z: g(z[None])[0], x1[0])
        with torch.no_grad():
            torch.vmap(pull)(eye)

    xb = x1.expand(batch, -1).contiguous()

    def evaluations():
        with torch.no_grad():
            score(xb, t)

    return {
        "seconds_per_product": _fastest(products) / k,
        "seconds_per_evaluation": _fastest(evaluations) / batch,
    }


def cost(cfg, model, n_train: int, n_held: int, x1=None, t: float | None = None) -> dict:
    """``count``, and with a probe image x1 (1, d) at time t the estimated seconds."""
    out = count(cfg, model, n_train, n_held)
    if x1 is None:
        return out
    batch = max(1, min(cfg.samples, 64))
    p = probe(model, x1, float(t), batch)
    dims = out["jacobian_products"] * p["seconds_per_product"]
    draw = out["sampling_score_evaluations"] * p["seconds_per_evaluation"]
    return out | {
        "probe": {k: float(f"{v:.3g}") for k, v in p.items()},
        "estimated_seconds": {
            "dimensions": round(dims, 1),
            "sampling": round(draw, 1),
            "total": round(dims + draw, 1),
            "note": "an estimate: measured probe x counted products; excludes the exact "
            "score's spectra and the eigendecompositions",
        },
    }
