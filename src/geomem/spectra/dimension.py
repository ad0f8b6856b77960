"""Dimension rules: pure functions of a Spectrum (docs/science.md §5). Each returns (B,) ints."""

from __future__ import annotations

import numpy as np

from geomem import _validate
from geomem.spectra.spectrum import Spectrum


def threshold_dimension(spectrum: Spectrum, threshold: float = 0.5) -> np.ndarray:
    """Tangent dimension #{r_i < threshold} (default 1/2): for the population score this counts
    the directions with std^2 > v."""
    _validate.positive("threshold", threshold)
    return np.sum(spectrum.eigvals < threshold, axis=1)


def _magnitudes(spectrum: Spectrum) -> np.ndarray:
    return np.abs(spectrum.eigvals) if spectrum.kind == "singular" else spectrum.eigvals


def gap_dimension(spectrum: Spectrum) -> np.ndarray:
    """Largest-gap rule (after Stanczuk et al.), on r itself between the levels 0 and 1.

    With rho = sort(clip(r, 0, 1)) padded as rho_0 = 0 and rho_{d+1} = 1, the gaps are
    g_k = rho_{k+1} - rho_k for k = 0..d and the dimension is argmax_k g_k (the first on a
    tie): the number of values below the largest jump. So

    - a collapsed spectrum (every r ~ 1, an exact score at a memorized point) reads 0: the
      largest gap is the jump from 0 to the first value;
    - a full-rank tangent spectrum (every r ~ 0) reads d: the jump to 1 at the top;
    - tangent values spread over decades (1e-6 .. 1e-1) or slightly negative (numerical noise,
      a network's symmetric part) never make a gap among themselves: on r their gaps are at
      most 0.1, against ~0.9 to the normal cluster.

    Stanczuk et al. take jumps of log r; on a score's normalised spectrum that scale puts the
    largest jump inside the tangent cluster (1e-6 -> 1e-4 is a wider log-jump than 0.1 -> 1),
    and clipping r <= 0 to a floor creates huge spurious ones. Values above 1 (a network's
    over-contracted normal directions) count as 1. An eigenvalue stuck half-way (r ~ 1/2) is
    read by whichever side is nearer in gap; see :func:`ambiguous_directions`.

    Returns
    -------
    (B,) ints in [0, d].
    """
    rho = np.sort(np.clip(_magnitudes(spectrum), 0.0, 1.0), axis=1)
    B = spectrum.n_points
    padded = np.concatenate([np.zeros((B, 1)), rho, np.ones((B, 1))], axis=1)
    return np.argmax(np.diff(padded, axis=1), axis=1)


def spike_dimension(
    spectrum: Spectrum, c: float = 10.0, skip: int = 5, atol: float = 1e-6
) -> np.ndarray:
    """Second-difference spike rule of the paper's image code.

    Singular values s = |r| sorted descending; drop the first ``skip``; second differences
    D_i = |s_{i+1} - 2 s_i + s_{i-1}| (i the centre index); the first i with
    D_i > max(c median(D), atol) is the spike and the dimension is d - (i + 1 + skip); no
    spike gives d (the paper's convention, so a collapsed spectrum, all r = 1, reads d).

    Where it applies: image spectra (d in the hundreds or more, many normal directions before
    the knee), as in the paper's image code; kept there for parity. On vector data with fewer
    than ``skip`` normal directions the knee is dropped with them and the rule reads d; prefer
    the threshold or gap rule there. ``atol`` (in units of r) keeps rounding noise on a flat
    spectrum, where median(D) ~ 1e-16, from counting as a spike (the paper has no such floor).
    """
    _validate.positive("c", c)
    s = -np.sort(-np.abs(spectrum.eigvals), axis=1)[:, skip:]
    d = spectrum.d
    if s.shape[1] < 3:
        _validate.fail("skip", f"at most d - 3 = {d - 3}", skip)
    D = np.abs(s[:, 2:] - 2 * s[:, 1:-1] + s[:, :-2])  # D[:, j] is centred at i = j + 1
    out = np.full(spectrum.n_points, d)
    for b in range(spectrum.n_points):
        spikes = np.nonzero(D[b] > max(c * np.median(D[b]), atol))[0]
        if spikes.size:
            out[b] = d - (spikes[0] + 1 + 1 + skip)
    return out


def ambiguous_directions(spectrum: Spectrum, low: float = 0.2, high: float = 0.8) -> np.ndarray:
    """(B,) number of eigenvalues in the middle band low <= r <= high.

    Such a direction is neither tangent (r ~ 0) nor normal (r ~ 1): for a model, typically a
    normal direction it has not learned (stuck half-way), which the threshold rule silently
    counts as tangent when r < 1/2. For the population score it is a direction with std^2 ~ v
    (docs/science.md §6: r = v / (std^2 + v)), so a count > 0 also says the noise level sits on a
    variance scale of the data. See :func:`is_ambiguous`.
    """
    if not 0 <= low < high:
        _validate.fail("low", f"a number in [0, high = {high})", low)
    r = _magnitudes(spectrum)
    return np.sum((r >= low) & (r <= high), axis=1)


def is_ambiguous(
    spectrum: Spectrum, low: float = 0.2, high: float = 0.8, max_count: int = 0
) -> np.ndarray:
    """(B,) bools: more than ``max_count`` eigenvalues in the band [low, high]
    (:func:`ambiguous_directions`); the dimension read at such a point is not clean."""
    return ambiguous_directions(spectrum, low, high) > max_count


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
