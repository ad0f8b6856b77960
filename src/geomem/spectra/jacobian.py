"""Jacobians of scores and their normalised spectra (docs/science.md §5).

Routes: ``closed-form`` (the score's own ``jacobian``), ``gram`` (k x k Gram matrix of the
weighted training points, for EmpiricalScore), ``autodiff`` (torch.func, any Score).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import jacrev, vmap

from geomem import _validate
from geomem.scores.base import HasGram, HasJacobian, Score
from geomem.spectra.spectrum import Spectrum

METHODS = ("auto", "closed-form", "gram", "autodiff")


def autodiff_jacobian(
    score: Score, x: torch.Tensor, t, *, point_chunk: int = 16, row_chunk: int | None = None
) -> torch.Tensor:
    """(B, d, d) Jacobian ds/dx by ``torch.func.jacrev`` under ``vmap``, ``point_chunk`` points
    and ``row_chunk`` rows of J (None: all d) per vectorised pass, so memory stays bounded.

    t is a float (one time for every point); a score with ``at_time(t)`` (NetworkScore) gives
    its fixed-time function, computed once. Network parameters get no graph.
    """
    g = score.at_time(t) if hasattr(score, "at_time") else (lambda z: score(z, t))

    def one(xi):
        return g(xi[None])[0]

    jac = vmap(jacrev(one, chunk_size=row_chunk))
    with torch.no_grad():
        return torch.cat([jac(x[i : i + point_chunk]) for i in range(0, len(x), point_chunk)])


def normalized_jacobian(J: torch.Tensor, sigma_t: float) -> torch.Tensor:
    """-sigma_t^2 J = -v J_VE, whose eigenvalues are the normalised spectrum r."""
    return -(sigma_t**2) * J


def _check_points(x, d: int) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(np.asarray(x, dtype=np.float64))
    if x.ndim != 2 or x.shape[1] != d:
        _validate.fail("x (query points)", f"shape (B, {d})", tuple(x.shape))
    if not torch.all(torch.isfinite(x)):
        _validate.fail("x (query points)", "finite values", "NaN/inf entries")
    return x


def _time(score: Score, t) -> tuple[float, float, float]:
    t = float(t)
    sigma = float(score.schedule.sigma(t))
    alpha = float(score.schedule.alpha(t))
    if not (sigma > 0 and np.isfinite(sigma)):
        _validate.fail("t", "a time with 0 < sigma_t < inf", t)
    return t, sigma, (sigma / alpha) ** 2


def jacobian_spectrum(
    score: Score,
    x,
    t,
    *,
    method: str = "auto",
    eigvecs: bool = False,
    kind: str = "eig-sym",
    point_chunk: int = 16,
    row_chunk: int | None = None,
) -> Spectrum:
    """Normalised Jacobian spectrum of ``score`` at query points ``x`` (B, d) and time ``t``.

    r = eig(-v J_VE) = eig(-sigma_t^2 J), ascending, float64. ``method="auto"`` takes the Gram
    route when the score has one (EmpiricalScore: exact, falls back to the dense d x d matrix
    when k >= d points carry weight), else the closed form when the score has one, else
    autodiff. For a non-symmetric J (networks) the
    symmetric part is used (``kind="eig-sym"``) and ||J - J^T|| / ||J|| is recorded, or the
    singular values of sigma_t^2 J are returned (``kind="singular"``). ``point_chunk`` and
    ``row_chunk`` bound the memory of the autodiff route (see ``autodiff_jacobian``).
    """
    if method not in METHODS:
        _validate.fail("method", f"one of {list(METHODS)}", method)
    if kind not in ("eig-sym", "singular"):
        _validate.fail("kind", "'eig-sym' or 'singular'", kind)
    x = _check_points(x, score.d)
    t, sigma, v = _time(score, t)
    if method == "auto":  # Gram route first: it falls back to the dense one when k >= d
        method = (
            "gram"
            if isinstance(score, HasGram)
            else "closed-form"
            if isinstance(score, HasJacobian)
            else "autodiff"
        )
    if method == "gram":
        return _gram_spectrum(score, x, t, v, eigvecs)
    if method == "closed-form" and not isinstance(score, HasJacobian):
        _validate.fail("method", "'autodiff' for a score without a closed-form Jacobian", method)
    J = (
        score.jacobian(x, t)
        if method == "closed-form"
        else autodiff_jacobian(score, x, t, point_chunk=point_chunk, row_chunk=row_chunk)
    )
    M = normalized_jacobian(J.to(torch.float64), sigma)
    return spectrum_of_matrix(M, v, method, kind=kind, eigvecs=eigvecs)


def spectrum_of_matrix(
    M: torch.Tensor, noise_var: float, method: str, *, kind: str = "eig-sym", eigvecs: bool = False
) -> Spectrum:
    """Spectrum of normalised matrices M = -sigma_t^2 J, shape (B, d, d)."""
    norm = torch.linalg.matrix_norm(M).clamp_min(torch.finfo(M.dtype).tiny)
    asym = (torch.linalg.matrix_norm(M - M.transpose(1, 2)) / norm).cpu().numpy()
    if kind == "singular":
        U, S, _ = torch.linalg.svd(M)
        vals, vecs = S.flip(-1), U.flip(-1)
    else:
        vals, vecs = torch.linalg.eigh(0.5 * (M + M.transpose(1, 2)))
    return Spectrum(
        vals.cpu().numpy(), noise_var, method, kind, vecs.cpu().numpy() if eigvecs else None, asym
    )


def _gram_spectrum(score, x, t, v, eigvecs) -> Spectrum:
    if not isinstance(score, HasGram):
        _validate.fail(
            "method",
            "'gram' only for scores with a Gram route (EmpiricalScore)",
            type(score).__name__,
        )
    lam, vec, route = score.covariance_eigh(x, t, eigvecs=eigvecs)
    r = (1.0 - lam / v).flip(-1)  # r = 1 - eig(C) / v, made ascending
    vec = None if vec is None else vec.flip(-1).cpu().numpy()
    route = "gram" if route == "gram" else "closed-form"
    return Spectrum(r.cpu().numpy().astype(np.float64), v, route, "eig-sym", vec, None)
