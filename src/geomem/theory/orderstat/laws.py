"""The law of one training point as the order-statistics theory needs it (docs/theory.md).

Coordinates are the manifold's basis coordinates (``LinearManifold.basis``): every law here is
rotation invariant, so an axis-aligned and a Haar-rotated manifold give the same prediction
and a block is a slice of coordinates. ``s`` (d,) are the per-coordinate variances of the
unnormalised data (0 outside every block when there is no thickness).

- ``FlatLaw``: y ~ N(0, diag s); energy E = |x - y|^2 / (2v). Its exponential tilt
  p(y) e^{-beta E} is the Gaussian of mean beta s x / (v + beta s), variance s v / (v + beta s)
  (exact).
- ``SphereLaw``: y = g / |g|, g ~ N(0, diag s) (the angular central Gaussian);
  E = (|x|^2 + 1 - 2 x.y) / (2v). Written g = a (xh + t), xh = x_s / |x_s| (x_s: x on the
  support of s), a = xh.g ~ N(0, sa2), sa2 = xh^T S xh, t in the plane orthogonal to xh:
  t | a ~ N(b, S_perp / a^2), b = P(S xh) / sa2, S_perp = P S P - P S xh xh^T S P / sa2, and
  y = sign(a) (xh + t) / sqrt(1 + |t|^2), x.y = |x_s| sign(a) / sqrt(1 + |t|^2) exactly.
  Near xh, E ~ (|x| - 1)^2 / (2v) + |x_s| |t|^2 / (2v): the tilt at beta is approximated by the
  Gaussian t | a of precision a^2 / sigma + beta |x_s| / v (S_perp's eigenbasis), a > 0. The
  approximation is only a proposal: ``weighted_sample`` corrects it by exact importance
  weights, so the counting function and the cloud use the sphere's own law.

``weighted_sample`` returns a mixture-of-tilts importance sample (E, Y, p) with p the
self-normalised weights of the data law: sum_m p_m f(Y_m) estimates E f(y) for any f, from the
bulk down to the deep lower tail of E (the tilts reach it). Arrays carry a leading axis R of
independent draws (one query point each).
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

# tilts of the importance mixture (beta = 0 is the data law itself)
MIX_BETAS = (0.0, *(8.0**k for k in range(-2, 5)))
SIR_WIDEN = (1.0, 1 / 4, 1 / 16, 0.0)  # tilt factors of the resampling proposal


def _gauss_logpdf(t, mean, prec):
    # sum over the last axis of log N(t; mean, 1/prec) up to the constant -n/2 ln(2 pi)
    return 0.5 * np.sum(np.log(prec) - prec * (t - mean) ** 2, axis=-1)


class FlatLaw:
    """y ~ N(0, diag s) in basis coordinates; x (R, d) query points at noise variance v."""

    normalized = False

    def __init__(self, s: np.ndarray, x: np.ndarray, v: float):
        self.s, self.x, self.v = s, x, v
        self.sup = s > 0

    def energy(self, Y: np.ndarray) -> np.ndarray:
        """(R, n) energies |x - y|^2 / (2v) of Y (R, n, d)."""
        return np.sum((self.x[:, None, :] - Y) ** 2, -1) / (2 * self.v)

    def prior(self, R: int, n: int, rng) -> np.ndarray:
        """(R, n, d) draws of the data law."""
        return rng.standard_normal((R, n, self.s.size)) * np.sqrt(self.s)

    def tilted(self, beta: np.ndarray, rng) -> np.ndarray:
        """(R, n, d) draws of the tilt p(y) e^{-beta E} for beta (R, n) (exact Gaussian)."""
        s, v, b = self.s, self.v, beta[..., None]
        mean = b * s * self.x[:, None, :] / (v + b * s)
        std = np.sqrt(s * v / (v + b * s))
        return mean + std * rng.standard_normal(mean.shape)

    def weighted_sample(self, per_tilt: int, rng, normalise: bool = True):
        """Mixture-of-tilts importance sample: E (R, M), Y (R, M, d), p (R, M), sum p = 1
        (``normalise=False``: the raw ratios p(y) / q(y), of mean 1)."""
        R = self.x.shape[0]
        betas = np.repeat(np.asarray(MIX_BETAS), per_tilt)  # (M,)
        Y = self.tilted(np.broadcast_to(betas, (R, betas.size)), rng)
        s, v, xs = self.s[self.sup], self.v, self.x[:, None, self.sup]
        ys = Y[..., self.sup]
        logp = _gauss_logpdf(ys, 0.0, 1 / s)
        comp = [
            _gauss_logpdf(ys, b * s * xs / (v + b * s), (v + b * s) / (s * v)) for b in MIX_BETAS
        ]
        logq = logsumexp(np.stack(comp), axis=0) - np.log(len(MIX_BETAS))
        return self.energy(Y), Y, _normalise(logp - logq) if normalise else np.exp(logp - logq)


class SphereLaw:
    """y = g / |g|, g ~ N(0, diag s) in basis coordinates; x (R, d) queries at variance v."""

    normalized = True

    def __init__(self, s: np.ndarray, x: np.ndarray, v: float):
        self.s, self.x, self.v = s, x, v
        self.sup = np.nonzero(s > 0)[0]
        xs = x[:, self.sup]
        self.rs = np.linalg.norm(xs, axis=1)  # (R,) |x_s|
        if np.any(self.rs == 0):
            raise ValueError("SphereLaw: the query has no component on the data's support")
        self.x2 = np.sum(x**2, axis=1)  # (R,)
        self.lam = self.rs / v  # quadratic coefficient of E in t
        xh = xs / self.rs[:, None]  # (R, n)
        S = s[self.sup]
        self.sa2 = np.sum(S * xh**2, axis=1)  # (R,)
        Sx = S * xh  # (R, n)
        # orthonormal basis of the plane orthogonal to xh (Householder reflection of e_0)
        n = S.size
        e0 = np.zeros(n)
        e0[0] = 1.0
        w = xh - e0
        w /= np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-300)
        H = np.eye(n) - 2 * w[:, :, None] * w[:, None, :]  # (R, n, n), H e0 = xh
        Qp = H[:, :, 1:]  # (R, n, n-1)
        A = np.einsum("rki,k,rkj->rij", Qp, S, Qp)
        c = np.einsum("rki,rk->ri", Qp, Sx)
        A -= c[:, :, None] * c[:, None, :] / self.sa2[:, None, None]
        sig, E = np.linalg.eigh(A)  # S_perp in the plane, (R, n-1)
        self.sig = np.maximum(sig, 1e-300)
        self.V = Qp @ E  # (R, n, n-1) eigenbasis of S_perp in support coordinates
        self.b = np.einsum("rki,rk->ri", self.V, Sx) / self.sa2[:, None]  # (R, n-1)
        self.xh = xh

    def _y(self, a, tp):
        # y (R, n, d) from a (R, n) and t in the eigenbasis tp (R, n, n_s - 1)
        t = np.einsum("rki,rmi->rmk", self.V, tp)
        ys = np.sign(a)[..., None] * (self.xh[:, None, :] + t)
        ys /= np.sqrt(1 + np.sum(tp**2, -1))[..., None]
        Y = np.zeros((*a.shape, self.s.size))
        Y[..., self.sup] = ys
        return Y

    def energy(self, Y: np.ndarray) -> np.ndarray:
        """(R, n) energies (|x|^2 + 1 - 2 x.y) / (2v) of Y (R, n, d) on the sphere."""
        xy = np.einsum("rd,rnd->rn", self.x, Y)
        return (self.x2[:, None] + 1 - 2 * xy) / (2 * self.v)

    def prior(self, R: int, n: int, rng) -> np.ndarray:
        """(R, n, d) draws of the data law g / |g|."""
        g = rng.standard_normal((R, n, self.s.size)) * np.sqrt(self.s)
        return g / np.linalg.norm(g, axis=-1, keepdims=True)

    def _draw(self, beta, rng):
        # a, tp of the approximate tilt at beta (R, n); beta = 0 is the exact law
        a = rng.standard_normal(beta.shape) * np.sqrt(self.sa2)[:, None]
        a = np.where(beta > 0, np.abs(a), a)
        p0 = a[..., None] ** 2 / self.sig[:, None, :]
        prec = p0 + (beta * self.lam[:, None])[..., None]
        tp = p0 * self.b[:, None, :] / prec + rng.standard_normal(p0.shape) / np.sqrt(prec)
        return a, tp

    def _logpdfs(self, a, tp, betas):
        # log N(tp; tilt at beta) for each beta of ``betas`` (each (R, n)), up to one constant:
        # with p0 = a^2 / sigma and c = beta lam, prec = p0 + c, mean = p0 b / prec,
        # prec (t - mean)^2 = p0 t^2 + c t^2 - 2 p0 b t + (p0 b)^2 / prec
        p0 = a[..., None] ** 2 / self.sig[:, None, :]
        pb = p0 * self.b[:, None, :]
        base = np.sum(p0 * tp**2 - 2 * pb * tp, -1)
        t2 = np.sum(tp**2, -1)
        out = []
        for beta in betas:
            c = (beta * self.lam[:, None])[..., None]
            prec = p0 + c
            out.append(
                0.5 * np.sum(np.log(prec) - pb**2 / prec, -1) - 0.5 * (base + c[..., 0] * t2)
            )
        return out

    def tilted(self, beta: np.ndarray, rng, n_cand: int = 24) -> np.ndarray:
        """(R, n, d) draws of the exact tilt p(y) e^{-beta E} for beta (R, n), by
        sampling-importance-resampling: ``n_cand`` candidates per draw from the Gaussian
        approximation at beta f, f in SIR_WIDEN (a defensive mixture: the approximation
        over-penalises large |t|), one kept with probability ~ exact / proposal density."""
        R, n = beta.shape
        f = np.asarray(SIR_WIDEN)  # the last factor, 0, is the law itself (both hemispheres)
        bc = beta[..., None] * np.resize(f, n_cand)  # (R, n, n_cand)
        a, tp = self._draw(bc.reshape(R, -1), rng)
        bb = np.repeat(beta, n_cand, axis=1)
        lp, *comp = self._logpdfs(a, tp, [np.zeros_like(a), *(bb * fk for fk in f[:-1])])
        comp = [np.where(a > 0, np.log(2.0) + c, -np.inf) for c in comp]
        lq = np.where(bb > 0, logsumexp(np.stack([lp, *comp]), axis=0) - np.log(f.size), lp)
        xy = self.rs[:, None] * np.sign(a) / np.sqrt(1 + np.sum(tp**2, -1))
        logw = (lp + bb * xy / self.v - lq).reshape(R, n, n_cand)
        pick = np.argmax(logw + rng.gumbel(size=logw.shape), axis=2)  # (R, n)
        a = np.take_along_axis(a.reshape(R, n, n_cand), pick[..., None], 2)[..., 0]
        tp = tp.reshape(R, n, n_cand, -1)
        tp = np.take_along_axis(tp, pick[..., None, None], 2)[:, :, 0]
        return self._y(a, tp)

    def weighted_sample(self, per_tilt: int, rng, normalise: bool = True):
        """Mixture-of-tilts importance sample: E (R, M), Y (R, M, d), p (R, M), sum p = 1
        (``normalise=False``: the raw ratios p(y) / q(y), of mean 1)."""
        R = self.x.shape[0]
        mix = np.repeat(np.asarray(MIX_BETAS), per_tilt)
        betas = np.broadcast_to(mix, (R, mix.size))
        a, tp = self._draw(betas, rng)
        logp, *lqs = self._logpdfs(a, tp, [np.full_like(a, b) for b in MIX_BETAS])
        comp = [logp] + [np.where(a > 0, lq + np.log(2.0), -np.inf) for lq in lqs]
        logq = logsumexp(np.stack(comp), axis=0) - np.log(len(MIX_BETAS))
        Y = self._y(a, tp)
        return self.energy(Y), Y, _normalise(logp - logq) if normalise else np.exp(logp - logq)


def _normalise(logw: np.ndarray) -> np.ndarray:
    # (R, M) self-normalised weights
    return np.exp(logw - logsumexp(logw, axis=1, keepdims=True))


def make_law(s: np.ndarray, x: np.ndarray, v: float, normalized: bool):
    """The law of one training point (sphere-normalised or flat) seen from queries x (R, d)."""
    return (SphereLaw if normalized else FlatLaw)(s, x, v)
