"""Exact score of a finite training set (SCIENCE.md §4): what a perfectly trained model on N
points converges to.

w_mu(x) = softmax_mu(-|x - alpha_t y_mu|^2 / (2 sigma_t^2)),  m(x) = sum_mu w_mu y_mu,
s(x) = (alpha_t m - x) / sigma_t^2,  J(x) = (-I + (alpha_t^2/sigma_t^2) C(x)) / sigma_t^2,
C(x) = sum_mu w_mu (y_mu - m)(y_mu - m)^T.

Weights stay in the log domain, and the training set is streamed in chunks (online
log-sum-exp), so memory does not grow with N.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import torch

from geomem import _validate
from geomem.schedules import VE, Schedule
from geomem.scores.base import as_points, coefficients


class CovarianceEig(NamedTuple):
    """Eigenpairs of the posterior covariance C(x) and the route that computed them."""

    eigvals: torch.Tensor  # (B, d) ascending
    eigvecs: torch.Tensor | None  # (B, d, d) or None
    route: str  # "gram" (k x k Gram matrix, k < d) or "dense" (d x d)


class EmpiricalScore:
    """Score, posterior mean and covariance of the empirical distribution of ``X``.

    Parameters
    ----------
    X : array (N, d)
        Training set y_1..y_N.
    schedule : Schedule
        Forward process; default VE(0.01, 50).
    chunk_size : int
        Training points per streamed chunk.
    dtype, device
        Computation dtype (float64 by default: weights underflow in float32 at small noise)
        and device.
    rtol : float
        Covariance passes skip the (query, point) pairs with w_mu |y_mu - m|^2 < rtol v / N.
        The skipped part of C is positive semi-definite with trace below rtol v, so each
        normalised eigenvalue r = 1 - eig(C)/v moves by at most ``rtol`` (Weyl). 0 skips only
        pairs that contribute exactly nothing.
    """

    def __init__(
        self,
        X,
        schedule: Schedule | None = None,
        *,
        chunk_size: int = 4096,
        dtype: torch.dtype = torch.float64,
        device: str | torch.device = "cpu",
        rtol: float = 1e-12,
    ):
        X = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else X
        X = _validate.matrix("X (training set)", X)
        self.schedule = schedule if schedule is not None else VE()
        self.chunk_size = _validate.positive_int("chunk_size", chunk_size)
        if not (isinstance(rtol, int | float) and 0 <= rtol < 1):
            _validate.fail("rtol", "a number in [0, 1)", rtol)
        self.rtol = float(rtol)
        self.dtype, self.device = dtype, torch.device(device)
        with warnings.catch_warnings():  # a read-only memory map is shared, never written
            warnings.simplefilter("ignore", UserWarning)
            self.Y = torch.as_tensor(X, dtype=dtype, device=self.device)
        self.N, self.d = self.Y.shape
        # |y_mu|^2 chunk by chunk into one buffer: no (N, d) temporary, and no small results
        # kept between the freed chunk temporaries (which would fragment the heap to ~N d)
        self.y2 = torch.empty(self.N, dtype=dtype, device=self.device)
        for sl in self._chunks():
            torch.sum(self.Y[sl] ** 2, 1, out=self.y2[sl])

    def _prep(self, x, t):
        x = as_points(x, self.d, self.dtype, self.device)
        a, s = coefficients(self.schedule, t, x.shape[0], self.dtype, self.device)
        return x, a, s

    def _chunks(self):
        for start in range(0, self.N, self.chunk_size):
            yield slice(start, min(start + self.chunk_size, self.N))

    def _logits(self, x, a, s, sl):
        # -|x - a y|^2 / (2 s^2), expanded so that no (B, chunk, d) tensor is formed
        x2 = (x**2).sum(1, keepdim=True)
        cross = x @ self.Y[sl].T
        return -(x2 - 2 * a * cross + a**2 * self.y2[sl]) / (2 * s**2)

    def _lse_and_mean(self, x, a, s):
        # one streamed pass: online log-sum-exp and weighted mean (Milakov & Gimelshein 2018)
        B = x.shape[0]
        M = torch.full((B,), -math.inf, dtype=self.dtype, device=self.device)
        S = torch.zeros(B, dtype=self.dtype, device=self.device)
        A = torch.zeros(B, self.d, dtype=self.dtype, device=self.device)
        for sl in self._chunks():
            lg = self._logits(x, a, s, sl)
            M_new = torch.maximum(M, lg.max(1).values)
            scale = torch.exp(M - M_new)
            e = torch.exp(lg - M_new[:, None])
            S = S * scale + e.sum(1)
            A = A * scale[:, None] + e @ self.Y[sl]
            M = M_new
        return M + torch.log(S), A / S[:, None]

    def __call__(self, x, t) -> torch.Tensor:
        """(B, d) score s(x, t) = (alpha_t m(x) - x) / sigma_t^2."""
        x, a, s = self._prep(x, t)
        _, m = self._lse_and_mean(x, a, s)
        return (a * m - x) / s**2

    def denoiser(self, x, t) -> torch.Tensor:
        """(B, d) posterior mean m(x) = E[x_0 | x_t = x] under the empirical prior."""
        x, a, s = self._prep(x, t)
        return self._lse_and_mean(x, a, s)[1]

    def log_weights(self, x, t) -> torch.Tensor:
        """(B, N) log w_mu(x): logits written chunk by chunk, then one log-sum-exp."""
        x, a, s = self._prep(x, t)
        out = torch.empty(x.shape[0], self.N, dtype=self.dtype, device=self.device)
        for sl in self._chunks():
            out[:, sl] = self._logits(x, a, s, sl)
        return out - torch.logsumexp(out, 1, keepdim=True)

    def log_prob(self, x, t) -> torch.Tensor:
        """(B,) log p_t(x) = log (1/N) sum_mu N(x; alpha_t y_mu, sigma_t^2 I)."""
        x, a, s = self._prep(x, t)
        logZ, _ = self._lse_and_mean(x, a, s)
        return logZ - math.log(self.N) - 0.5 * self.d * torch.log(2 * math.pi * s[:, 0] ** 2)

    def effective_n(self, x, t) -> torch.Tensor:
        """(B,) effective number of points 1 / sum_mu w_mu^2 (N at large noise, 1 at collapse)."""
        lw = self.log_weights(x, t)
        return torch.exp(-torch.logsumexp(2 * lw, 1))

    def _kept_weights(self, x, a, s, logZ, m):
        # yields (slice, w (B, chunk)) with w = 0 for the pairs with w |y - m|^2 <= rtol v / N
        floor = self.rtol * (s / a) ** 2 / self.N  # (B, 1)
        m2 = (m**2).sum(1, keepdim=True)
        for sl in self._chunks():
            w = torch.exp(self._logits(x, a, s, sl) - logZ[:, None])
            dist2 = (self.y2[sl] - 2 * m @ self.Y[sl].T + m2).clamp_min(0)
            yield sl, torch.where(w * dist2 > floor, w, 0.0)

    def _weighted_rows(self, x, a, s, logZ, m):
        # yields sqrt(w) (y - m), shape (B, rows, d), over the rows that some query keeps
        budget = max(1, (1 << 25) // max(1, x.shape[0] * self.d))  # ~256 MB of float64
        for sl, w in self._kept_weights(x, a, s, logZ, m):
            keep = torch.nonzero(w.max(0).values > 0).flatten()
            for k in range(0, keep.numel(), budget):
                idx = keep[k : k + budget]
                Yc = self.Y[sl][idx]
                yield w[:, idx].sqrt()[:, :, None] * (Yc[None] - m[:, None, :])

    def posterior(self, x, t) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean m (B, d) and covariance C (B, d, d) of the training points."""
        x, a, s = self._prep(x, t)
        logZ, m = self._lse_and_mean(x, a, s)
        C = torch.zeros(x.shape[0], self.d, self.d, dtype=self.dtype, device=self.device)
        for Z in self._weighted_rows(x, a, s, logZ, m):
            C += Z.transpose(1, 2) @ Z
        return m, C

    def jacobian(self, x, t) -> torch.Tensor:
        """(B, d, d) closed-form J = (-I + (alpha_t^2 / sigma_t^2) C) / sigma_t^2 (symmetric)."""
        x, a, s = self._prep(x, t)
        _, C = self.posterior(x, t)
        eye = torch.eye(self.d, dtype=self.dtype, device=self.device)
        a3, s3 = a[:, :, None], s[:, :, None]
        return (-eye + (a3**2 / s3**2) * C) / s3**2

    def _low_rank_or_dense(self, x, a, s):
        # ("gram", Z (B, k, d)) when every query keeps fewer than d points: row b holds query b's
        # own k_b <= k kept points, zero-padded; else ("dense", C (B, d, d))
        logZ, m = self._lse_and_mean(x, a, s)
        B = x.shape[0]
        idx, wts = [[] for _ in range(B)], [[] for _ in range(B)]
        for sl, w in self._kept_weights(x, a, s, logZ, m):
            for b in range(B):  # kept as Python lists: no small tensors left between the
                j = torch.nonzero(w[b]).flatten()  # freed chunk temporaries (heap fragments)
                idx[b] += (j + sl.start).tolist()
                wts[b] += w[b, j].tolist()
            if max(len(ib) for ib in idx) >= self.d:
                C = torch.zeros(B, self.d, self.d, dtype=self.dtype, device=self.device)
                for Z in self._weighted_rows(x, a, s, logZ, m):
                    C += Z.transpose(1, 2) @ Z
                return "dense", C
        Z = torch.zeros(B, max(len(i) for i in idx), self.d, dtype=self.dtype, device=self.device)
        for b, ib in enumerate(idx):
            wb = torch.tensor(wts[b], dtype=self.dtype, device=self.device)
            Z[b, : len(ib)] = wb.sqrt()[:, None] * (self.Y[ib] - m[b])
        return "gram", Z

    def covariance_eigh(self, x, t, eigvecs: bool = False):
        """Eigenpairs of C(x), through the k x k Gram matrix of the k weighted, centred points
        when k < d (else the dense d x d route, same result).

        Returns a ``CovarianceEig``: eigenvalues (B, d) ascending (zeros for the d - k null
        directions), (B, d, d) orthonormal eigenvectors if ``eigvecs`` (null space completed by
        QR), and the route taken ("gram" or "dense").
        """
        x, a, s = self._prep(x, t)
        route, Z = self._low_rank_or_dense(x, a, s)
        if route == "dense":
            lam, vec = torch.linalg.eigh(Z)
            return CovarianceEig(lam.clamp_min(0), vec if eigvecs else None, route)
        k = Z.shape[1]
        if k == 0:  # no point contributes: C = 0
            eye = torch.eye(self.d, dtype=self.dtype, device=self.device)
            lam = torch.zeros(x.shape[0], self.d, dtype=self.dtype, device=self.device)
            return CovarianceEig(lam, eye.expand(x.shape[0], -1, -1) if eigvecs else None, route)
        lam_k, u = torch.linalg.eigh(Z @ Z.transpose(1, 2))  # (B, k), (B, k, k)
        lam_k = lam_k.clamp_min(0)
        zeros = torch.zeros(x.shape[0], self.d - k, dtype=self.dtype, device=self.device)
        if not eigvecs:
            return CovarianceEig(torch.cat([zeros, lam_k], 1), None, route)
        V = Z.transpose(1, 2) @ u  # (B, d, k), columns of norm sqrt(lam_k)
        lams, vecs = [], []
        for b in range(x.shape[0]):
            keep = lam_k[b] > lam_k[b].max() * self.d * torch.finfo(self.dtype).eps
            Vb = V[b][:, keep] / lam_k[b][keep].sqrt()
            n0 = self.d - Vb.shape[1]
            eye = torch.eye(self.d, dtype=self.dtype, device=self.device)
            # Householder QR of [Vb | I]: Q[:, :k'] = +-Vb re-orthonormalised (eigenvectors of
            # close small eigenvalues mix through the Gram route), Q[:, k':] spans null(C)
            Q, _ = torch.linalg.qr(torch.cat([Vb, eye], dim=1))
            vecs.append(torch.cat([Q[:, Vb.shape[1] :], Q[:, : Vb.shape[1]]], dim=1))
            lams.append(
                torch.cat([torch.zeros(n0, dtype=self.dtype, device=self.device), lam_k[b][keep]])
            )
        return CovarianceEig(torch.stack(lams), torch.stack(vecs), route)
