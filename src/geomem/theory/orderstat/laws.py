"""The law of one training point as the order-statistics theory needs it (docs/theory.md).

Coordinates are the manifold's basis coordinates (``LinearManifold.basis``): every law here is
rotation invariant, so an axis-aligned and a Haar-rotated manifold give the same prediction
and a block is a slice of coordinates. ``s`` (d,) are the per-coordinate variances of the
unnormalised data (0 outside every block when there is no thickness).

**Reduced coordinates (exact).** Group the coordinates into runs of equal variance s_g (the
blocks), dimension m_g. Seen from a query x, write g = sum_g (alpha_g e_g + h_g) with
e_g = x_g / |x_g| and h_g orthogonal to e_g in group g: alpha_g ~ N(0, s_g) and
q_g = |h_g|^2 ~ s_g chi2_{m_g - 1} are independent and h_g / |h_g| is uniform on its sphere,
independent of everything the energy sees. The energy depends on (alpha, q) only:

- ``FlatLaw``: y = g, E = |x - y|^2 / (2v) = (|x|^2 - 2 sum |x_g| alpha_g + |g|^2) / (2v), with
  |g|^2 = sum alpha_g^2 + sum q_g. The tilt p(y) e^{-beta E} is exact: alpha_g ~
  N(beta s_g |x_g| / (v + beta s_g), s_g v / (v + beta s_g)), q_g ~ s_g v / (v + beta s_g) chi2.
- ``SphereLaw``: y = g / |g| (the angular central Gaussian), E = (|x|^2 + 1 - 2 x.y) / (2v),
  x.y = |x_s| a / |g|, a = rho.alpha (rho_g = |x_g| / |x_s|). With alpha = a (rho + tau),
  tau orthogonal to rho (G - 1 coordinates), u_g = q_g / a^2: a ~ N(0, sa2 = rho^T S rho),
  tau | a ~ N(b, S_perp / a^2), u_g | a ~ (s_g / a^2) chi2_{m_g - 1}, and
  |g|^2 / a^2 = 1 + |tau|^2 + sum u_g exactly. Near the query's direction E ~ (|x| - 1)^2 / (2v)
  + |x_s| |t|^2 / (2v), |t|^2 = |tau|^2 + sum u_g, so the tilt at beta is approximated by adding
  the precision beta |x_s| / v to tau and to every u_g (a > 0). That is only a proposal: the
  importance weights are exact.

``sample`` returns a mixture-of-tilts importance sample (E, alpha, q, p), p the self-normalised
weights of the data law: sum_m p_m f_m estimates E f(y) for any f, from the bulk down to the
deep lower tail of E. ``positions`` turns (alpha, q) into points (fresh uniform directions of
h_g); ``moments`` gives the exact mean and second moment of the points from expectations of
(alpha, q) alone. Arrays carry a leading axis R of independent draws (one query each).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

# tilts of the importance mixture in units of v / max(s): the tilt p(y) e^{-beta E} is the law
# seen at the effective noise v / beta, so these reach from the bulk (0: the law itself; noise
# 8 max s) down to noise max(s) / 8^5 whatever v is
MIX_SCALES = (0.0, *(8.0**k for k in range(-1, 6)))


def groups_of(s: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal positive variance in ``s`` (d,)."""
    out, start = [], None
    for i in range(s.size + 1):
        if start is not None and (i == s.size or s[i] != s[start]):
            out.append((start, i))
            start = None
        if start is None and i < s.size and s[i] > 0:
            start = i
    return out


def _chi2(rng, df: np.ndarray, shape: tuple) -> np.ndarray:
    # chi-square draws with per-group degrees of freedom df (G,) (0 where df = 0)
    return 2 * rng.standard_gamma(np.maximum(df, 1e-300) / 2, (*shape, df.size)) * (df > 0)


class _BlockLaw:
    """Shared reduced-coordinate machinery; x (R, d) query points at noise variance v."""

    normalized = False

    def __init__(self, s: np.ndarray, x: np.ndarray, v: float):
        self.s, self.x, self.v = s, x, v
        self.groups = groups_of(s)
        self.sg = np.array([s[a] for a, _ in self.groups])  # (G,)
        self.df = np.array([b - a - 1 for a, b in self.groups], dtype=float)  # (G,) m_g - 1
        self.xn = np.stack([np.linalg.norm(x[:, a:b], axis=1) for a, b in self.groups], 1)
        self.xn = np.maximum(self.xn, 1e-300)  # (R, G) |x_g|
        self.e = [x[:, a:b] / self.xn[:, i, None] for i, (a, b) in enumerate(self.groups)]
        self.x2 = np.sum(x**2, axis=1)  # (R,)

    def prior(self, R: int, n: int, rng) -> np.ndarray:
        """(R, n, d) draws of the data law in full coordinates."""
        g = rng.standard_normal((R, n, self.s.size)) * np.sqrt(self.s)
        return g / np.linalg.norm(g, axis=-1, keepdims=True) if self.normalized else g

    def sample(self, per_tilt: int, rng, normalise: bool = True):
        """Mixture-of-tilts importance sample: E (R, M), alpha (R, M, G), q (R, M, G) and
        p (R, M), sum p = 1 (``normalise=False``: the raw ratios p(y) / q(y), of mean 1)."""
        R = self.x.shape[0]
        betas = tuple(b * self.v / self.s.max() for b in MIX_SCALES)
        E, al, q, logw = self._weighted(betas, per_tilt, R, rng)
        return E, al, q, _normalise(logw) if normalise else np.exp(logw)

    def weighted_sample(self, per_tilt: int, rng, normalise: bool = True):
        """As ``sample`` with full positions: E (R, M), Y (R, M, d), p (R, M)."""
        E, al, q, p = self.sample(per_tilt, rng, normalise)
        dirs = self.directions(rng.standard_normal((*E.shape, self.s.size)))
        return E, self.positions(al, q, dirs), p

    def directions(self, noise: np.ndarray) -> list[np.ndarray]:
        """Per group (R, n, m_g): unit vectors orthogonal to e_g from standard normals
        ``noise`` (R, n, d) (uniform on that sphere; zero for a one-dimensional group)."""
        out = []
        for i, (a, b) in enumerate(self.groups):
            e = self.e[i][:, None, :]
            w = noise[..., a:b] - np.sum(noise[..., a:b] * e, -1, keepdims=True) * e
            out.append(w / np.maximum(np.linalg.norm(w, axis=-1, keepdims=True), 1e-300))
        return out

    def positions(self, al: np.ndarray, q: np.ndarray, dirs: list[np.ndarray]) -> np.ndarray:
        """(R, n, d) points of (alpha, q) (R, n, G): y_g = (alpha_g e_g + sqrt(q_g) w_g) / r,
        w_g the unit vectors ``dirs`` (``directions``), r = |g| on the sphere, 1 if flat."""
        Y = np.zeros((*al.shape[:2], self.s.size))
        norm = self._norm(al, q)[..., None]
        for i, (a, b) in enumerate(self.groups):
            w = dirs[i][:, : al.shape[1]]
            Y[..., a:b] = (
                al[..., i, None] * self.e[i][:, None] + np.sqrt(q[..., i, None]) * w
            ) / norm
        return Y

    def features(self, al: np.ndarray, q: np.ndarray) -> np.ndarray:
        """(R, n, G + G^2 + G) per point: alpha_g / r, alpha_g alpha_h / r^2, q_g / ((m_g - 1)
        r^2) -- their expectations give the points' exact mean and second moment (``moments``)."""
        r = self._norm(al, q)[..., None]
        a1 = al / r
        a2 = (a1[..., :, None] * a1[..., None, :]).reshape(*al.shape[:2], -1)
        return np.concatenate([a1, a2, q / np.maximum(self.df, 1) / r**2], axis=-1)

    def moments(self, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean (R, d) and second moment (R, d, d) of the points from expected features f
        (R, G + G^2 + G): m = sum_g E[a_g] e_g, S2 = sum_gh E[a_g a_h] e_g e_h^T +
        sum_g E[q_g / ((m_g - 1) r^2)] (I_g - e_g e_g^T) (the uniform directions average out)."""
        G, R, d = len(self.groups), f.shape[0], self.s.size
        f1, f2, f3 = f[:, :G], f[:, G : G + G * G].reshape(R, G, G), f[:, G + G * G :]
        E = np.zeros((R, d, G))  # e_g as columns in full coordinates
        for i, (a, b) in enumerate(self.groups):
            E[:, a:b, i] = self.e[i]
        m = np.einsum("rdg,rg->rd", E, f1)
        S2 = E @ f2 @ E.transpose(0, 2, 1)
        for i, (a, b) in enumerate(self.groups):
            e = self.e[i]
            S2[:, a:b, a:b] += f3[:, i, None, None] * (np.eye(b - a) - e[:, :, None] * e[:, None])
        return m, S2

    def _weighted(self, comps, per, R, rng):
        # ``per`` draws of each tilt of ``comps`` and their log weights law / (equal mixture)
        betas = np.broadcast_to(np.repeat(np.asarray(comps), per), (R, per * len(comps)))
        al, q, aux = self._draw(betas, rng)
        lqs = self._logpdfs(aux, np.asarray((0.0, *comps)))  # (1 + n_mix, R, n): law first
        lp, lqs = lqs[0], lqs[1:]
        top = lqs.max(axis=0)
        logq = top + np.log(np.mean(np.exp(lqs - top), axis=0))
        return self._energy(al, q, aux), al, q, lp - logq


class FlatLaw(_BlockLaw):
    """y ~ N(0, diag s) in basis coordinates; x (R, d) query points at noise variance v."""

    normalized = False

    def energy(self, Y: np.ndarray) -> np.ndarray:
        """(R, n) energies |x - y|^2 / (2v) of Y (R, n, d)."""
        return np.sum((self.x[:, None, :] - Y) ** 2, -1) / (2 * self.v)

    def _norm(self, al, q):
        return np.ones(al.shape[:-1])

    def _tilt(self, beta):
        # mean (R, n, G) and variance of alpha_g (the variance also scales q_g) at beta (R, n)
        b, s, v = beta[..., None], self.sg, self.v
        return b * s * self.xn[:, None, :] / (v + b * s), s * v / (v + b * s)

    def _draw(self, beta, rng):
        mean, var = self._tilt(beta)
        al = mean + np.sqrt(var) * rng.standard_normal(mean.shape)
        q = var * _chi2(rng, self.df, beta.shape)
        return al, q, (al, q)

    def _logpdfs(self, aux, betas):
        # (n_b, R, n) log density of (alpha, q) under the exact tilt at each beta (n_b,), up
        # to one constant: with mean_g, var_g of the tilt (``_tilt``), -1/2 sum_g [(1 + df_g)
        # ln var_g + (alpha_g^2 + q_g - 2 alpha_g mean_g + mean_g^2) / var_g], linear in the
        # sample's (alpha^2 + q, alpha): one batched product
        al, q = aux
        b, s, v = betas[:, None, None], self.sg, self.v
        mean, var = b * s * self.xn / (v + b * s), s * v / (v + b * s)  # (n_b, R, G)
        const = -0.5 * np.sum((1 + self.df) * np.log(var) + mean**2 / var, -1)  # (n_b, R)
        coef = np.concatenate([-0.5 / np.broadcast_to(var, mean.shape), mean / var], -1)
        feats = np.concatenate([al**2 + q, al], -1)  # (R, n, 2G)
        return const[..., None] + np.einsum("rnf,brf->brn", feats, coef)

    def _energy(self, al, q, aux):
        xy = np.sum(self.xn[:, None, :] * al, -1)
        return (self.x2[:, None] - 2 * xy + np.sum(al**2 + q, -1)) / (2 * self.v)


class SphereLaw(_BlockLaw):
    """y = g / |g|, g ~ N(0, diag s) in basis coordinates; x (R, d) queries at variance v."""

    normalized = True

    def __init__(self, s: np.ndarray, x: np.ndarray, v: float):
        super().__init__(s, x, v)
        self.rs = np.sqrt(np.sum(self.xn**2, axis=1))  # (R,) |x_s|
        if np.any(self.rs < 1e-150):
            raise ValueError("SphereLaw: the query has no component on the data's support")
        self.lam = self.rs / v  # quadratic coefficient of E in t
        rho = self.xn / self.rs[:, None]  # (R, G)
        S, G = self.sg, self.sg.size
        self.sa2 = np.sum(S * rho**2, axis=1)  # (R,)
        # orthonormal basis of the plane orthogonal to rho (Householder reflection of e_0)
        e0 = np.zeros(G)
        e0[0] = 1.0
        w = rho - e0
        w /= np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-300)
        Qp = (np.eye(G) - 2 * w[:, :, None] * w[:, None, :])[:, :, 1:]  # (R, G, G-1)
        c = np.einsum("rki,rk->ri", Qp, S * rho)
        A = (
            np.einsum("rki,k,rkj->rij", Qp, S, Qp)
            - c[:, :, None] * c[:, None] / self.sa2[:, None, None]
        )
        sig, Ev = np.linalg.eigh(A) if G > 1 else (np.zeros((x.shape[0], 0)), A)
        self.sig = np.maximum(sig, 1e-300)
        self.V = Qp @ Ev  # (R, G, G-1)
        self.b = np.einsum("rki,rk->ri", self.V, S * rho) / self.sa2[:, None]
        self.rho = rho

    def energy(self, Y: np.ndarray) -> np.ndarray:
        """(R, n) energies (|x|^2 + 1 - 2 x.y) / (2v) of Y (R, n, d) on the sphere."""
        xy = np.einsum("rd,rnd->rn", self.x, Y)
        return (self.x2[:, None] + 1 - 2 * xy) / (2 * self.v)

    def _norm(self, al, q):
        return np.sqrt(np.sum(al**2 + q, -1))

    def _draw(self, beta, rng):
        # a, tau (eigenbasis of S_perp), u of the approximate tilt at beta (R, n); beta = 0 is
        # the exact law; then alpha = a (rho + V tau), q = a^2 u
        a = rng.standard_normal(beta.shape) * np.sqrt(self.sa2)[:, None]
        a = np.where(beta > 0, np.abs(a), a)
        c = (beta * self.lam[:, None])[..., None]
        p0 = a[..., None] ** 2 / self.sig[:, None, :]
        prec = p0 + c
        tau = p0 * self.b[:, None, :] / prec + rng.standard_normal(p0.shape) / np.sqrt(prec)
        u = _chi2(rng, self.df, beta.shape) / (a[..., None] ** 2 / self.sg + c)
        al = a[..., None] * (self.rho[:, None, :] + np.einsum("rgi,rni->rng", self.V, tau))
        return al, a[..., None] ** 2 * u, (a, tau, u)

    def _logpdfs(self, aux, betas):
        # (n_b, R, n) log density of (tau, u) under the tilt at each beta (n_b,), up to terms
        # common to every beta (which cancel in law / mixture): with p0 = a^2 / sigma, c = beta
        # lam, the Gaussian of tau has prec = p0 + c, mean = p0 b / prec, and
        # prec (tau - mean)^2 = p0 tau^2 - 2 p0 b tau + c tau^2 + (p0 b)^2 / prec; u_g has
        # precision pu_g + c, pu_g = a^2 / s_g. beta > 0 lives on a > 0 (half-normal: factor 2)
        a, tau, u = aux
        a2 = a[..., None] ** 2
        p0, pu = a2 / self.sig[:, None, :], a2 / self.sg
        pb2 = (p0 * self.b[:, None, :]) ** 2
        t2 = np.sum(tau**2, -1) + np.sum(u, -1)
        out = np.empty((len(betas), *a.shape))
        for k, beta in enumerate(betas):
            c = (beta * self.lam)[:, None, None]
            lp = np.sum(np.log(p0 + c) - pb2 / (p0 + c), -1)
            lp += np.sum(self.df * np.log(pu + c), -1) - c[..., 0] * t2
            out[k] = 0.5 * lp if beta == 0 else np.where(a > 0, 0.5 * lp + np.log(2.0), -np.inf)
        return out

    def _energy(self, al, q, aux):
        a, tau, u = aux
        xy = self.rs[:, None] * np.sign(a) / np.sqrt(1 + np.sum(tau**2, -1) + np.sum(u, -1))
        return (self.x2[:, None] + 1 - 2 * xy) / (2 * self.v)


def _normalise(logw: np.ndarray) -> np.ndarray:
    # (R, M) self-normalised weights
    return np.exp(logw - logsumexp(logw, axis=1, keepdims=True))


def make_law(s: np.ndarray, x: np.ndarray, v: float, normalized: bool):
    """The law of one training point (sphere-normalised or flat) seen from queries x (R, d)."""
    return (SphereLaw if normalized else FlatLaw)(s, x, v)
