"""Own point + order-statistics theory of the exact score's kept dimension (docs/theory.md).

``predict_kept(manifold, n_train, noise_var, points=..., rng=...)`` gives the expected kept
count per block and its spread for any ``LinearManifold`` (flat or sphere-normalised, any
blocks, axis-aligned or rotated) at any N (cost independent of N), v and query kind.

laws      the data law of one training point: flat Gaussian (exact tilts) and the sphere's
          angular central Gaussian (importance-corrected tilts)
energies  the flat law's energy cumulant psi(beta) and its Lugannani-Rice counting function
counts    order statistics, their positions, the cloud and the block counts
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geomem import _validate
from geomem.data.manifolds import LinearManifold, preset
from geomem.data.queries import _noise
from geomem.theory import _checks
from geomem.theory.orderstat.counts import level_counts, population_level_counts, prior_draw

POINTS = ("train", "fresh", "origin")


@dataclass(frozen=True)
class OrderStatOptions:
    """Numerical knobs of the predictor (the defaults are the committed results')."""

    draws: int = 128  # R independent query draws averaged per (N, v)
    per_tilt: int = 64  # importance samples per tilt of the mixture (8 tilts)
    population_per_tilt: int = 512  # N = inf: the whole covariance is the cloud's (more draws)
    n_order: int = 48  # K lowest energies as individual points
    n_exact: int = 256  # N' <= n_exact: all points drawn from the law directly
    origin_cap: int = 4096  # sphere at the origin (equal weights): at most this many points
    threshold: float = 0.5  # tangent if the normalised eigenvalue is below this

    def __post_init__(self):
        for name in (
            "draws",
            "per_tilt",
            "population_per_tilt",
            "n_order",
            "n_exact",
            "origin_cap",
        ):
            _validate.positive_int(name, getattr(self, name))
        if not 0 < self.threshold < 1:
            _validate.fail("threshold", "a number in (0, 1)", self.threshold)


@dataclass(frozen=True)
class OrderStatPrediction:
    """Predicted kept count per block: ``mean`` and ``spread`` (nN, L, K) over query draws."""

    n_train: np.ndarray  # (nN,)
    noise_var: np.ndarray  # (L,)
    labels: list[str]  # (K,) block labels, thickness last when present
    dims: np.ndarray  # (K,)
    mean: np.ndarray  # (nN, L, K) expected kept count
    spread: np.ndarray  # (nN, L, K) std of the count over query draws


def basis_variances(mf: LinearManifold) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """(d,) variances in basis coordinates and the (start, stop) coordinates of each block."""
    s = mf.direction_stds() ** 2
    slices, start = [], 0
    for b in mf.all_blocks:
        slices.append((start, start + b.dim))
        start += b.dim
    return s, slices


def _n_list(n_train) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(n_train))
    if arr.ndim != 1 or arr.size == 0:
        _validate.fail("n_train", "a non-empty list of integers >= 1", n_train)
    for N in arr.tolist():
        if isinstance(N, bool) or not float(N).is_integer() or N < 1:
            _validate.fail("n_train", "integers >= 1", N)
    return arr.astype(np.int64)


def predict_kept(
    manifold: LinearManifold | str,
    n_train,
    noise_var,
    *,
    points: str = "train",
    point_noise: str | float = "matched",
    rng: np.random.Generator,
    options: OrderStatOptions | None = None,
) -> OrderStatPrediction:
    """Expected kept count per block of the exact empirical score (order-statistics theory).

    Parameters
    ----------
    manifold : LinearManifold or preset name
    n_train : int or list (nN,) of training-set sizes N >= 1
    noise_var : float or array (L,) of VE noise variances v
    points : "train" (a training point + noise), "fresh" (a fresh point + noise) or "origin"
    point_noise : "matched" (std sqrt(v), the forward process), "none", or a std in VE units
    rng : numpy Generator (every random draw comes from it)
    options : OrderStatOptions
    """
    mf, Ns, v, opt, noise = _inputs(manifold, n_train, noise_var, points, point_noise, rng, options)
    s, slices = basis_variances(mf)
    y0, z = _query_draws(s, mf.normalize, opt.draws, rng)
    counts = np.stack(
        [
            level_counts(s, slices, mf.normalize, points, Ns, vi, y0, _std(noise, vi) * z, opt, rng)
            for vi in v
        ],
        axis=1,
    )  # (nN, L, R, K)
    return _prediction(mf, Ns, v, counts)


def predict_population(
    manifold: LinearManifold | str,
    noise_var,
    *,
    points: str = "fresh",
    point_noise: str | float = "matched",
    rng: np.random.Generator,
    options: OrderStatOptions | None = None,
) -> OrderStatPrediction:
    """Kept count per block of the population score (N = inf): the posterior covariance of the
    data law itself at the query (the sphere's own law for normalised manifolds, not the raw
    stds); ``n_train`` of the result is [inf]. Arguments as ``predict_kept``."""
    mf, _, v, opt, noise = _inputs(manifold, [1], noise_var, points, point_noise, rng, options)
    s, slices = basis_variances(mf)
    y0, z = _query_draws(s, mf.normalize, opt.draws, rng)
    counts = np.stack(
        [
            population_level_counts(s, slices, mf.normalize, points, vi, y0, _std(noise, vi) * z,
                                    opt, rng)
            for vi in v
        ]
    )[None]  # fmt: skip
    return _prediction(mf, np.array([np.inf]), v, counts)


def _inputs(manifold, n_train, noise_var, points, point_noise, rng, options):
    mf = preset(manifold) if isinstance(manifold, str) else manifold
    if not isinstance(mf, LinearManifold):
        _validate.fail("manifold", "a LinearManifold or a preset name", manifold, TypeError)
    if points not in POINTS:
        _validate.fail("points", f"one of {list(POINTS)}", points)
    if not isinstance(rng, np.random.Generator):
        _validate.fail("rng", "a numpy.random.Generator", rng, TypeError)
    opt = options or OrderStatOptions()
    return mf, _n_list(n_train), _checks.noise_vars(noise_var), opt, _noise(point_noise)


def _query_draws(s, normalized, R, rng):
    # the query's data point (R, d), shared by every v, and its noise direction ("matched":
    # the same z at every v, as geomem's query points)
    y0 = prior_draw(s, normalized, (R,), rng)
    return y0, rng.standard_normal(y0.shape)


def _std(noise, v: float) -> float:
    return float(np.sqrt(v)) if noise == "matched" else 0.0 if noise == "none" else float(noise)


def _prediction(mf, Ns, v, counts) -> OrderStatPrediction:
    return OrderStatPrediction(
        Ns,
        v,
        mf.block_labels(),
        np.array([b.dim for b in mf.all_blocks]),
        counts.mean(axis=2),
        counts.std(axis=2),
    )


__all__ = [
    "OrderStatOptions",
    "OrderStatPrediction",
    "basis_variances",
    "predict_kept",
    "predict_population",
]
