"""Before any verdict: is the audited model a model of this data at all, and can the test see?

A model that does not model its data (an untrained U-Net, the wrong checkpoint, a model of
other images) keeps every dimension at every image, so it would pass the dimension test as
"generalizing". Three checks, each with its numbers in ``summary.json``:

- **denoising**: at each audit level v the model's Tweedie estimate of its training images,
  x̂0 = y + v s_VE(y) with y = x0 + sqrt(v) z (the VE-equivalent state), against the
  best trivial denoiser (the noisy image itself, or the training mean): a model of the data
  beats it at some level (``ratio`` = model error / trivial error < 1);
- **samples**: the generated samples stay within the data's range (fraction of samples with a
  pixel beyond ``range_factor`` times the largest training |value|);
- **kept dimension**: a model that keeps >= 95 % of d at every image and every level has not
  found a lower-dimensional structure at all.

A failure gives the verdict "not a model of this data". The **power check**: with K training
and K' held-out images and L levels the smallest Bonferroni-corrected one-sided Mann-Whitney p
the test can reach is L p_min(K, K') (all training dimensions below all held-out ones); when
that is not below ``alpha``, "geometric memorization" is impossible by design and a clean
result is reported as "undecided", with the K that would be needed.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import mannwhitneyu

from geomem import seeds
from geomem.sampling.ve import tweedie

RANGE_FACTOR = 2.0  # a sample pixel beyond this times the largest training |value| is wild
WILD_SAMPLES = 0.5  # "not a model" when more than this fraction of samples is wild
FULL_DIMENSION = 0.95  # "not a model" when the dimension is >= this fraction of d everywhere


def smallest_p(n_train: int, n_held: int, n_levels: int) -> float:
    """The smallest Bonferroni-corrected p the audit's one-sided test can give: scipy's own
    Mann-Whitney p of perfectly separated samples of these sizes, times the levels."""
    a, b = np.arange(n_train), np.arange(n_train, n_train + n_held)
    return min(1.0, float(mannwhitneyu(a, b, alternative="less").pvalue) * n_levels)


def power(n_train: int, n_held: int, n_levels: int, alpha: float) -> dict:
    """Whether "geometric memorization" can be found at ``alpha``, and the K (images per set)
    that would allow it."""
    p = smallest_p(n_train, n_held, n_levels)
    need = next(
        (k for k in range(2, 200) if smallest_p(k, k, n_levels) < alpha), None
    )  # equal sets of k
    return {"smallest_p": p, "can_detect": p < alpha, "n_images_needed": need}


def denoising(score, x0: np.ndarray, noise_var: np.ndarray, train: np.ndarray, seed: int) -> dict:
    """Per level v: mean squared error per pixel of the model's Tweedie denoiser at clean images
    x0 (K, d) noised to y = x0 + sqrt(v) z (``geomem.sampling.ve.tweedie``), of the identity
    (y itself) and of the training mean, and their ratio (model / best)."""
    dtype = getattr(score, "dtype", torch.float64)
    gen = seeds.rng(seed, seeds.DENOISE)
    mu = train.mean(0)
    rows = []
    for v in noise_var:
        y = x0 + np.sqrt(v) * gen.standard_normal(x0.shape)
        with torch.no_grad():
            D = tweedie(score, torch.as_tensor(y, dtype=dtype), float(np.sqrt(v)))
        model = float(np.mean((D.double().cpu().numpy() - x0) ** 2))
        ident = float(np.mean((y - x0) ** 2))
        mean = float(np.mean((mu - x0) ** 2))
        rows.append(
            {"model": model, "identity": ident, "mean": mean, "ratio": model / min(ident, mean)}
        )
    return {"levels": rows, "best_ratio": min(r["ratio"] for r in rows)}


def sample_range(S: np.ndarray | None, train: np.ndarray) -> dict | None:
    """Fraction of samples (S, d) with a pixel beyond RANGE_FACTOR x max |training value|."""
    if S is None:
        return None
    limit = RANGE_FACTOR * float(np.abs(train).max())
    wild = float(np.mean(np.abs(S).max(axis=1) > limit))
    return {"limit": limit, "wild_fraction": wild, "min": float(S.min()), "max": float(S.max())}


def check(summary_dims: dict, d: int, den: dict, rng_: dict | None) -> dict:
    """The sanity verdict: ``ok`` and the reasons it failed."""
    reasons = []
    if den["best_ratio"] >= 1.0:
        reasons.append(
            f"its denoiser is no better than the noisy image or the training mean at any level "
            f"(best error ratio {den['best_ratio']:.2f})"
        )
    if rng_ is not None and rng_["wild_fraction"] > WILD_SAMPLES:
        reasons.append(
            f"{rng_['wild_fraction']:.0%} of its samples leave the data's range "
            f"(values in [{rng_['min']:.3g}, {rng_['max']:.3g}], "
            f"data within ±{rng_['limit'] / RANGE_FACTOR:.3g})"
        )
    dims = np.concatenate([np.ravel(res["dimension"]) for res in summary_dims.values()])
    if dims.size and dims.min() >= FULL_DIMENSION * d:
        reasons.append(
            f"it keeps >= {dims.min():.0f} of d = {d} dimensions at every image and level"
        )
    return {"ok": not reasons, "reasons": reasons}
