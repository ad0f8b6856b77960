"""Matrix-free spectra: LOBPCG (default) or Lanczos (ARPACK ``eigsh``) on Jacobian-vector
products.

Only the low end of r = eig(sym(-sigma_t^2 J)) decides the threshold dimension #{r_i < 1/2}:
its k smallest eigenvalues are found from products V -> sym(M) V, M = -sigma_t^2 J, computed
with ``torch.func.vjp`` (J^T V, and J V by double backward) on blocks of vectors,
without forming J. k doubles until some eigenvalue reaches the threshold (or k exceeds
d / 5, where the dense route is used).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigsh, lobpcg
from torch.func import vjp

from geomem import _validate
from geomem.scores.base import Score
from geomem.spectra.jacobian import _check_points, _time, jacobian_spectrum
from geomem.spectra.spectrum import Spectrum


def sym_operator(score: Score, x: torch.Tensor, t: float, sigma: float) -> LinearOperator:
    """(d, d) LinearOperator U -> sym(-sigma_t^2 J(x)) U at one point x (d,), float64.

    Scores act row by row (the batch-consistency of the Score contract), so for a block U
    (k, d) one reverse-mode call on x repeated k times gives the rows J^T u_i, and the
    reverse mode of that linear map (double backward) the rows J u_i; both maps are built
    once per block size and reused (cheaper than ``torch.func.jvp`` here). J is never formed.
    """
    g = score.at_time(t) if hasattr(score, "at_time") else (lambda z: score(z, t))
    x = x.detach()
    cache = {}

    def matmat(U):  # U (d, k) -> sym(M) U (d, k)
        U = torch.as_tensor(np.asarray(U).T, dtype=x.dtype, device=x.device).contiguous()
        k = U.shape[0]
        if k not in cache:
            cache.clear()
            vjp_fn = vjp(g, x.expand(k, -1).contiguous())[1]
            jvp_fn = vjp(lambda w: vjp_fn(w)[0], torch.zeros_like(U))[1]  # (J^T)^T = J
            cache[k] = (vjp_fn, jvp_fn)
        JTU, JU = cache[k][0](U)[0], cache[k][1](U)[0]
        return (-(sigma**2) * 0.5 * (JU + JTU)).detach().T.cpu().double().numpy()

    def matvec(u):
        return matmat(np.asarray(u).reshape(-1, 1))[:, 0]

    d = x.shape[0]
    return LinearOperator((d, d), matvec=matvec, rmatvec=matvec, matmat=matmat, dtype=np.float64)


def _smallest(
    op: LinearOperator, k: int, rng: np.random.Generator, tol: float, solver: str
) -> np.ndarray:
    d = op.shape[0]
    if solver == "arpack":
        v0 = rng.standard_normal(d)
        return np.sort(eigsh(op, k=k, which="SA", v0=v0, tol=tol, return_eigenvectors=False))
    X0 = rng.standard_normal((d, k))
    vals = lobpcg(op, X0, largest=False, tol=tol, maxiter=500)[0]
    return np.sort(vals)


def lanczos_spectrum(
    score: Score,
    x,
    t,
    *,
    k: int = 16,
    threshold: float = 0.5,
    tol: float = 1e-6,
    solver: str = "lobpcg",
    rng: np.random.Generator | None = None,
) -> Spectrum:
    """The k' smallest normalised eigenvalues (B, k') at points x (B, d), k' >= k chosen so that
    every point has an eigenvalue >= ``threshold`` (so the threshold dimension is exact).

    ``solver``: "lobpcg" (blocks of JVPs, default) or "arpack" (Lanczos, one JVP at a time).
    Falls back to the dense exact route when k' would exceed d / 5.
    """
    x = _check_points(x, score.d)
    t, sigma, v = _time(score, t)
    d = score.d
    if solver not in ("lobpcg", "arpack"):
        _validate.fail("solver", "'lobpcg' or 'arpack'", solver)
    k = _validate.positive_int("k", k)
    rng = rng if rng is not None else np.random.default_rng(0)
    x = torch.as_tensor(x, dtype=getattr(score, "dtype", torch.float64))
    ops = [sym_operator(score, xi, t, sigma) for xi in x]
    while 5 * k <= d:
        vals = np.stack([_smallest(op, k, rng, tol, solver) for op in ops])
        if np.all(vals.max(axis=1) >= threshold):
            return Spectrum(vals, v, "lanczos", "eig-sym")
        k = 2 * k
    return jacobian_spectrum(score, x, t, method="autodiff")
