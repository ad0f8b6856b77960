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
from geomem.schedules import DDPM, VE
from geomem.scores.base import Score
from geomem.spectra.dimension import threshold_dimension
from geomem.spectra.flipd import flipd
from geomem.spectra.jacobian import jacobian_spectrum, normalized_jacobian, spectrum_of_matrix
from geomem.spectra.slq import slq_dimension, spectral_density
from geomem.spectra.spectrum import Spectrum


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
        lo, hi = None, None
        if isinstance(sched, DDPM):
            lo, hi = float(sched.noise_var(0.0)), float(sched.noise_var(sched.n_steps - 1.0))
        elif isinstance(sched, VE) and getattr(score, "scheduler_config", None) is not None:
            lo, hi = sched.sigma_min**2, sched.sigma_max**2  # a pipeline's trained range
        if lo is not None:
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


BLOCK_ROWS = 256  # rows of J per reverse-mode pass above this d (a progress tick each)


def image_spectrum(score: Score, x1: torch.Tensor, t: float, tick=None) -> np.ndarray:
    """(1, d) r = eig(sym(-sigma_t^2 J)) at one query point x1 (1, d): by
    ``jacobian_spectrum`` up to BLOCK_ROWS, else J assembled from blocks of BLOCK_ROWS rows
    (one ``torch.func.vjp`` of the basis rows each, as ``jacrev`` computes them) with
    ``tick(fraction of the image)`` after each block (``tick(1)`` for the whole image)."""
    d, tick = score.d, tick or (lambda n: None)
    if d <= BLOCK_ROWS:
        eig = jacobian_spectrum(score, x1, t, method="autodiff").eigvals
        tick(1)
        return eig
    g = score.at_time(t) if hasattr(score, "at_time") else (lambda z: score(z, t))
    dev = getattr(score, "device", "cpu")
    x1 = torch.as_tensor(x1, dtype=getattr(score, "dtype", torch.float64), device=dev)
    _, pull = torch.func.vjp(lambda z: g(z[None])[0], x1[0])
    eye = torch.eye(d, dtype=x1.dtype, device=x1.device)
    rows = []
    with torch.no_grad():
        for start in range(0, d, BLOCK_ROWS):
            rows.append(torch.vmap(pull)(eye[start : start + BLOCK_ROWS])[0])
            tick(min(BLOCK_ROWS, d - start) / d)
    sigma = float(score.schedule.sigma(t))
    v = float((score.schedule.sigma(t) / score.schedule.alpha(t)) ** 2)
    M = normalized_jacobian(torch.cat(rows)[None].to(torch.float64), sigma)
    return spectrum_of_matrix(M, v, "autodiff").eigvals


def level_dimensions(score: Score, x0: np.ndarray, t: float, cfg, rng, tick=None) -> dict:
    """Dimension (K,), its standard error (K,) and the spectrum read-out at clean images x0;
    ``tick(n)`` as images (or parts of one, for big d) are done."""
    tick = tick or (lambda n: None)
    x = float(score.schedule.alpha(t)) * x0
    if route_of(cfg, score.d) == "dense":
        eig = [image_spectrum(score, x[j : j + 1], t, tick) for j in range(len(x))]
        sp = Spectrum(np.concatenate(eig), float(score.schedule.noise_var(t)), "autodiff")
        dim = threshold_dimension(sp).astype(np.float64)
        return {"dimension": dim, "se": np.zeros_like(dim), "spectrum": sp.eigvals}
    est = slq_dimension(score, x, t, n_probes=cfg.probes, m=cfg.lanczos_steps, rng=rng)
    tick(len(x))
    return {"dimension": est.dimension, "se": est.se, "nodes": est.nodes, "weights": est.weights}


def exact_dimensions(exact: Score, x0: np.ndarray, t: float) -> np.ndarray:
    """(K,) threshold dimension of the exact empirical score (Gram route) at alpha_t x0."""
    x = float(exact.schedule.alpha(t)) * x0
    return threshold_dimension(jacobian_spectrum(exact, x, t)).astype(np.float64)


def dimensions(model_score, exact, images: dict, times, cfg, *, progress=False) -> dict:
    """Per group (train / heldout) of images (K, d): (L, K) arrays of the model's dimension and
    its error, the exact score's, spectra per level, and FLIPD (K,) at the lowest level. The
    progress bar (``progress``) moves per image (per block of Jacobian rows for big d)."""
    out = {}
    steps = sum(len(x0) for x0 in images.values()) * (len(times) + int(cfg.flipd))
    bar = tqdm(total=steps, desc="dimensions", unit="image", disable=not progress)
    for g, (where, x0) in enumerate(images.items()):
        res = {"dimension": [], "se": [], "exact": [], "spectra": [], "weights": []}
        for i, t in enumerate(times):
            rng = seeds.rng(cfg.seed, seeds.LEVEL_PROBES, g, i)
            lv = level_dimensions(model_score, x0, float(t), cfg, rng, tick=bar.update)
            res["dimension"].append(lv["dimension"])
            res["se"].append(lv["se"])
            res["spectra"].append(lv.get("spectrum", lv.get("nodes")))  # dense r, or SLQ nodes
            res["weights"].append(
                lv.get("weights", np.full_like(res["spectra"][-1], 1.0 / model_score.d))
            )
            res["exact"].append(exact_dimensions(exact, x0.astype(np.float64), float(t)))
        res = {k: np.stack(v) for k, v in res.items()}
        if cfg.flipd:
            rng = seeds.rng(cfg.seed, seeds.FLIPD_PROBES, g)
            bar.set_postfix_str(f"FLIPD {where}")
            est = flipd(model_score, x0, float(times[0]), rng=rng)
            res["flipd"], res["flipd_se"] = est.lid, est.se
            bar.update(len(x0))
        out[where] = res
    bar.close()
    return out


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
