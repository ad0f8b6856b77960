"""Predicted normalised spectra and kept dimensions in the layouts of the measurement side.

Time variable: the VE-equivalent noise variance v. For the sphere-normalised presets the theory
uses the raw block stds (1.0, 0.3, thickness 0.01) before normalisation, as the paper's code
does; the gate g of the REM is 0 for them (see ``geomem.theory.rem``).

**From sv_i to a normalised spectrum** (``mapping``):

- ``"rem"`` (default): r_i = min(1, v sv_i). With no condensation (phi = 0) v sv_i = v e_i =
  v / (v + sigma_i^2), the population spectrum exactly; a condensed direction's sv_i grows
  like F phi_i and r_i climbs towards the normal value 1, where it is clipped (a normalised
  spectrum of an exact score never exceeds 1: r = 1 - eig(C)/v with C >= 0).
- ``"step"``: the population spectrum with every condensed direction (phi_i > 0) set to 1.
- ``"population"``: N = inf, no condensation.

As N -> inf, t_i -> 0 and phi_i, phi_0 -> 0 at every fixed v > 0, so all mappings tend to the
population spectrum. Near a critical noise the "rem" spectrum of a just-condensed direction can
still be below 1/2; the kept dimension of ``rem.kept_dimension`` (the rule v_c < v < sigma^2)
is the prediction compared with measurements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geomem import _validate
from geomem.data.manifolds import LinearManifold, preset
from geomem.theory import _checks
from geomem.theory.population import population_spectrum
from geomem.theory.rem import critical_noise_var, kept_dimension, rem_singular_values

MAPPINGS = ("rem", "step", "population")


def as_manifold(manifold: LinearManifold | str) -> LinearManifold:
    """A LinearManifold, or the preset of that name."""
    return preset(manifold) if isinstance(manifold, str) else manifold


def manifold_blocks(manifold: LinearManifold | str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(K,) stds, (K,) dims and labels of every block, thickness included (raw stds)."""
    mf = as_manifold(manifold)
    blocks = mf.all_blocks
    return (np.array([b.std for b in blocks]), np.array([b.dim for b in blocks]), mf.block_labels())


def _block_values(stds, dims, n_train, v, normalized, mapping) -> np.ndarray:
    # (L, K) normalised value of one direction of each block
    if mapping not in MAPPINGS:
        _validate.fail("mapping", f"one of {list(MAPPINGS)}", mapping)
    pop = population_spectrum(stds, v)
    if mapping == "population":
        return pop
    rem = rem_singular_values(stds, n_train, v, dims=dims, normalized=normalized)
    if mapping == "step":
        return np.where(rem.phi + rem.phi0[:, None] > 0, 1.0, pop)
    return np.minimum(1.0, rem.noise_var[:, None] * rem.sv)


def predicted_block_spectra(
    manifold: LinearManifold | str, n_train: float, noise_var, *, mapping: str = "rem"
) -> np.ndarray:
    """(L, K) predicted normalised eigenvalue of one direction of each block (thickness last)
    at the noise variances ``noise_var`` (L,): the values ``predicted_spectra`` spreads over
    the directions, kept per block for plots coloured by block."""
    mf = as_manifold(manifold)
    stds, dims, _ = manifold_blocks(mf)
    v = _checks.noise_vars(noise_var)
    return _block_values(stds, dims, _checks.n_train(n_train), v, mf.normalize, mapping)


def predicted_spectra(
    manifold: LinearManifold | str,
    n_train: float,
    noise_var,
    *,
    mapping: str = "rem",
    threshold: float = 0.5,
) -> dict:
    """Predicted normalised spectra in the ``geomem spectrum`` JSON layout, one "point".

    Returns a dict with ``noise_var`` (L,), ``t`` (L,) (EDM time t = sqrt(v)), ``spectra``
    (L, 1, d) ascending, ``dimension`` (L, 1) and ``subspace_dimension`` (L, 1, K) by the
    threshold rule on the predicted spectrum, ``predicted_kept`` (L, K) by the REM rule,
    ``critical_noise_var`` (K,), and the block labels.
    """
    mf = as_manifold(manifold)
    N = _checks.n_train(n_train)
    v = _checks.noise_vars(noise_var)
    _validate.positive("threshold", threshold)
    stds, dims, labels = manifold_blocks(mf)
    vals = _block_values(stds, dims, N, v, mf.normalize, mapping)  # (L, K)
    per_dir = np.repeat(vals, dims, axis=1)
    spectra = np.sort(np.concatenate([per_dir, np.ones((v.size, mf.d - dims.sum()))], 1), 1)
    sub = np.where(vals < threshold, dims[None, :], 0)
    return {
        "d": mf.d,
        "n_points": 1,
        "N": N,
        "noise_var": v.tolist(),
        "t": np.sqrt(v).tolist(),
        "schedule": "edm",
        "method": f"theory-{mapping}",
        "model": "theory",
        "threshold": threshold,
        "spectra": spectra[:, None, :].tolist(),
        "dimension": sub.sum(1)[:, None].tolist(),
        "subspace_dimension": sub[:, None, :].tolist(),
        "predicted_kept": kept_dimension(stds, N, v, dims=dims, normalized=mf.normalize).tolist(),
        "critical_noise_var": critical_noise_var(
            stds, N, dims=dims, normalized=mf.normalize
        ).tolist(),
        "blocks": labels,
        "manifold": mf.describe(),
        "theory_stds": "raw block stds",
    }


@dataclass(frozen=True)
class TheoryCurves:
    """Predicted kept dimension per block against noise for one N (K blocks, L levels)."""

    noise_var: np.ndarray  # (L,)
    n_train: float  # N
    labels: list[str]  # (K,) block labels, thickness last when present
    dims: np.ndarray  # (K,) directions per block
    stds: np.ndarray  # (K,) raw stds the theory uses
    kept: np.ndarray  # (L, K) REM rule: dims_k where v_c,k < v < std_k^2
    kept_population: np.ndarray  # (L, K) N = inf: dims_k where v < std_k^2
    critical_noise_var: np.ndarray  # (K,) v_c,k
    normalized: bool  # gate g = 0


def theory_curves(manifold: LinearManifold | str, n_train: float, noise_var) -> TheoryCurves:
    """Predicted kept dimension per block vs noise variance at training-set size ``n_train``.

    ``manifold`` is a LinearManifold or a preset name; ``noise_var`` an array (L,) of v.
    """
    mf = as_manifold(manifold)
    N = _checks.n_train(n_train)
    v = _checks.noise_vars(noise_var)
    stds, dims, labels = manifold_blocks(mf)
    kept = kept_dimension(stds, N, v, dims=dims, normalized=mf.normalize)
    pop = np.where(v[:, None] < stds[None, :] ** 2, dims[None, :], 0)
    vc = critical_noise_var(stds, N, dims=dims, normalized=mf.normalize)
    return TheoryCurves(v, N, labels, dims, stds, kept, pop, vc, mf.normalize)
