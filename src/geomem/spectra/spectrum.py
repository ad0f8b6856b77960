"""The Spectrum object: normalised Jacobian spectra at one noise level (docs/science.md §5)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spectrum:
    """Normalised spectra r = eig(-v J_VE) = eig(-sigma_t^2 J) of B query points.

    Normal directions sit at r ~ 1, tangent ones below. ``kind`` says what r holds:
    "eig-sym" (eigenvalues of the symmetric part, signed) or "singular" (singular values of
    sigma_t^2 J, >= 0).
    """

    eigvals: np.ndarray  # (B, d) ascending
    noise_var: float  # v = sigma_t^2 / alpha_t^2
    method: str  # closed-form | gram | autodiff | probes | lanczos
    kind: str = "eig-sym"  # eig-sym | singular
    eigvecs: np.ndarray | None = None  # (B, d, d), column i belongs to eigvals[:, i]
    asymmetry: np.ndarray | None = None  # (B,) ||J - J^T|| / ||J|| (networks); None if exact

    def __post_init__(self):
        if self.eigvals.ndim != 2:
            raise ValueError(f"eigvals: expected shape (B, d), got {self.eigvals.shape}")

    @property
    def d(self) -> int:
        return self.eigvals.shape[1]

    @property
    def n_points(self) -> int:
        return self.eigvals.shape[0]

    def block_matrices(self, bases: list[np.ndarray]) -> list[np.ndarray]:
        """U_k^T (-v J) U_k for each (d, m_k) basis: list of (B, m_k, m_k) arrays."""
        if self.eigvecs is None:
            raise ValueError(
                "eigvecs: expected a spectrum computed with eigvecs=True for "
                "per-subspace accounting, got None"
            )
        out = []
        for U in bases:
            P = np.einsum("dm,bdi->bmi", U, self.eigvecs)  # U_k^T V
            out.append(np.einsum("bmi,bi,bni->bmn", P, self.eigvals, P))
        return out
