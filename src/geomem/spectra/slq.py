"""Stochastic Lanczos quadrature (SLQ): the threshold dimension at image scale, matrix-free.

A = sym(-sigma_t^2 J) = sym(-v J_VE) (normal directions ~ 1, tangent ones below 1/2) is
touched only through products A U (``geomem.spectra.lanczos.sym_operator``: one
vector-Jacobian product and its double backward per block of vectors). For each of
``n_probes`` Rademacher probes z (|z|^2 = d) m Lanczos steps from q_1 = z / sqrt(d) give a
tridiagonal T_m with eigenpairs (theta_j, w_j); tau_j^2 = (w_j)_1^2 are the Gauss quadrature
weights of the spectral measure of A seen from q_1 (Golub & Meurant; Ubaru, Chen & Saad 2017):

    tr f(A) ~ (d / n_probes) sum_probes sum_j tau_j^2 f(theta_j),

and with f = 1[theta < 1/2] the threshold dimension #{r_i < 1/2}, with a standard error from
the spread over probes. The cost is m * n_probes products of A whatever d is (plus O(m^2 d)
for full reorthogonalisation in float64). The error bar counts the probes only, not the
quadrature error of m nodes for a step function: that is small when the spectrum has a gap at
the threshold (tangent near 0, normal near 1) and grows with the spectral density at the cut
(benchmarks/bench_slq.py shows both); m = d makes the quadrature exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from geomem import _validate
from geomem.scores.base import Score
from geomem.spectra.jacobian import _check_points, _time
from geomem.spectra.lanczos import sym_operator


@dataclass(frozen=True)
class SLQEstimate:
    """SLQ read-out of the normalised spectrum r = eig(sym(-v J_VE)) at B points.

    ``nodes`` and ``weights`` (B, n_probes, m) are the Ritz values theta_j and quadrature
    weights tau_j^2 of each probe (weights sum to 1 per probe; zero-padded when Lanczos stopped
    early on an invariant subspace): the spectral density is
    (d / n_probes) sum tau_j^2 delta(r - theta_j).
    """

    dimension: np.ndarray  # (B,) estimated #{r_i < threshold}
    se: np.ndarray  # (B,) standard error of ``dimension`` over probes
    nodes: np.ndarray  # (B, n_probes, m) Ritz values theta_j
    weights: np.ndarray  # (B, n_probes, m) Gauss weights tau_j^2
    noise_var: float  # v = sigma_t^2 / alpha_t^2
    d: int  # ambient dimension
    threshold: float = 0.5  # the threshold rule's cut
    n_products: int = 0  # products A u per point (m * n_probes)

    def trace(self, f) -> tuple[np.ndarray, np.ndarray]:
        """((B,) estimate of tr f(A), (B,) standard error) for a vectorised f of r."""
        per_probe = self.d * np.sum(self.weights * f(self.nodes), axis=2)  # (B, n_probes)
        n = per_probe.shape[1]
        return per_probe.mean(1), per_probe.std(1, ddof=1) / np.sqrt(n)

    def density(self, grid: np.ndarray, width: float = 0.02) -> np.ndarray:
        """(B, len(grid)) spectral density smoothed by a Gaussian of ``width``; integrates to d."""
        return spectral_density(self.nodes, self.weights, self.d, grid, width)


def spectral_density(nodes, weights, d: int, grid, width: float = 0.02) -> np.ndarray:
    """(B, len(grid)) smoothed density (d / P) sum_p sum_j tau_pj^2 N(r; theta_pj, width^2) of
    nodes and weights (B, P, m) whose weights sum to 1 per probe; dense eigenvalues r (B, d)
    enter as nodes (B, 1, d) with weights 1/d."""
    nodes, weights = np.asarray(nodes), np.asarray(weights)
    diff = (np.asarray(grid)[None, None, None] - nodes[..., None]) / width
    kernel = np.exp(-0.5 * diff**2) / (width * np.sqrt(2 * np.pi))
    return d * np.einsum("bpj,bpjg->bg", weights, kernel) / nodes.shape[1]


def lanczos_tridiagonal(matmat, Q0: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Lanczos with full reorthogonalisation (float64) run on k starting vectors at once.

    Parameters
    ----------
    matmat : callable
        (k, d) -> (k, d) rows u_i -> A u_i for a symmetric A.
    Q0 : array (k, d)
        Unit starting vectors.
    m : int
        Steps (<= d).

    Returns
    -------
    nodes, weights : arrays (k, m)
        Ritz values and Gauss weights tau_j^2 per start (zero weight past an early stop).
    """
    k, d = Q0.shape
    Q = np.zeros((m + 1, k, d))
    Q[0] = Q0
    a, b = np.zeros((k, m)), np.zeros((k, m))
    length = np.full(k, m)
    for j in range(m):
        W = np.asarray(matmat(Q[j]), dtype=np.float64)
        a[:, j] = np.einsum("kd,kd->k", W, Q[j])
        for _ in range(2):  # full reorthogonalisation, twice (Kahan-Parlett)
            W -= np.einsum("jk,jkd->kd", np.einsum("jkd,kd->jk", Q[: j + 1], W), Q[: j + 1])
        b[:, j] = np.linalg.norm(W, axis=1)
        stop = (b[:, j] <= 1e-10 * np.abs(a[:, : j + 1]).max(1).clip(1e-300)) & (length == m)
        length[stop] = j + 1
        Q[j + 1] = W / np.where(b[:, j] > 0, b[:, j], 1.0)[:, None]
        if np.all(length <= j + 1):
            break
    return _gauss_rules(a, b, length, m)


def _gauss_rules(a, b, length, m):
    nodes, weights = np.zeros_like(a), np.zeros_like(a)
    for i, L in enumerate(length):
        T = np.diag(a[i, :L]) + np.diag(b[i, : L - 1], 1) + np.diag(b[i, : L - 1], -1)
        theta, V = np.linalg.eigh(T)
        nodes[i, :L], weights[i, :L] = theta, V[0] ** 2
        nodes[i, L:] = theta[-1]  # padding carries zero weight
    return nodes, weights


def slq_dimension(
    score: Score,
    x,
    t,
    *,
    n_probes: int = 8,
    m: int = 30,
    threshold: float = 0.5,
    rng: np.random.Generator,
) -> SLQEstimate:
    """Threshold dimension #{r_i < threshold} of r = eig(sym(-v J_VE)) at points x (B, d) by SLQ.

    Parameters
    ----------
    score : Score
        Any differentiable score (``at_time(t)`` is used when the score has it).
    x : (B, d) query points; t : the schedule's time (a float).
    n_probes : int >= 2
        Rademacher probes per point (the standard error is their spread / sqrt(n_probes)).
    m : int
        Lanczos steps per probe (capped at d; m = d makes the quadrature exact).
    rng : numpy Generator for the probes.

    Cost: m * n_probes products with A per point, each one VJP and its double backward on a
    batch of n_probes vectors.
    """
    x = _check_points(x, score.d)
    t, sigma, v = _time(score, t)
    n_probes = _validate.positive_int("n_probes", n_probes)
    if n_probes < 2:
        _validate.fail("n_probes", "an integer >= 2 (the standard error needs two)", n_probes)
    m = min(_validate.positive_int("m", m), score.d)
    _validate.positive("threshold", threshold)
    x = torch.as_tensor(x, dtype=getattr(score, "dtype", torch.float64))
    d = score.d
    nodes, weights = [], []
    for xi in x:
        op = sym_operator(score, xi, t, sigma)
        Q0 = rng.choice([-1.0, 1.0], size=(n_probes, d)) / np.sqrt(d)
        with sdpa_kernel(SDPBackend.MATH):  # fused attention kernels lack double backward
            th, w = lanczos_tridiagonal(lambda U, op=op: op.matmat(U.T).T, Q0, m)
        nodes.append(th)
        weights.append(w)
    est = SLQEstimate(
        np.zeros(len(x)), np.zeros(len(x)), np.stack(nodes), np.stack(weights), v, d,
        float(threshold), m * n_probes,
    )  # fmt: skip
    dim, se = est.trace(lambda r: (r < threshold).astype(np.float64))
    return SLQEstimate(dim, se, est.nodes, est.weights, v, d, float(threshold), m * n_probes)
