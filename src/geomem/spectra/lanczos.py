"""Matrix-free spectra: Lanczos (ARPACK ``eigsh``) on Jacobian-vector products.

Only the low end of r = eig(sym(-sigma_t^2 J)) decides the threshold dimension #{r_i < 1/2}:
its k smallest eigenvalues are found from products v -> sym(M) v, M = -sigma_t^2 J, computed
with ``torch.func.jvp`` (J v) and ``torch.func.vjp`` (J^T v), without forming J. k doubles
until some eigenvalue reaches the threshold (or k reaches d, where the dense route is used).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigsh
from torch.func import jvp, vjp

from geomem import _validate
from geomem.scores.base import Score
from geomem.spectra.jacobian import _check_points, _time
from geomem.spectra.network import exact_spectrum
from geomem.spectra.spectrum import Spectrum


def sym_operator(score: Score, x: torch.Tensor, t: float, sigma: float) -> LinearOperator:
    """(d, d) LinearOperator u -> sym(-sigma_t^2 J(x)) u at one point x (d,), float64."""
    def f(z):
        return score(z[None], t)[0]

    x = x.detach()
    _, vjp_fn = vjp(f, x)
    dtype = x.dtype

    def matvec(u):
        u = torch.as_tensor(np.asarray(u).reshape(-1), dtype=dtype, device=x.device)
        with torch.no_grad():
            Ju = jvp(f, (x,), (u,))[1]
        JTu = vjp_fn(u)[0]
        return (-(sigma**2) * 0.5 * (Ju + JTu)).detach().cpu().double().numpy()

    d = x.shape[0]
    return LinearOperator((d, d), matvec=matvec, rmatvec=matvec, dtype=np.float64)


def _smallest(op: LinearOperator, k: int, rng: np.random.Generator, tol: float) -> np.ndarray:
    v0 = rng.standard_normal(op.shape[0])
    return np.sort(eigsh(op, k=k, which="SA", v0=v0, tol=tol, return_eigenvectors=False))


def lanczos_spectrum(score: Score, x, t, *, k: int = 16, threshold: float = 0.5,
                     tol: float = 1e-8, rng: np.random.Generator | None = None) -> Spectrum:
    """The k' smallest normalised eigenvalues (B, k') at points x (B, d), k' >= k chosen so that
    every point has an eigenvalue >= ``threshold`` (so the threshold dimension is exact).

    Falls back to the dense exact route when k' would reach d - 1.
    """
    x = _check_points(x, score.d)
    t, sigma, v = _time(score, t)
    d = score.d
    k = min(_validate.positive_int("k", k), d - 2)
    rng = rng if rng is not None else np.random.default_rng(0)
    x = torch.as_tensor(x, dtype=getattr(score, "dtype", torch.float64))
    ops = [sym_operator(score, xi, t, sigma) for xi in x]
    while k < d - 1:
        vals = np.stack([_smallest(op, k, rng, tol) for op in ops])
        if np.all(vals.max(axis=1) >= threshold):
            return Spectrum(vals, v, "lanczos", "eig-sym")
        k = 2 * k
    return exact_spectrum(score, x, t)
