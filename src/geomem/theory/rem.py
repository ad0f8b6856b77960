"""The per-direction random-energy-model (REM) heuristic of Achilli et al. 2024 (arXiv
2410.08727), as the authors' code computes it (docs/science.md §6).

Time variable: the VE-equivalent noise variance v = sigma_t^2 / alpha_t^2. ``stds`` are data
standard deviations sigma_i; for the paper's sphere-normalised preset the theory uses the raw
block stds (1.0, 0.3, 0.01) *before* normalisation, as the authors' code does (the worked value
0.0723824 = 1 / (2 ln 1000) needs sigma = 1). Blocks are given as ``stds`` (K,) with ``dims``
(K,) directions each; sums over j run over all sum(dims) directions.

    e_i(v)   = 1 / (v + sigma_i^2)
    t_i(v)   = sqrt((g S / 2 + v sigma_i^2) / (2 ln N)),   S = sum_j sigma_j^4
    phi_i(v) = max(0, 1/v - 1/t_i(v))
    phi_0(v) = g max(0, 1/v - 1/t_0),   t_0 = sqrt(S / (4 ln N))
    F(v)     = sum_j sigma_j^2 / (v^2 (v + sigma_j^2))
    sv_i(v)  = sqrt(e_i^2 + (F (phi_0 + phi_i))^2)

g = 0 for sphere-normalised data, 1 otherwise. Direction i is *lost* (condensed) once
phi_i > 0, i.e. once t_i(v) > v.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geomem.theory import _checks


@dataclass(frozen=True)
class RemPrediction:
    """The REM quantities on L noise levels for K blocks (arrays (L, K) unless noted)."""

    noise_var: np.ndarray  # (L,)
    e: np.ndarray  # population magnitude 1 / (v + sigma_i^2)
    t: np.ndarray  # condensation scale t_i(v)
    phi: np.ndarray  # max(0, 1/v - 1/t_i)
    phi0: np.ndarray  # (L,) g max(0, 1/v - 1/t_0)
    F: np.ndarray  # (L,)
    sv: np.ndarray  # predicted singular value of J_VE along direction i


def _gate(normalized: bool) -> float:
    return 0.0 if normalized else 1.0


def _blocks(stds, dims):
    s = _checks.stds(stds)
    return s, _checks.dims(dims, s.size)


def rem_singular_values(
    stds, n_train, noise_var, *, dims=None, normalized: bool = True
) -> RemPrediction:
    """Predicted singular values sv_i(v) of the VE Jacobian (units 1/v) per block.

    Parameters
    ----------
    stds : array (K,)
        Data std of each block (> 0).
    n_train : float
        N >= 2.
    noise_var : float or array (L,)
        VE-equivalent noise variances v.
    dims : array (K,), optional
        Directions per block (default 1 each); they weight the sums S and F.
    normalized : bool
        Sphere-normalised data (gate g = 0) or not (g = 1).
    """
    s, m = _blocks(stds, dims)
    lnN, g = np.log(_checks.n_train(n_train)), _gate(normalized)
    v = _checks.noise_vars(noise_var)[:, None]
    s2 = s[None, :] ** 2
    S = float(np.sum(m * s**4))
    e = 1.0 / (v + s2)
    t = np.sqrt((g * S / 2 + v * s2) / (2 * lnN))
    phi = np.maximum(0.0, 1.0 / v - 1.0 / t)
    t0 = np.sqrt(S / (4 * lnN))
    phi0 = g * np.maximum(0.0, 1.0 / v[:, 0] - 1.0 / t0)
    F = np.sum(m * s2 / (v**2 * (v + s2)), axis=1)
    sv = np.sqrt(e**2 + (F[:, None] * (phi0[:, None] + phi)) ** 2)
    return RemPrediction(v[:, 0], e, t, phi, phi0, F, sv)


def critical_noise_var(stds, n_train, *, dims=None, normalized: bool = True) -> np.ndarray:
    """(K,) noise variance below which each block is lost (t_i(v) = v).

    Normalised (g = 0): v_c = sigma_i^2 / (2 ln N). Otherwise (g = 1) the positive root of
    2 ln N v^2 - sigma_i^2 v - S/2 = 0: v_c = (sigma_i^2 + sqrt(sigma_i^4 + 4 ln N S)) / (4 ln N).
    """
    s, m = _blocks(stds, dims)
    lnN = np.log(_checks.n_train(n_train))
    S = _gate(normalized) * float(np.sum(m * s**4))
    return (s**2 + np.sqrt(s**4 + 4 * lnN * S)) / (4 * lnN)


def critical_n(stds, noise_var, *, dims=None, normalized: bool = True) -> np.ndarray:
    """(L, K) training-set size above which each block survives at noise v.

    ln N_c = (sigma_i^2 v + g S / 2) / (2 v^2); normalised: N_c = exp(sigma_i^2 / (2 v)).
    Values overflow to inf where N_c exceeds the float range.
    """
    s, m = _blocks(stds, dims)
    v = _checks.noise_vars(noise_var)[:, None]
    S = _gate(normalized) * float(np.sum(m * s**4))
    with np.errstate(over="ignore"):
        return np.exp((s[None, :] ** 2 * v + S / 2) / (2 * v**2))


def kept_dimension(stds, n_train, noise_var, *, dims=None, normalized: bool = True) -> np.ndarray:
    """(L, K) predicted tangent directions kept per block at (N, v).

    Block k counts dims[k] when v_c,k < v < sigma_k^2 (not yet condensed, and tangent by the
    threshold rule r = v / (v + sigma^2) < 1/2 of docs/science.md §5), else 0.
    """
    s, m = _blocks(stds, dims)
    v = _checks.noise_vars(noise_var)[:, None]
    vc = critical_noise_var(s, n_train, dims=m, normalized=normalized)[None, :]
    return np.where((v > vc) & (v < s[None, :] ** 2), m[None, :], 0)
