"""Dimension rules: pure functions of a Spectrum (SCIENCE.md §5). Each returns (B,) ints."""

from __future__ import annotations

import numpy as np

from geomem import _validate
from geomem.spectra.spectrum import Spectrum


def threshold_dimension(spectrum: Spectrum, threshold: float = 0.5) -> np.ndarray:
    """Tangent dimension #{r_i < threshold} (default 1/2): for the population score this counts
    the directions with std^2 > v."""
    _validate.positive("threshold", threshold)
    return np.sum(spectrum.eigvals < threshold, axis=1)


def gap_dimension(spectrum: Spectrum, floor: float = 1e-12) -> np.ndarray:
    """Largest-gap rule (Stanczuk et al.): the largest jump of log r between sorted neighbours;
    the dimension is the number of values below it. Values below ``floor`` are clipped to it."""
    r = np.sort(
        np.maximum(
            np.abs(spectrum.eigvals) if spectrum.kind == "singular" else spectrum.eigvals, floor
        ),
        axis=1,
    )
    jumps = np.diff(np.log(r), axis=1)
    return np.argmax(jumps, axis=1) + 1


def spike_dimension(spectrum: Spectrum, c: float = 10.0, skip: int = 5) -> np.ndarray:
    """Second-difference spike rule of the paper's image code.

    Singular values s = |r| sorted descending; drop the first ``skip``; second differences
    D_i = |s_{i+1} - 2 s_i + s_{i-1}| (i the centre index); the first i with D_i > c median(D)
    is the spike and the dimension is d - (i + 1 + skip); no spike gives d.
    """
    _validate.positive("c", c)
    s = -np.sort(-np.abs(spectrum.eigvals), axis=1)[:, skip:]
    d = spectrum.d
    if s.shape[1] < 3:
        _validate.fail("skip", f"at most d - 3 = {d - 3}", skip)
    D = np.abs(s[:, 2:] - 2 * s[:, 1:-1] + s[:, :-2])  # D[:, j] is centred at i = j + 1
    out = np.full(spectrum.n_points, d)
    for b in range(spectrum.n_points):
        spikes = np.nonzero(D[b] > c * np.median(D[b]))[0]
        if spikes.size:
            out[b] = d - (spikes[0] + 1 + 1 + skip)
    return out


def subspace_dimension(
    spectrum: Spectrum, bases: list[np.ndarray], threshold: float = 0.5
) -> np.ndarray:
    """(B, K) tangent directions kept per subspace: #{eig(U_k^T (-v J) U_k) < threshold}."""
    _validate.positive("threshold", threshold)
    blocks = spectrum.block_matrices(bases)
    return np.stack([np.sum(np.linalg.eigvalsh(M) < threshold, axis=1) for M in blocks], axis=1)


RULES = {"threshold": threshold_dimension, "gap": gap_dimension, "spike": spike_dimension}


def dimension(spectrum: Spectrum, rule: str = "threshold", **kw) -> np.ndarray:
    """Apply the rule called ``rule`` (threshold, gap, spike)."""
    if rule not in RULES:
        _validate.fail("rule", f"one of {sorted(RULES)}", rule)
    return RULES[rule](spectrum, **kw)
