"""Expected kept count per block of the exact empirical score, own point + order statistics
(docs/theory.md, "Order-statistics theory"). NumPy/SciPy only; the cost does not grow with N.

One query x seen from a training set of N points drawn from the data law:

- own point (``points="train"``: x = y_0 + sqrt(v) z): energy E_0 = |z|^2 / 2 at y_0;
- the other N' points (N' = N - 1, or N for fresh points and the origin): i.i.d. energies
  E = |x - y|^2 / (2v) with counting function Lambda(e) = N' P(E <= e), P from the law's
  importance sample (``laws.sample``; for flat data it matches the Lugannani-Rice
  formula of ``energies``);
- the K lowest: U_(j) = Gamma_j / Gamma_{N'+1} the uniform order statistics (Gamma_j the
  arrival times of a unit Poisson process); the point of quantile U_(j) is a draw of the law
  conditioned on its energy, E_(j) = P^{-1}(U_(j)): the importance sample's point at that
  quantile (its energy and reduced coordinates), with fresh uniform directions (``laws``);
- the remaining N' - K as one cloud: mass (N' - K) E[e^{-E} | U > U_(K)], mean and second
  moment E[y e^{-E} | U > U_(K)] / E[e^{-E} | U > U_(K)], all from the same importance sample
  (tail sums, exact moments of the reduced coordinates, ``laws.moments``);
- with N' <= ``n_exact`` all N' points are drawn from the law directly (exact; one draw per
  level, each such N using its first N' points).

Weights w ~ e^{-E} over {own, K points, cloud}; C = sum w y y^T + w_c S2_c - m m^T (the
posterior covariance); kept in block k = #{eig(U_k^T C U_k) > (1 - threshold) v}; mean and
spread over R independent draws of (y_0, z, the order statistics and positions).
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax

from geomem.theory.orderstat.laws import make_law


def prior_draw(s: np.ndarray, normalized: bool, shape: tuple, rng) -> np.ndarray:
    """(*shape, d) draws of the data law in basis coordinates."""
    g = rng.standard_normal((*shape, s.size)) * np.sqrt(s)
    return g / np.linalg.norm(g, axis=-1, keepdims=True) if normalized else g


def _tail_sums(a: np.ndarray) -> np.ndarray:
    # (R, M + 1, ...) sums over m >= i of a (R, M, ...); the last row is 0
    out = np.zeros((a.shape[0], a.shape[1] + 1, *a.shape[2:]))
    out[:, :-1] = np.cumsum(a[:, ::-1], axis=1)[:, ::-1]
    return out


def _rows(A: np.ndarray, idx: np.ndarray) -> np.ndarray:
    # A[r, idx[r, j]] for A (R, M, ...) and idx (R, J)
    return A[np.arange(A.shape[0])[:, None], idx]


class _Sample:
    """The sorted importance sample of one noise level (shared by every N): energies E, reduced
    coordinates (alpha, q), weights p and cumulative F; tail sums of c = p e^{-E} and of c times
    the moment features, from which the cloud beyond any cut is read in O(1)."""

    def __init__(self, law, per_tilt, n_order, rng):
        E, al, q, p = law.sample(per_tilt, rng)
        # the order points' direction noise, shared by every N (common random numbers)
        self.dirs = law.directions(rng.standard_normal((E.shape[0], n_order, law.s.size)))
        order = np.argsort(E, axis=1)
        self.E, self.al, self.q, self.p = (_rows(a, order) for a in (E, al, q, p))
        self.F = np.cumsum(self.p, axis=1)
        c = self.p * np.exp(-(self.E - self.E[:, :1]))  # e^{-E} up to e^{-E_ref}
        self.tail_p, self.tail_c = _tail_sums(self.p), _tail_sums(c)
        self.tail_f = _tail_sums(c[..., None] * law.features(self.al, self.q))


def _quantile_index(F: np.ndarray, u: np.ndarray) -> np.ndarray:
    # (R, J) first m with F[r, m] >= u[r, j] (rows of F increasing), at most M - 1
    idx = np.stack([np.searchsorted(f, ur) for f, ur in zip(F, u, strict=True)])
    return np.minimum(idx, F.shape[1] - 1)


def _order_points(law, sample: _Sample, n_other: int, K: int, rng):
    # energies (R, K), positions (R, K, d), cloud (log mass (R,), mean (R, d), 2nd mom (R, d, d))
    R = sample.E.shape[0]
    gam = np.cumsum(rng.standard_exponential((R, K)), axis=1)
    u = gam / (gam[:, -1] + rng.standard_gamma(n_other + 1 - K, R))[:, None]
    idx = _quantile_index(sample.F, u)  # the law conditioned on E = E_(j): the sample there
    Ej = _rows(sample.E, idx)
    Y = law.positions(_rows(sample.al, idx), _rows(sample.q, idx), sample.dirs)
    cut = idx[:, -1] + 1  # the cloud: the sample beyond the K-th point
    r = np.arange(R)
    S0, P0 = sample.tail_c[r, cut], sample.tail_p[r, cut]
    ok = S0 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        lmass = np.where(ok, np.log((n_other - K) * S0 / P0) - sample.E[:, 0], -np.inf)
        f = np.where(ok[:, None], sample.tail_f[r, cut] / S0[:, None], 0.0)
    mu, S2 = law.moments(f)
    return Ej, Y, (lmass, mu, S2)


def _posterior_cov(logits, Y, cloud, slices):
    # (R, d, d) covariance of the weights softmax(logits) over points Y (R, n, d) (+ cloud),
    # its diagonal blocks ``slices`` only (all the counts read; zero elsewhere)
    if cloud is not None:
        logits = np.concatenate([logits, cloud[0][:, None]], axis=1)
    w = softmax(logits, axis=1)
    wp = w[:, : Y.shape[1]]
    m = np.einsum("rn,rnd->rd", wp, Y)
    if cloud is not None:
        m += w[:, -1, None] * cloud[1]
    C = np.zeros((Y.shape[0], Y.shape[2], Y.shape[2]))
    for a, b in slices:
        Yk = Y[..., a:b]
        C[:, a:b, a:b] = (Yk * wp[..., None]).transpose(0, 2, 1) @ Yk - m[:, a:b, None] * m[
            :, None, a:b
        ]
        if cloud is not None:
            C[:, a:b, a:b] += w[:, -1, None, None] * cloud[2][:, a:b, a:b]
    return C


def _counts(C, slices, v, threshold):
    # (..., K) eigenvalues of each diagonal block above (1 - threshold) v; C (..., d, d). A block
    # whose trace is below the cut keeps nothing (exact: C is positive semi-definite), so only
    # the others are diagonalised
    cut = (1 - threshold) * v
    out = np.zeros((*C.shape[:-2], len(slices)), dtype=np.int64)
    for k, (a, b) in enumerate(slices):
        Ck = C[..., a:b, a:b]
        busy = np.trace(Ck, axis1=-2, axis2=-1) > cut
        if busy.any():
            out[..., k][busy] = np.sum(np.linalg.eigvalsh(Ck[busy]) > cut, axis=-1)
    return out


def level_counts(s, slices, normalized, points, n_train, v, y0, z, cfg, rng) -> np.ndarray:
    """(nN, R, K) kept counts per block at one noise level v for every N of ``n_train``.

    ``s`` (d,) basis-coordinate variances; ``slices`` (K,) coordinate ranges of the blocks;
    ``y0`` (R, d) the query's data point (own training point or fresh point), ``z`` (R, d) its
    noise direction, already scaled to the point-noise std at this v; ``cfg`` holds per_tilt,
    n_order, n_exact, threshold, origin_cap.
    """
    R, d = y0.shape
    x = np.zeros((R, d)) if points == "origin" else y0 + z
    sphere_origin = points == "origin" and normalized  # sphere at x = 0: equal weights
    law = None if sphere_origin else make_law(s, x, v, normalized)
    own_E = np.sum(z**2, 1)[:, None] / (2 * v) if points == "train" else np.zeros((R, 0))
    own_Y = y0[:, None, :] if points == "train" else np.zeros((R, 0, d))
    Cs = np.zeros((len(n_train), R, d, d))  # N' = 0 keeps nothing: C = 0
    n_other = np.asarray(n_train) - (points == "train")
    direct = (n_other > 0) & ((n_other <= cfg.n_exact) | sphere_origin)
    if direct.any():  # nested direct draws: each N uses the first N' points of one draw
        n_max = int(min(n_other[direct].max(), cfg.origin_cap if sphere_origin else np.inf))
        Yd = prior_draw(s, normalized, (R, n_max), rng)
        Ed = np.zeros((R, n_max)) if sphere_origin else law.energy(Yd)
    sample = None
    for i, n in enumerate(n_other.tolist()):
        if n <= 0:
            continue
        cloud = None
        if direct[i]:
            n = min(n, Yd.shape[1])
            Ep, Yp = Ed[:, :n], Yd[:, :n]
        else:
            if sample is None:
                sample = _Sample(law, cfg.per_tilt, cfg.n_order, rng)
            Ep, Yp, cloud = _order_points(law, sample, n, min(cfg.n_order, n), rng)
        logits = -np.concatenate([own_E, Ep], axis=1)
        Cs[i] = _posterior_cov(logits, np.concatenate([own_Y, Yp], axis=1), cloud, slices)
    return _counts(Cs, slices, v, cfg.threshold)


def population_level_counts(s, slices, normalized, points, v, y0, z, cfg, rng) -> np.ndarray:
    """(R, K) kept counts of the population score (N = inf) at one noise level: C is the
    covariance of the law tilted by e^{-E} (the cloud with nothing truncated); flat data in
    closed form, C = diag(s v / (s + v)); the sphere from the moments of an importance sample of
    ``population_per_tilt`` draws per tilt (no order points here: the tilt at beta = 1 carries
    everything, so its effective sample size sets the bias of the count)."""
    R, d = y0.shape
    if not normalized:
        C = np.broadcast_to(np.diag(s * v / (s + v)), (R, d, d))
        return _counts(C, slices, v, cfg.threshold)
    if points == "origin":  # equal weights: the law's own covariance
        Y = prior_draw(s, True, (R, cfg.origin_cap), rng)
        m = Y.mean(axis=1)
        C = Y.transpose(0, 2, 1) @ Y / Y.shape[1] - m[:, :, None] * m[:, None, :]
        return _counts(C, slices, v, cfg.threshold)
    law = make_law(s, y0 + z, v, True)
    sample = _Sample(law, cfg.population_per_tilt, 0, rng)
    m, S2 = law.moments(sample.tail_f[:, 0] / sample.tail_c[:, 0, None])
    return _counts(S2 - m[:, :, None] * m[:, None, :], slices, v, cfg.threshold)


__all__ = ["level_counts", "population_level_counts", "prior_draw"]
