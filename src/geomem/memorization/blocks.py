"""Copies block by block when the manifold basis is known (docs/science.md §9).

A model that lost the high-variance block copies its training points' coordinates there while
still varying along the low-variance block: the ratio test on the projections U_k^T x flags
block k and not the others, nor the whole sample.

Baseline: where training points are locally uniform in an m_k-dimensional block, (d1/d2)^m_k
is Uniform(0, 1), so a fresh (non-copied) sample passes the ratio test in that block with
probability threshold^m_k: 11% for m_k = 2 at threshold 1/3, 0.4% for m_k = 5. Compare
per-block fractions with this rate, or with the fraction for fresh draws of the data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from geomem import _validate
from geomem.memorization.criteria import ratio_test
from geomem.memorization.neighbors import Neighbors, nearest_neighbors
from geomem.memorization.rows import check_basis


def block_neighbors(samples, train, bases: Sequence, k: int = 2, **search) -> list[Neighbors]:
    """Nearest neighbours of U_k^T samples among U_k^T train, one :class:`Neighbors` per block.

    Parameters
    ----------
    samples : array (M, d)
    train : array, memmap or tensor (N, d)
    bases : sequence of arrays (d, m_k)
        Orthonormal block bases, e.g. ``geomem.data.preset("paper").block_bases()``.
    k : int
        Neighbours per block (>= 2).
    **search
        ``chunk_size``, ``query_chunk``, ``dtype``, ``device`` of :func:`nearest_neighbors`.

    Returns
    -------
    list of Neighbors
        Distances ||U_k^T (q - x)|| / sqrt(m_k), (M, k) each.
    """
    bases = _bases(bases, np.shape(samples)[-1])
    return [nearest_neighbors(samples, train, k, basis=U, **search) for U in bases]


def block_copies(
    samples,
    train,
    bases: Sequence,
    *,
    test: Callable[[np.ndarray], np.ndarray] = ratio_test,
    k: int = 2,
    **search,
) -> np.ndarray:
    """Copy flags per block, (M, K) bool: ``test`` on the distances of each block's projections.

    ``test`` is any criterion of :mod:`geomem.memorization.criteria` taking the (M, k)
    distances (e.g. ``functools.partial(carlini_test, n=50)`` with k >= 50); with one block
    whose basis is the identity this is the whole-vector test.
    """
    return np.stack(
        [test(nb.distance) for nb in block_neighbors(samples, train, bases, k, **search)], 1
    )


def _bases(bases, d: int) -> list[np.ndarray]:
    if isinstance(bases, np.ndarray) or not isinstance(bases, Sequence):
        _validate.fail("bases", "a non-empty list of (d, m_k) arrays", bases, TypeError)
    if len(bases) == 0:
        _validate.fail("bases", "a non-empty list of (d, m_k) arrays", bases)
    return [check_basis(f"bases[{i}]", U, d) for i, U in enumerate(bases)]
