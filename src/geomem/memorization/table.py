"""One summary of copies among generated samples: every criterion, per block, per sample."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from geomem import _validate
from geomem.memorization.blocks import block_neighbors
from geomem.memorization.criteria import (
    LABELS,
    _unit_open,
    carlini_test,
    label_samples,
    nearest_ratio,
    ratio_test,
)
from geomem.memorization.neighbors import _nearest, nearest_neighbors

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
RATIO_BINS = 20  # histogram of d1/d2 over [0, 1]


@dataclass(frozen=True)
class CopyTable:
    """Summary (JSON-ready) and per-sample arrays of :func:`copy_table`."""

    summary: dict  # n_samples, N, d, k, fractions per criterion and block, ratio statistics
    arrays: dict  # name -> (M, ...) numpy array, one row per sample

    def to_json(self) -> dict:
        return self.summary


def copy_table(
    samples,
    train,
    *,
    bases: Sequence | None = None,
    block_names: Sequence[str] | None = None,
    k: int | None = None,
    threshold: float = 1 / 3,
    carlini_n: int = 50,
    carlini_alpha: float = 0.5,
    carlini_threshold: float = 1.0,
    delta_m: float | None = None,
    delta_s: float | None = None,
    chunk_size: int = 4096,
    dtype: torch.dtype | str = torch.float32,
    device: str = "cpu",
) -> CopyTable:
    """Copies among ``samples`` by every criterion of docs/science.md §9, in one table.

    Parameters
    ----------
    samples : array (M, d)
        Generated samples.
    train : array, memmap or tensor (N, d)
        Training set, streamed (see :func:`nearest_neighbors`).
    bases : sequence of (d, m_k) orthonormal arrays, optional
        Block bases for per-block ratio tests (distances / sqrt(m_k)).
    block_names : sequence of str, optional
        One name per basis (default "block 0", ...).
    k : int, optional
        Neighbours per sample; default min(N, max(2, carlini_n)). The Carlini criterion is
        reported only when k >= carlini_n (else null, with the reason).
    threshold : float
        Ratio test: copy when d1/d2 < threshold (Gu et al. 2023: 1/3).
    carlini_n, carlini_alpha, carlini_threshold
        Carlini et al. 2023: copy when d1 / (alpha * mean of the n nearest) < threshold.
    delta_m, delta_s : float, optional
        Both given: label samples memorized / spurious / generalized (the losing-dimensions
        image code, with true distances, L2 / sqrt(d)).
    chunk_size, dtype, device
        Of the streamed search.

    Returns
    -------
    CopyTable
        ``summary`` (JSON-ready dict) and ``arrays``: ``distance``, ``index`` (M, k),
        ``ratio``, ``copy_ratio`` (M,), ``copy_carlini`` (M,) when computed,
        ``block_ratio``, ``block_copy`` (M, K) with bases, ``label`` (M,) with deltas.
    """
    _check_params(threshold, carlini_n, carlini_alpha, carlini_threshold, delta_m, delta_s)
    if bases is not None and block_names is not None and len(block_names) != len(bases):
        _validate.fail("block_names", f"{len(bases)} names, one per basis", block_names)
    N = np.shape(train)[0] if np.ndim(train) == 2 else None
    if k is None:
        k = min(N, max(2, carlini_n)) if N else 2
    search = {"chunk_size": chunk_size, "dtype": dtype, "device": device}
    nb = nearest_neighbors(samples, train, k, **search)
    ratio = nearest_ratio(nb.distance)
    arrays = {"distance": nb.distance, "index": nb.index, "ratio": ratio}
    arrays["copy_ratio"] = ratio_test(nb.distance, threshold)
    M, d = np.shape(samples)
    criteria = {
        "ratio": {
            "rule": "d1/d2 < threshold",
            "threshold": threshold,
            "fraction": _frac(arrays["copy_ratio"]),
        },
        "carlini": _carlini(nb, arrays, carlini_n, carlini_alpha, carlini_threshold),
    }
    summary = {
        "n_samples": M,
        "N": N,
        "d": d,
        "k": k,
        "distance_unit": "L2 / sqrt(d); per block L2 of projections / sqrt(m_k)",
        "criteria": criteria,
        "ratio_quantiles": {"q": list(QUANTILES), "value": np.quantile(ratio, QUANTILES).tolist()},
        "ratio_histogram": _histogram(ratio),
        "d1_quantiles": {
            "q": list(QUANTILES),
            "value": np.quantile(nb.distance[:, 0], QUANTILES).tolist(),
        },
        "blocks": None,
        "labels": None,
    }
    if bases is not None:
        summary["blocks"] = _blocks(samples, train, bases, block_names, threshold, search, arrays)
    if delta_m is not None:
        summary["labels"] = _labels(samples, nb, delta_m, delta_s, search, arrays)
    return CopyTable(summary, arrays)


def _check_params(threshold, n, alpha, c_threshold, delta_m, delta_s):
    _unit_open("threshold", threshold)
    _validate.positive_int("carlini_n", n)
    _validate.positive("carlini_alpha", alpha)
    _validate.positive("carlini_threshold", c_threshold)
    if (delta_m is None) != (delta_s is None):
        _validate.fail("delta_m/delta_s", "both or neither", (delta_m, delta_s))
    if delta_m is not None:
        if isinstance(delta_m, bool) or not np.isfinite(delta_m) or delta_m < 0:
            _validate.fail("delta_m", "a finite number >= 0 (0: exact duplicates only)", delta_m)
        _validate.positive("delta_s", delta_s)


def _carlini(nb, arrays, n, alpha, threshold):
    if nb.k < n:
        return {"fraction": None, "n": n, "reason": f"needs k >= n = {n} neighbours, k = {nb.k}"}
    arrays["copy_carlini"] = carlini_test(nb.distance, n, alpha, threshold)
    return {
        "rule": "d1 / (alpha * mean of n nearest) < threshold",
        "n": n,
        "alpha": alpha,
        "threshold": threshold,
        "fraction": _frac(arrays["copy_carlini"]),
    }


def _blocks(samples, train, bases, names, threshold, search, arrays):
    nbs = block_neighbors(samples, train, bases, 2, **search)
    names = list(names) if names is not None else [f"block {i}" for i in range(len(nbs))]
    arrays["block_ratio"] = np.stack([nearest_ratio(b.distance) for b in nbs], 1)
    arrays["block_copy"] = np.stack([ratio_test(b.distance, threshold) for b in nbs], 1)
    return [
        {
            "name": str(name),
            "dim": int(np.shape(U)[1]),
            "fraction": _frac(arrays["block_copy"][:, i]),
            "median_ratio": float(np.median(arrays["block_ratio"][:, i])),
        }
        for i, (name, U) in enumerate(zip(names, bases, strict=True))
    ]


def _labels(samples, nb, delta_m, delta_s, search, arrays):
    M = nb.index.shape[0]
    if M >= 2:
        other = _nearest(
            samples,
            samples,
            1,
            None,
            True,
            search["chunk_size"],
            1024,
            search["dtype"],
            search["device"],
        ).distance[:, 0]
    else:
        other = np.full(M, np.inf)
    arrays["label"] = label_samples(nb.distance[:, 0], other, delta_m, delta_s)
    counts = {lab: int(np.sum(arrays["label"] == lab)) for lab in LABELS}
    return {
        "delta_m": delta_m,
        "delta_s": delta_s,
        "counts": counts,
        "fractions": {lab: c / M for lab, c in counts.items()},
    }


def _histogram(ratio: np.ndarray) -> dict:
    counts, edges = np.histogram(ratio, bins=RATIO_BINS, range=(0.0, 1.0))
    return {"edges": edges.tolist(), "counts": counts.tolist()}


def _frac(flags: np.ndarray) -> float:
    return float(np.mean(flags))
