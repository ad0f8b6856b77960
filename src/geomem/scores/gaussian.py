"""Population score of a flat (unnormalised) linear manifold: a centred Gaussian.

x_0 ~ N(0, Sigma), Sigma = U diag(lambda) U^T, so p_t = N(0, alpha_t^2 Sigma + sigma_t^2 I) and
s(x) = -(alpha_t^2 Sigma + sigma_t^2 I)^{-1} x,  J = -(alpha_t^2 Sigma + sigma_t^2 I)^{-1}.
In VE form J = -(Sigma + v I)^{-1}: normalised eigenvalues v / (v + std_k^2) (docs/science.md §4).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from geomem import _validate
from geomem.data.manifolds import LinearManifold
from geomem.schedules import VE, Schedule
from geomem.scores.base import as_points, coefficients


class GaussianScore:
    """Exact score of N(0, U diag(variances) U^T) under a forward process.

    Parameters
    ----------
    basis : array (d, d)
        Orthonormal eigenvectors U of the covariance (columns).
    variances : array (d,)
        Covariance eigenvalues lambda_i >= 0 (variances, not stds).
    """

    def __init__(
        self,
        basis,
        variances,
        schedule: Schedule | None = None,
        *,
        dtype: torch.dtype = torch.float64,
        device: str | torch.device = "cpu",
    ):
        U = np.asarray(basis, dtype=np.float64)
        lam = np.asarray(variances, dtype=np.float64)
        if U.ndim != 2 or U.shape[0] != U.shape[1]:
            _validate.fail("basis", "a square (d, d) matrix", U)
        if lam.shape != (U.shape[0],) or np.any(lam < 0) or not np.all(np.isfinite(lam)):
            _validate.fail("variances", f"{U.shape[0]} finite values >= 0", lam)
        self.schedule = schedule if schedule is not None else VE()
        self.dtype, self.device = dtype, torch.device(device)
        self.U = torch.as_tensor(U, dtype=dtype, device=self.device)
        self.variances = torch.as_tensor(lam, dtype=dtype, device=self.device)
        self.d = U.shape[0]

    @classmethod
    def from_manifold(
        cls, manifold: LinearManifold, schedule: Schedule | None = None, **kw
    ) -> GaussianScore:
        """Population score of an unnormalised manifold (raises for sphere-normalised ones)."""
        if manifold.normalize:
            _validate.fail(
                "manifold",
                "an unnormalised manifold (the sphere-normalised one has "
                "no closed-form population score; use a large EmpiricalScore)",
                manifold.name,
            )
        return cls(manifold.basis(), manifold.direction_stds() ** 2, schedule, **kw)

    def _inverse_diag(self, x, t):
        x = as_points(x, self.d, self.dtype, self.device)
        a, s = coefficients(self.schedule, t, x.shape[0], self.dtype, self.device)
        return x, 1.0 / (a**2 * self.variances + s**2)  # (B, d) eigenvalues of the inverse

    def __call__(self, x, t) -> torch.Tensor:
        """(B, d) score -(alpha_t^2 Sigma + sigma_t^2 I)^{-1} x."""
        x, inv = self._inverse_diag(x, t)
        return -((x @ self.U) * inv) @ self.U.T

    def jacobian(self, x, t) -> torch.Tensor:
        """(B, d, d) Jacobian -(alpha_t^2 Sigma + sigma_t^2 I)^{-1}, the same at every x."""
        _, inv = self._inverse_diag(x, t)
        return -torch.einsum("ij,bj,kj->bik", self.U, inv, self.U)

    def log_prob(self, x, t) -> torch.Tensor:
        """(B,) log N(x; 0, alpha_t^2 Sigma + sigma_t^2 I)."""
        x, inv = self._inverse_diag(x, t)
        quad = ((x @ self.U) ** 2 * inv).sum(1)
        return -0.5 * (quad - torch.log(inv).sum(1) + self.d * math.log(2 * math.pi))
