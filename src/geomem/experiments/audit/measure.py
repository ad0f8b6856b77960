"""The audit's measurements: dimensions at training and held-out images per noise level (model
and the exact empirical score of the same training images), FLIPD, samples and their copies.

Query points are x = alpha_t x0 (the mean of x_t given the clean image x0), as in the images
study; the model's spectrum there is r = eig(sym(-sigma_t^2 J)), its dimension #{r < 1/2}.
"""

from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm

from geomem import _validate, seeds
from geomem.memorization import copy_table
from geomem.sampling import SamplerConfig, sample, score_evaluations
from geomem.sampling.pipeline import SchedulerSemantics, sample_pipeline
from geomem.schedules import DDPM
from geomem.scores.base import Score
from geomem.spectra.dimension import threshold_dimension
from geomem.spectra.flipd import flipd, trace_products
from geomem.spectra.jacobian import jacobian_spectrum
from geomem.spectra.slq import slq_dimension, spectral_density


def times_of(score: Score, cfg) -> tuple[np.ndarray, np.ndarray]:
    """((L,) schedule times, (L,) noise variances v) of the config's levels, ascending in v."""
    sched = score.schedule
    if cfg.step is not None:
        if not isinstance(sched, DDPM):
            got = type(sched).__name__
            _validate.fail("step", "a DDPM model (give noise variances instead)", got)
        t = np.asarray(cfg.levels, dtype=np.float64)
        if t.max() > sched.n_steps - 1:
            _validate.fail("step", f"steps in (0, {sched.n_steps - 1}]", cfg.levels)
        v = np.asarray(sched.noise_var(t), dtype=np.float64)
    else:
        v = np.asarray(cfg.levels, dtype=np.float64)
        if isinstance(sched, DDPM):
            lo, hi = float(sched.noise_var(0.0)), float(sched.noise_var(sched.n_steps - 1.0))
            if v.min() < lo or v.max() > hi:
                _validate.fail(
                    "noise_var", f"levels in the model's range [{lo:.3g}, {hi:.3g}]", cfg.levels
                )
        t = np.asarray([float(sched.t_of_noise_var(x)) for x in v])
    order = np.argsort(v)
    return t[order], v[order]


def route_of(cfg, d: int) -> str:
    """The read-out at dimension d: "dense" (``--route dense``, or auto up to dense_max_d) or
    "slq"."""
    dense = cfg.route == "dense" or (cfg.route == "auto" and d <= cfg.dense_max_d)
    return "dense" if dense else "slq"


def level_dimensions(score: Score, x0: np.ndarray, t: float, cfg, rng) -> dict:
    """Dimension (K,), its standard error (K,) and the spectrum read-out at clean images x0."""
    x = float(score.schedule.alpha(t)) * x0
    if route_of(cfg, score.d) == "dense":
        sp = jacobian_spectrum(score, x, t, method="autodiff")
        dim = threshold_dimension(sp).astype(np.float64)
        return {"dimension": dim, "se": np.zeros_like(dim), "spectrum": sp.eigvals}
    est = slq_dimension(score, x, t, n_probes=cfg.probes, m=cfg.lanczos_steps, rng=rng)
    return {"dimension": est.dimension, "se": est.se, "nodes": est.nodes, "weights": est.weights}


def exact_dimensions(exact: Score, x0: np.ndarray, t: float) -> np.ndarray:
    """(K,) threshold dimension of the exact empirical score (Gram route) at alpha_t x0."""
    x = float(exact.schedule.alpha(t)) * x0
    return threshold_dimension(jacobian_spectrum(exact, x, t)).astype(np.float64)


def dimensions(model_score, exact, images: dict, times, cfg, *, progress=False) -> dict:
    """Per group (train / heldout) of images (K, d): (L, K) arrays of the model's dimension and
    its error, the exact score's, spectra per level, and FLIPD (K,) at the lowest level."""
    out = {}
    steps = len(images) * len(times)
    bar = tqdm(total=steps, desc="dimensions", unit="level", disable=not progress)
    for g, (where, x0) in enumerate(images.items()):
        res = {"dimension": [], "se": [], "exact": [], "spectra": [], "weights": []}
        for i, t in enumerate(times):
            rng = seeds.rng(cfg.seed, seeds.LEVEL_PROBES, g, i)
            lv = level_dimensions(model_score, x0, float(t), cfg, rng)
            res["dimension"].append(lv["dimension"])
            res["se"].append(lv["se"])
            res["spectra"].append(lv.get("spectrum", lv.get("nodes")))  # dense r, or SLQ nodes
            res["weights"].append(
                lv.get("weights", np.full_like(res["spectra"][-1], 1.0 / model_score.d))
            )
            res["exact"].append(exact_dimensions(exact, x0.astype(np.float64), float(t)))
            bar.update()
        res = {k: np.stack(v) for k, v in res.items()}
        if cfg.flipd:
            rng = seeds.rng(cfg.seed, seeds.FLIPD_PROBES, g)
            est = flipd(model_score, x0, float(times[0]), rng=rng)
            res["flipd"], res["flipd_se"] = est.lid, est.se
        out[where] = res
    bar.close()
    return out


def sampler_config(cfg, model) -> SamplerConfig:
    name = cfg.sampler or model.default_sampler
    return SamplerConfig(
        sampler=name,
        steps=cfg.sampler_steps,
        batch_size=max(1, min(cfg.samples, 64)),
        dtype=cfg.dtype,
    )


def pipeline_semantics(cfg, model):
    """The pipeline's own sampler (its scheduler config's clipping and spacing) for a diffusers
    model sampled with DDIM (the default) or DDPM; None for other models or samplers."""
    sched_cfg = getattr(model.score, "scheduler_config", None)
    name = cfg.sampler or model.default_sampler
    if sched_cfg is None or name not in ("ddim", "ddpm"):
        return None
    return SchedulerSemantics.from_config(sched_cfg, name)


def samples_and_copies(model, train: np.ndarray, cfg, *, progress=False):
    """(S, d) samples in data coordinates and their ``CopyTable`` against all of ``train``: a
    diffusers model's samples are drawn as its own pipeline draws them (``pipeline_semantics``)."""
    scfg = sampler_config(cfg, model)
    gen = torch.Generator(device=cfg.device).manual_seed(cfg.seed)
    sem = pipeline_semantics(cfg, model)
    if sem is not None:
        S = sample_pipeline(
            model.score, sem, cfg.samples, cfg.sampler_steps, generator=gen,
            batch_size=scfg.batch_size, dtype=getattr(torch, cfg.dtype),
        )  # fmt: skip
    else:
        S = sample(model.score, cfg.samples, scfg, generator=gen, progress=progress)
    S = S.detach().to("cpu", torch.float64).numpy()
    if len(train) < 2:  # no second neighbour: no ratio test
        return S, None
    return S, copy_table(S, train, threshold=cfg.threshold)


def cost(cfg, model, n_train: int, n_held: int) -> dict:
    """Estimated work: score evaluations of sampling and Jacobian products of the read-outs."""
    d, L = model.d, len(cfg.levels)
    route = route_of(cfg, d)
    per_point = d if route == "dense" else cfg.probes * cfg.lanczos_steps
    points = (n_train + n_held) * L
    flipd_products = (n_train + n_held) * trace_products(d) * cfg.flipd
    evals = cfg.samples * score_evaluations(sampler_config(cfg, model)) if cfg.samples else 0
    return {
        "route": route,
        "points": points,
        "jacobian_products": int(points * per_point + flipd_products),
        "sampling_score_evaluations": int(evals),
    }


def densities(dims: dict, d: int) -> tuple[np.ndarray, dict]:
    """(grid, {group: (len(grid),) density}) of r = eig(sym(-sigma_t^2 J)) at the lowest level
    (dense eigenvalues or SLQ nodes and weights, smoothed), mean over images."""
    allr = np.concatenate([res["spectra"][0].ravel() for res in dims.values()])
    grid = np.linspace(
        max(-3.0, min(-0.2, allr.min() - 0.1)), min(5.0, max(1.4, allr.max() + 0.1)), 481
    )
    out = {}
    for g, res in dims.items():
        nodes, w = res["spectra"][0], res["weights"][0]  # (K, d) dense or (K, P, m) SLQ
        if nodes.ndim == 2:
            nodes, w = nodes[:, None], w[:, None]
        out[g] = spectral_density(nodes, w, d, grid).mean(0)
    return grid, out
