"""Copy criteria: pure functions of nearest-neighbour distances (docs/science.md §9).

Distances are those of :class:`~geomem.memorization.Neighbors` (L2 / sqrt(d)), one row per
generated sample, nearest first. Ratios do not depend on the normalisation; absolute
thresholds (``delta_m``, ``delta_s``) do.
"""

from __future__ import annotations

import numpy as np

from geomem import _validate

LABELS = ("memorized", "spurious", "generalized")


def nearest_ratio(dist) -> np.ndarray:
    """d1 / d2 per sample, (M,) in [0, 1]; an exact match (d1 = d2 = 0) counts as 0.

    Parameters
    ----------
    dist : array (M, k), k >= 2
        Distances to the k nearest training points, ascending along each row.
    """
    dist = _distances(dist, 2)
    d1, d2 = dist[:, 0], dist[:, 1]
    return np.divide(d1, d2, out=np.zeros_like(d1), where=d2 > 0)


def ratio_test(dist, threshold: float = 1 / 3) -> np.ndarray:
    """Copies by the ratio test, (M,) bool: d1 / d2 < ``threshold``.

    Gu et al. 2023 ("On memorization in diffusion models") and Yoon et al. 2023 use
    threshold 1/3. A sample equal to a training point that appears twice (d1 = d2 = 0) is a
    copy here (their code computes 0/0 = nan and calls it no copy). Scale-invariant:
    multiplying all distances by c > 0 changes nothing. Where the training points are locally
    uniform in m dimensions a fresh sample passes with probability threshold^m (negligible
    for images, not for low-dimensional blocks).
    """
    return nearest_ratio(dist) < _unit_open("threshold", threshold)


def carlini_score(dist, n: int = 50, alpha: float = 0.5) -> np.ndarray:
    """Carlini et al. 2023's CIFAR-10 score, (M,): d1 / (alpha * mean of the n nearest distances).

    Parameters
    ----------
    dist : array (M, k), k >= n
        Distances to the k nearest training points, ascending.
    n : int
        Size of the neighbourhood S of the sample (its n nearest training points, the nearest
        included).
    alpha : float
        Scale of the neighbourhood mean (0.5 in the paper).
    """
    n = _validate.positive_int("n", n)
    alpha = _validate.positive("alpha", alpha)
    dist = _distances(dist, n)
    d1, mean = dist[:, 0], dist[:, :n].mean(axis=1)
    return np.divide(d1, alpha * mean, out=np.zeros_like(d1), where=mean > 0)


def carlini_test(dist, n: int = 50, alpha: float = 0.5, threshold: float = 1.0) -> np.ndarray:
    """Copies by Carlini et al. 2023's criterion, (M,) bool: :func:`carlini_score` < threshold.

    Needs k >= n neighbours per sample. With alpha = 0.5 and threshold 1 a sample is a copy
    when its nearest training point is closer than half the mean distance to its n nearest.
    """
    return carlini_score(dist, n, alpha) < _validate.positive("threshold", threshold)


def label_samples(d1_train, d1_other_sample, delta_m: float, delta_s: float) -> np.ndarray:
    """Labels of the losing-dimensions image code, (M,) str array with values in ``LABELS``.

    "memorized" when d1_train <= delta_m; "spurious" when not memorized and the nearest OTHER
    generated sample is within delta_s; "generalized" otherwise. Their ``compute_norm``
    returns 1 / (||x - y|| + 1e-8), so their L2 mode picks the farthest points as "nearest";
    here both inputs are true distances (e.g. ``Neighbors.distance[:, 0]``, and for the other
    samples ``nearest_neighbors(samples, samples, exclude_self=True)``).

    Parameters
    ----------
    d1_train : array (M,)
        Distance of each sample to its nearest training point.
    d1_other_sample : array (M,)
        Distance of each sample to its nearest other generated sample (inf if there is none).
    delta_m, delta_s : float
        Memorization and spurious thresholds, in the same units as the distances.
    """
    d1 = _vector("d1_train", d1_train)
    ds = _vector("d1_other_sample", d1_other_sample, allow_inf=True)
    if ds.shape != d1.shape:
        _validate.fail("d1_other_sample", f"shape {d1.shape} like d1_train", f"shape {ds.shape}")
    if isinstance(delta_m, bool) or not np.isfinite(delta_m) or delta_m < 0:
        _validate.fail("delta_m", "a finite number >= 0 (0: exact duplicates only)", delta_m)
    delta_s = _validate.positive("delta_s", delta_s)
    memorized = d1 <= delta_m
    spurious = ~memorized & (ds <= delta_s)
    return np.where(memorized, LABELS[0], np.where(spurious, LABELS[1], LABELS[2]))


def _distances(dist, k_min: int) -> np.ndarray:
    dist = _validate.matrix("dist", dist).astype(np.float64)
    if dist.shape[1] < k_min:
        _validate.fail(
            "dist", f"at least {k_min} neighbour distances per row", f"shape {dist.shape}"
        )
    if np.any(dist < 0):
        _validate.fail("dist", "non-negative distances", f"min {dist.min():g}")
    return dist


def _vector(name: str, x, allow_inf: bool = False) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        _validate.fail(name, "a 1-D array (M,)", f"shape {x.shape}")
    bad = np.isnan(x) | (x < 0) | (~np.isfinite(x) if not allow_inf else False)
    if np.any(bad):
        _validate.fail(name, "non-negative distances", f"{int(bad.sum())} bad entries")
    return x


def _unit_open(name: str, value: float) -> float:
    value = _validate.positive(name, value)
    if value >= 1:
        _validate.fail(name, "a number in (0, 1)", value)
    return value
