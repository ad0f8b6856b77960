"""Exact score of a finite training set (docs/science.md §4): what a perfectly trained model on N
points converges to.

w_mu(x) = softmax_mu(-|x - alpha_t y_mu|^2 / (2 sigma_t^2)),  m(x) = sum_mu w_mu y_mu,
s(x) = (alpha_t m - x) / sigma_t^2,  J(x) = (-I + (alpha_t^2/sigma_t^2) C(x)) / sigma_t^2,
C(x) = sum_mu w_mu (y_mu - m)(y_mu - m)^T.

Weights stay in the log domain, and the training set is streamed in chunks (online
log-sum-exp), so memory does not grow with N; the covariance routes hold the B x N weights of
a call at once when they are small (B N <= 2^22 or N <= chunk_size: ``geomem.scores.onepass``,
one logits GEMM per call).
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import torch

from geomem import _validate
from geomem.schedules import VE, Schedule
from geomem.scores import moments, onepass
from geomem.scores.base import as_points, coefficients
from geomem.scores.rows import own_rows
from geomem.scores.weights import exp_shifted_, logits_


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
        Training points per streamed chunk (the covariance routes stream only when B N > 2^22
        for B queries and N > chunk_size).
    dtype, device
        Computation dtype (float64 by default: weights underflow in float32 at small noise)
        and device.
    rtol : float
        Covariance passes skip the (query, point) pairs with w_mu |y_mu - m|^2 < rtol v / N.
        The skipped part of C is positive semi-definite with trace below rtol v, so each
        normalised eigenvalue r = 1 - eig(C)/v moves by at most ``rtol`` (Weyl). 0 skips only
        pairs that contribute exactly nothing.
    moments : bool
        At d <= 64, form C from second moments about the training mean in one GEMM per chunk
        (``geomem.scores.moments``) wherever its rounding estimate is within ``rtol``; False:
        always the centred route.
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
        moments: bool = True,
    ):
        X = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else X
        X = _validate.matrix("X (training set)", X)
        self.schedule = schedule if schedule is not None else VE()
        self.chunk_size = _validate.positive_int("chunk_size", chunk_size)
        if not (isinstance(rtol, int | float) and 0 <= rtol < 1):
            _validate.fail("rtol", "a number in [0, 1)", rtol)
        self.rtol = float(rtol)
        self.moments = bool(moments)
        self._moment_cache = None  # (c, |y - c|^2, Phi^T or None), geomem.scores.moments
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
        # -|x - a y|^2 / (2 s^2) = -(|x|^2 - 2 a x.y + a^2 |y|^2) / (2 s^2), no (B, chunk, d)
        # tensor; in place on the GEMM's output, rounding as the expression written out
        # (x - 2ay = x + (-2a)y, -u / v = u / -v exactly): the committed numbers depend on it
        return logits_(x @ self.Y[sl].T, x, a, s, self.y2[sl])

    def _lse_and_mean(self, x, a, s, q=None):
        # one streamed pass: online log-sum-exp and weighted mean (Milakov & Gimelshein 2018);
        # with q (N,), also the weighted mean sum_mu w_mu q_mu (B,)
        B = x.shape[0]
        Aq = None if q is None else torch.zeros(B, dtype=self.dtype, device=self.device)
        M = torch.full((B,), -math.inf, dtype=self.dtype, device=self.device)
        S = torch.zeros(B, dtype=self.dtype, device=self.device)
        A = torch.zeros(B, self.d, dtype=self.dtype, device=self.device)
        for sl in self._chunks():
            lg = self._logits(x, a, s, sl)
            M_new = torch.maximum(M, lg.max(1).values)
            scale = torch.exp(M - M_new)
            e = exp_shifted_(lg.sub_(M_new[:, None]))
            S = S * scale + e.sum(1)
            A = A * scale[:, None] + e @ self.Y[sl]
            if q is not None:
                Aq = Aq * scale + e @ q[sl]
            M = M_new
        if q is not None:
            return M + torch.log(S), A / S[:, None], Aq / S
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
        """Yields (slice, w (B, chunk)) per chunk, w = 0 for the pairs with w |y - m|^2 <=
        rtol v / N; one GEMM [x; m] Y^T (2B, chunk) gives the logits and |y - m|^2."""
        floor = self.rtol * (s / a) ** 2 / self.N  # (B, 1)
        m2 = (m**2).sum(1, keepdim=True)
        xm, B = torch.cat([x, m]), x.shape[0]
        for sl in self._chunks():
            y2 = self.y2[sl]
            G = xm @ self.Y[sl].T  # (2B, n)
            lg = logits_(G[:B], x, a, s, y2)  # as _logits
            w = exp_shifted_(lg.sub_(logZ[:, None]))
            dist2 = (y2 - 2 * G[B:] + m2).clamp_min_(0)
            del G, lg
            yield sl, w.masked_fill_(w * dist2 <= floor, 0.0)

    def _covariance_pass(self, x, a, s, logZ, m, gram: bool):
        """One streamed pass: ("gram", Z (B, k, d)) while every query keeps < d points and
        ``gram``, row b holding query b's own k_b <= k rows sqrt(w)(y - m) (ascending index,
        zero-padded); else ("dense", C (B, d, d)). Per chunk, one GEMM [x; m] Y^T gives the
        weights w (B, chunk) and the kept mask w |y - m|^2 > rtol v / N, computed once."""
        B, d = x.shape[0], self.d
        buf = torch.zeros(B, d, d, dtype=self.dtype, device=self.device)  # Gram rows, or C
        count = torch.zeros(B, dtype=torch.int64, device=self.device) if gram else None
        budget = max(1, (1 << 25) // max(1, B * d))  # (B, budget, d) rows: ~256 MB of float64
        space = [torch.empty(0, dtype=self.dtype, device=self.device)]  # Z, reused
        for sl, w in self._kept_weights(x, a, s, logZ, m):
            Yc = self.Y[sl]
            for c in range(0, w.shape[1], budget):
                wc, Yb = w[:, c : c + budget], Yc[c : c + budget]
                if count is not None and int((count + (wc > 0).sum(1)).max()) >= d:
                    k = int(count.max())  # some query keeps >= d points: switch to dense
                    G0 = buf[:, :k]
                    buf = torch.bmm(G0.transpose(1, 2), G0) if k else buf.zero_()
                    count = None
                Z, cnt = own_rows(wc, Yb, m, count is None, space)
                if Z is None:
                    continue
                if count is None:
                    buf.baddbmm_(Z.transpose(1, 2), Z)
                else:  # append query b's rows at buf[b, count_b:]
                    j = torch.arange(Z.shape[1], device=self.device)
                    bi, ji = torch.nonzero(j < cnt[:, None], as_tuple=True)
                    buf[bi, count[bi] + ji] = Z[bi, ji]
                    count += cnt
        if count is None:
            return "dense", buf
        return "gram", buf[:, : int(count.max())].clone()

    def posterior(self, x, t) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean m (B, d) and covariance C (B, d, d) of the training points."""
        x, a, s = self._prep(x, t)
        if onepass.fits(self, x.shape[0]):  # all B x N weights held: one logits GEMM
            _, m, _, C = onepass.covariance(self, x, a, s, gram=False, symmetric=True)
            return m, C
        logZ, m, C = moments.route(self, x, a, s, symmetric=True)
        if C is not None:
            return m, C
        if logZ is None:
            logZ, m = self._lse_and_mean(x, a, s)
        return m, self._covariance_pass(x, a, s, logZ, m, gram=False)[1]

    def jacobian(self, x, t) -> torch.Tensor:
        """(B, d, d) closed-form J = (-I + (alpha_t^2 / sigma_t^2) C) / sigma_t^2 (symmetric)."""
        _, C = self.posterior(x, t)
        x, a, s = self._prep(x, t)
        eye = torch.eye(self.d, dtype=self.dtype, device=self.device)
        a3, s3 = a[:, :, None], s[:, :, None]
        return (-eye + (a3**2 / s3**2) * C) / s3**2

    def _low_rank_or_dense(self, x, a, s):
        # ("gram", Z (B, k, d)) when every query keeps fewer than d points, else ("dense", C);
        # ("dense", lower triangle of C) from the moment route where it is taken
        if onepass.fits(self, x.shape[0]):  # all B x N weights held: one logits GEMM
            return onepass.covariance(self, x, a, s, gram=True, symmetric=False)[2:]
        logZ, m, C = moments.route(self, x, a, s, symmetric=False)
        if C is not None:
            return "dense", C
        if logZ is None:
            logZ, m = self._lse_and_mean(x, a, s)
        return self._covariance_pass(x, a, s, logZ, m, gram=True)

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
            if not eigvecs:  # the lower triangle is read (the moment route fills only it)
                return CovarianceEig(torch.linalg.eigvalsh(Z, UPLO="L").clamp_min(0), None, route)
            lam, vec = torch.linalg.eigh(Z, UPLO="L")
            return CovarianceEig(lam.clamp_min(0), vec, route)
        k = Z.shape[1]
        if k == 0:  # no point contributes: C = 0
            eye = torch.eye(self.d, dtype=self.dtype, device=self.device)
            lam = torch.zeros(x.shape[0], self.d, dtype=self.dtype, device=self.device)
            return CovarianceEig(lam, eye.expand(x.shape[0], -1, -1) if eigvecs else None, route)
        zeros = torch.zeros(x.shape[0], self.d - k, dtype=self.dtype, device=self.device)
        if not eigvecs:
            lam_k = torch.linalg.eigvalsh(Z @ Z.transpose(1, 2)).clamp_min(0)
            return CovarianceEig(torch.cat([zeros, lam_k], 1), None, route)
        lam_k, u = torch.linalg.eigh(Z @ Z.transpose(1, 2))  # (B, k), (B, k, k)
        lam_k = lam_k.clamp_min(0)
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
