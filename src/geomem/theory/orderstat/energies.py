"""Energies of the flat Gaussian law: cumulant function and Lugannani-Rice counting function.

One data point y ~ N(0, diag s) seen from a query x at noise variance v has energy
E = |x - y|^2 / (2v) (a generalised chi-square). Its cumulant function

    psi(beta) = ln E e^{-beta E}
              = sum_i [ -1/2 ln(1 + beta s_i / v) - beta x_i^2 / (2 (v + beta s_i)) ]

(beta > -v / max s), the tilted mean energy e(beta) = -psi'(beta) and psi''(beta) give the
lower tail P(E <= e) by the Lugannani-Rice saddle point in Barndorff-Nielsen's r* form:
beta(e) solves -psi'(beta) = e, w = -sign(beta) sqrt(2 (-beta e - psi(beta))),
u = -beta sqrt(psi''(beta)), P(E <= e) ~ Phi(w + ln(u / w) / w). The counting function of N'
points is Lambda(e) = N' P(E <= e). ``counts`` uses an importance sample of the law (the same
code for the sphere, which has no closed-form psi); the tests check that the two agree on flat
data. Arrays: s (d,), x (..., d), beta (...,) broadcasting against x's leading axes.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import log_ndtr


def psi(beta, s, x, v):
    """ln E e^{-beta E}, E = |x - y|^2 / (2v), y ~ N(0, diag s)."""
    b = np.asarray(beta, dtype=float)[..., None]
    return np.sum(-0.5 * np.log1p(b * s / v) - b * x**2 / (2 * (v + b * s)), axis=-1)


def mean_energy(beta, s, x, v):
    """-psi'(beta): the mean energy under the tilt e^{-beta E}."""
    b = np.asarray(beta, dtype=float)[..., None]
    return np.sum(s / (2 * (v + b * s)) + x**2 * v / (2 * (v + b * s) ** 2), axis=-1)


def energy_var(beta, s, x, v):
    """psi''(beta): the energy variance under the tilt e^{-beta E}."""
    b = np.asarray(beta, dtype=float)[..., None]
    return np.sum(s**2 / (2 * (v + b * s) ** 2) + x**2 * v * s / (v + b * s) ** 3, axis=-1)


def saddle(e: float, s, x, v) -> float:
    """beta solving -psi'(beta) = e for one query x (d,) (e below the mean of E)."""
    lo = -v / s.max() * (1 - 1e-9)
    hi = 1.0
    while mean_energy(hi, s, x, v) > e:
        hi *= 4
    return brentq(lambda b: mean_energy(b, s, x, v) - e, lo, hi, xtol=1e-14, rtol=1e-12)


def log_cdf(e: float, s, x, v) -> float:
    """ln P(E <= e) by Lugannani-Rice (r* form) for one query x (d,)."""
    b = saddle(e, s, x, v)
    if abs(b) < 1e-8:
        return float(np.log(0.5))
    w = -np.sign(b) * np.sqrt(max(2 * (-b * e - float(psi(b, s, x, v))), 0.0))
    u = -b * np.sqrt(float(energy_var(b, s, x, v)))
    return float(log_ndtr(w + np.log(u / w) / w))


def counting(e: float, n_other: int, s, x, v) -> float:
    """Lambda(e) = N' P(E <= e): expected number of the N' other points below energy e."""
    return n_other * float(np.exp(log_cdf(e, s, x, v)))
