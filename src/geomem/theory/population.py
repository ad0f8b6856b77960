"""Population normalised spectra of linear manifolds and their intermediate gaps
(docs/science.md §4, §6; Ventura et al. 2024, arXiv 2410.05898).

Time variable everywhere: the VE-equivalent noise variance v = sigma_t^2 / alpha_t^2.
For a Gaussian linear manifold (no sphere normalisation) the population Jacobian in VE form is
J = -(Sigma + v I)^{-1}, so the normalised spectrum r = eig(-v J) is v / (v + std_k^2) on block
k and 1 on directions outside every block.
"""

from __future__ import annotations

import math

import numpy as np

from geomem import _validate
from geomem.theory import _checks


def population_spectrum(stds, noise_var) -> np.ndarray:
    """Normalised population spectrum per direction, r_i(v) = v / (v + std_i^2).

    Parameters
    ----------
    stds : array (n,)
        Standard deviation of each direction (> 0).
    noise_var : float or array (L,)
        Noise variances v.

    Returns
    -------
    array (L, n), in the order of ``stds`` (not sorted).
    """
    s2 = _checks.stds(stds) ** 2
    v = _checks.noise_vars(noise_var)[:, None]
    return v / (v + s2[None, :])


def population_block_spectrum(stds, dims, noise_var, d: int | None = None) -> np.ndarray:
    """Ascending normalised population spectrum of blocks ``dims`` x ``stds`` in R^d.

    Each block k contributes dims[k] copies of v / (v + std_k^2); the d - sum(dims) remaining
    (normal) directions contribute 1. Returns (L, d) sorted ascending, as measured spectra are.
    """
    s = _checks.stds(stds)
    m = _checks.dims(dims, s.size)
    d = int(m.sum()) if d is None else _validate.positive_int("d", d)
    if d < m.sum():
        _validate.fail("d", f"at least sum(dims) = {int(m.sum())}", d)
    r = population_spectrum(np.repeat(s, m), noise_var)
    ones = np.ones((r.shape[0], d - r.shape[1]))
    return np.sort(np.concatenate([r, ones], axis=1), axis=1)


def intermediate_gap(a: float, b: float, noise_var) -> np.ndarray:
    """Gap between the population spectra of two blocks of **variances** a > b (Ventura et al.).

    G(v) = v/(v+b) - v/(v+a) = v (a - b) / ((v + a)(v + b)); zero as v -> 0 and v -> inf.
    Returns (L,).
    """
    a, b = _variances(a, b)
    v = _checks.noise_vars(noise_var)
    return v * (a - b) / ((v + a) * (v + b))


def gap_peak_noise_var(a: float, b: float) -> float:
    """Noise variance v* = sqrt(a b) where the intermediate gap G(v) peaks (a, b variances)."""
    a, b = _variances(a, b)
    return math.sqrt(a * b)


def _variances(a, b) -> tuple[float, float]:
    a, b = _validate.positive("a (variance)", a), _validate.positive("b (variance)", b)
    if not a > b:
        _validate.fail("a, b", "variances with a > b", (a, b))
    return a, b
