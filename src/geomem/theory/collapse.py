"""Collapse and speciation times of Biroli, Bonnaire, de Bortoli & Mézard 2024 (arXiv
2402.18491), docs/science.md §6.

Time variable: ``t`` is Ornstein-Uhlenbeck (VP) time, x_t = e^{-t} x_0 + sqrt(1 - e^{-2t}) z;
the matching VE-equivalent noise variance is v = e^{2t} - 1. N = e^{load d} training points,
``load`` = ln N / d. ``eigvals`` are the data covariance eigenvalues lambda_i (zeros allowed:
they do not contribute).

    f(t) = (1 / 2d) sum_i ln(1 + lambda_i e^{-2t} / Delta_t),  Delta_t = 1 - e^{-2t}
         = (1 / 2d) sum_i ln(1 + lambda_i / v)
    collapse: f(t_C) = load;  isotropic (all d eigenvalues sigma^2):
    t_C = 1/2 ln(1 + sigma^2 / (e^{2 load} - 1));  speciation: t_S = 1/2 ln Lambda.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

from geomem import _validate

MAX_EIGVAL = 1e100  # covariance eigenvalues beyond this overflow the noise-variance axis


def _eigvals(eigvals) -> np.ndarray:
    lam = np.atleast_1d(np.asarray(eigvals, dtype=np.float64))
    if lam.ndim != 1 or lam.size == 0:
        _validate.fail("eigvals", "a non-empty list of numbers >= 0", list(lam.ravel()))
    if not np.all(np.isfinite(lam)) or np.any(lam < 0) or not np.any(lam > 0):
        _validate.fail("eigvals", "finite numbers >= 0, at least one > 0", lam.tolist())
    if lam.max() > MAX_EIGVAL:  # beyond it noise variances overflow float64
        _validate.fail("eigvals", f"variances <= {MAX_EIGVAL:g}", float(lam.max()))
    return lam


def load_of(n_train: float, d: int) -> float:
    """load = ln N / d (the statistical-physics sample ratio)."""
    if isinstance(n_train, bool) or not np.isfinite(n_train) or n_train < 2:
        _validate.fail("n_train", "a number >= 2", n_train)
    return math.log(n_train) / _validate.positive_int("d", d)


def excess_entropy(eigvals, t) -> np.ndarray:
    """f(t) of Biroli et al. at OU times ``t`` (> 0); the d of 1/2d is len(eigvals)."""
    lam = _eigvals(eigvals)
    t = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        _validate.fail("t", "OU times > 0", t.tolist())
    v = np.expm1(2 * t)[:, None]
    return np.sum(np.log1p(lam[None, :] / v), axis=1) / (2 * lam.size)


def collapse_time(eigvals, load: float) -> float:
    """OU collapse time t_C solving f(t_C) = load, by Brent's method in log v.

    f decreases from +inf (t -> 0) to 0 (t -> inf), so the root is unique for load > 0.
    """
    lam = _eigvals(eigvals)
    load = _validate.positive("load", load)

    log_lam = np.log(lam[lam > 0])  # zero eigenvalues add log(1 + 0) = 0

    def g(logv):  # f(v) - load with v = exp(logv); log(1 + lam / v) in log space (no overflow)
        return np.sum(np.logaddexp(0.0, log_lam - logv)) / (2 * lam.size) - load

    lo, hi = -5.0, 5.0
    while g(lo) < 0:
        lo -= 10.0
    while g(hi) > 0:
        hi += 10.0
    logv = brentq(g, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)
    return 0.5 * float(np.logaddexp(0.0, logv))  # 1/2 ln(1 + v), no overflow for huge v


def collapse_time_isotropic(variance: float, load: float) -> float:
    """Closed form t_C = 1/2 ln(1 + sigma^2 / (e^{2 load} - 1)) for isotropic data (OU time)."""
    variance = _validate.positive("variance", variance)
    load = _validate.positive("load", load)
    return 0.5 * math.log1p(variance / math.expm1(2 * load))


def collapse_noise_var(eigvals, load: float) -> float:
    """Collapse point as a VE-equivalent noise variance v_C = e^{2 t_C} - 1."""
    return math.expm1(2 * collapse_time(eigvals, load))


def speciation_time(eigvals) -> tuple[float, float]:
    """Speciation time t_S = 1/2 ln Lambda (OU time) and its noise variance v_S = Lambda - 1.

    Lambda is the largest covariance eigenvalue; Lambda <= 1 gives t_S <= 0 (v_S <= 0): no
    speciation within the forward process.
    """
    lam = float(np.max(_eigvals(eigvals)))
    return 0.5 * math.log(lam), lam - 1.0
