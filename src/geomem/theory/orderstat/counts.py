"""Expected kept count per block of the exact empirical score, own point + order statistics
(docs/theory.md, "Order-statistics theory"). NumPy/SciPy only; the cost does not grow with N.

One query x seen from a training set of N points drawn from the data law:

- own point (``points="train"``: x = y_0 + sqrt(v) z): energy E_0 = |z|^2 / 2 at y_0;
- the other N' points (N' = N - 1, or N for fresh points and the origin): i.i.d. energies
  E = |x - y|^2 / (2v) with counting function Lambda(e) = N' P(E <= e), P from the law's
  importance sample (``laws.weighted_sample``; for flat data it matches the Lugannani-Rice
  formula of ``energies``);
- the K lowest: E_(j) = P^{-1}(U_(j)), U_(j) = Gamma_j / Gamma_{N'+1} the uniform order
  statistics (Gamma_j the arrival times of a unit Poisson process), each point at a draw of the
  law tilted by e^{-beta_j E} with beta_j solving E_beta[E] = E_(j) (the tilted mean energy);
- the remaining N' - K as one cloud: mass (N' - K) E[e^{-E} | U > U_(K)] from the same
  importance sample, mean and second moment from ``n_cloud`` draws of the law tilted by e^{-E}
  (the weights' own tilt) truncated to E > E_(K);
- with N' <= ``n_exact`` all N' points are drawn from the law directly (exact).

Weights w ~ e^{-E} over {own, K points, cloud}; C = sum w y y^T + w_c S2_c - m m^T (the
posterior covariance); kept in block k = #{eig(U_k^T C U_k) > (1 - threshold) v}; mean and
spread over R independent draws of (y_0, z, the order statistics and positions).
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax

from geomem.theory.orderstat.laws import make_law

TILT_GRID = np.concatenate([[0.0], np.logspace(-3, 6, 73)])  # beta grid of the tilt map


def prior_draw(s: np.ndarray, normalized: bool, shape: tuple, rng) -> np.ndarray:
    """(*shape, d) draws of the data law in basis coordinates."""
    g = rng.standard_normal((*shape, s.size)) * np.sqrt(s)
    return g / np.linalg.norm(g, axis=-1, keepdims=True) if normalized else g


def _tilt_map(E, p):
    # (R, G) tilted mean energy E_beta[E] on TILT_GRID, decreasing in beta
    lw = (
        np.log(np.maximum(p, 1e-300))[:, None, :]
        - TILT_GRID[None, :, None] * (E - E[:, :1])[:, None, :]
    )
    return np.sum(softmax(lw, axis=2) * E[:, None, :], axis=2)


class _Sample:
    """The sorted importance sample of one noise level (shared by every N)."""

    def __init__(self, law, per_tilt, n_cloud, rng):
        E, Y, p = law.weighted_sample(per_tilt, rng)
        R = E.shape[0]
        self.Yc = law.tilted(np.ones((R, n_cloud)), rng)  # the cloud's shape: the tilt at 1
        self.Ec = law.energy(self.Yc)
        order = np.argsort(E, axis=1)
        self.E = np.take_along_axis(E, order, 1)
        self.Y = np.take_along_axis(Y, order[..., None], 1)
        self.p = np.take_along_axis(p, order, 1)
        self.F = np.cumsum(self.p, axis=1)
        self.ebar = _tilt_map(self.E, self.p)
        self.c = self.p * np.exp(-(self.E - self.E[:, :1]))  # e^{-E} up to e^{-E_ref}


def _order_points(law, sample: _Sample, n_other: int, K: int, rng):
    # energies (R, K), positions (R, K, d), cloud (log mass (R,), mean (R, d), 2nd mom (R, d, d))
    R = sample.E.shape[0]
    gam = np.cumsum(rng.standard_exponential((R, K)), axis=1)
    u = gam / (gam[:, -1] + rng.standard_gamma(n_other + 1 - K, R))[:, None]
    Ej, bj = np.empty((R, K)), np.empty((R, K))
    d = sample.Y.shape[2]
    lmass, mu, S2 = np.full(R, -np.inf), np.zeros((R, d)), np.zeros((R, d, d))
    for r in range(R):
        Ej[r] = np.interp(u[r], sample.F[r], sample.E[r])
        bj[r] = np.interp(Ej[r], sample.ebar[r][::-1], TILT_GRID[::-1])
        cut = int(np.searchsorted(sample.F[r], u[r, -1], side="right"))
        S0 = sample.c[r, cut:].sum()  # the cloud's mass from the importance sample
        if S0 > 0:
            lmass[r] = np.log((n_other - K) / (1 - u[r, -1]) * S0) - sample.E[r, 0]
            Y = sample.Yc[r, sample.Ec[r] > Ej[r, -1]]  # its moments: the tilt at 1, truncated
            c = np.ones(len(Y))
            if len(Y) < 8:  # the truncation left (almost) nothing: the importance sample
                c, Y = sample.c[r, cut:] / S0, sample.Y[r, cut:]
            c = c / c.sum()
            mu[r] = c @ Y
            S2[r] = (Y * c[:, None]).T @ Y
    return Ej, law.tilted(bj, rng), (lmass, mu, S2)


def _posterior_cov(logits, Y, cloud):
    # (R, d, d) covariance of the weights softmax(logits) over points Y (R, n, d) (+ cloud)
    if cloud is not None:
        logits = np.concatenate([logits, cloud[0][:, None]], axis=1)
    w = softmax(logits, axis=1)
    wp = w[:, : Y.shape[1]]
    m = np.einsum("rn,rnd->rd", wp, Y)
    C = np.einsum("rn,rni,rnj->rij", wp, Y, Y)
    if cloud is not None:
        wc = w[:, -1]
        m += wc[:, None] * cloud[1]
        C += wc[:, None, None] * cloud[2]
    return C - m[:, :, None] * m[:, None, :]


def _counts(C, slices, v, threshold):
    # (R, K) eigenvalues of each diagonal block above (1 - threshold) v
    return np.stack(
        [
            np.sum(np.linalg.eigvalsh(C[:, a:b, a:b]) > (1 - threshold) * v, axis=1)
            for a, b in slices
        ],
        axis=1,
    )


def level_counts(s, slices, normalized, points, n_train, v, y0, z, cfg, rng) -> np.ndarray:
    """(nN, R, K) kept counts per block at one noise level v for every N of ``n_train``.

    ``s`` (d,) basis-coordinate variances; ``slices`` (K,) coordinate ranges of the blocks;
    ``y0`` (R, d) the query's data point (own training point or fresh point), ``z`` (R, d) its
    noise direction, already scaled to the point-noise std at this v; ``cfg`` holds per_tilt,
    n_order, n_exact, n_cloud, threshold, origin_cap.
    """
    R, d = y0.shape
    x = np.zeros((R, d)) if points == "origin" else y0 + z
    sphere_origin = points == "origin" and normalized  # sphere at x = 0: equal weights
    law = None if sphere_origin else make_law(s, x, v, normalized)
    sample = None
    out = []
    for N in n_train:
        n_other = N - 1 if points == "train" else N
        if n_other <= 0:
            out.append(np.zeros((R, len(slices)), dtype=int))
            continue
        own_E = np.sum(z**2, 1)[:, None] / (2 * v) if points == "train" else np.zeros((R, 0))
        own_Y = y0[:, None, :] if points == "train" else np.zeros((R, 0, d))
        cloud = None
        if sphere_origin or n_other <= cfg.n_exact:
            n = min(n_other, cfg.origin_cap) if sphere_origin else n_other
            Yp = prior_draw(s, normalized, (R, n), rng)
            Ep = np.zeros((R, n)) if sphere_origin else law.energy(Yp)
        else:
            if sample is None:
                sample = _Sample(law, cfg.per_tilt, cfg.n_cloud, rng)
            Ep, Yp, cloud = _order_points(law, sample, n_other, min(cfg.n_order, n_other), rng)
        logits = -np.concatenate([own_E, Ep], axis=1)
        Y = np.concatenate([own_Y, Yp], axis=1)
        out.append(_counts(_posterior_cov(logits, Y, cloud), slices, v, cfg.threshold))
    return np.stack(out)


__all__ = ["level_counts", "prior_draw"]


def population_level_counts(s, slices, normalized, points, v, y0, z, cfg, rng) -> np.ndarray:
    """(R, K) kept counts of the population score (N = inf) at one noise level: C is the
    covariance of the law tilted by e^{-E} (the cloud with nothing truncated); flat data in
    closed form, C = diag(s v / (s + v)); the sphere from ``n_cloud`` resampled draws."""
    R, d = y0.shape
    if not normalized:
        C = np.broadcast_to(np.diag(s * v / (s + v)), (R, d, d))
        return _counts(C, slices, v, cfg.threshold)
    if points == "origin":  # equal weights: the law's own covariance
        Y = prior_draw(s, True, (R, max(cfg.n_cloud, cfg.origin_cap)), rng)
    else:
        Y = make_law(s, y0 + z, v, True).tilted(np.ones((R, cfg.n_cloud)), rng)
    m = Y.mean(axis=1)
    C = np.einsum("rni,rnj->rij", Y, Y) / Y.shape[1] - m[:, :, None] * m[:, None, :]
    return _counts(C, slices, v, cfg.threshold)
