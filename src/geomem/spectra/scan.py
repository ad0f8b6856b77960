"""Spectra of one score over a grid of noise levels at a fixed query set."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from geomem import _validate
from geomem.data.queries import QueryPoints
from geomem.scores.base import Score
from geomem.spectra.dimension import subspace_dimension, threshold_dimension
from geomem.spectra.jacobian import jacobian_spectrum


@dataclass(frozen=True)
class NoiseScan:
    """Spectra over L noise levels at B query points in R^d."""

    noise_var: np.ndarray  # (L,) v = sigma_t^2 / alpha_t^2
    t: np.ndarray  # (L,) the schedule's own time
    spectra: np.ndarray  # (L, B, d) ascending normalised eigenvalues
    dimension: np.ndarray  # (L, B) threshold rule
    points: np.ndarray  # (L, B, d) the query points actually used
    method: str
    threshold: float
    subspace_dimension: np.ndarray | None = None  # (L, B, K) when block bases are known

    def to_json(self) -> dict:
        """JSON-ready dict (lists); points are saved separately as .npy."""
        out = {
            "d": int(self.spectra.shape[2]),
            "n_points": int(self.spectra.shape[1]),
            "noise_var": self.noise_var.tolist(),
            "t": self.t.tolist(),
            "method": self.method,
            "threshold": self.threshold,
            "spectra": self.spectra.tolist(),
            "dimension": self.dimension.tolist(),
        }
        if self.subspace_dimension is not None:
            out["subspace_dimension"] = self.subspace_dimension.tolist()
        return out


def scan_noise(
    score: Score,
    queries: QueryPoints,
    noise_vars,
    *,
    bases: list[np.ndarray] | None = None,
    method: str = "auto",
    threshold: float = 0.5,
    progress: bool = False,
    desc: str = "noise levels",
) -> NoiseScan:
    """Measure normalised spectra of ``score`` at each noise variance in ``noise_vars``.

    Query points at level v are ``queries.at(v, alpha_t)``; the threshold rule gives the
    dimension and, when ``bases`` (list of (d, m_k)) is given, the per-subspace counts.
    """
    noise_vars = np.asarray(_validate.positive_list("noise_var", list(noise_vars)))
    sched = score.schedule
    ts, spectra, dims, sub, pts = [], [], [], [], []
    for v in tqdm(noise_vars, desc=desc, disable=not progress, leave=False):
        t = float(sched.t_of_noise_var(float(v)))
        x = queries.at(float(v), float(sched.alpha(t)))
        sp = jacobian_spectrum(score, x, t, method=method, eigvecs=bases is not None)
        ts.append(t)
        spectra.append(sp.eigvals)
        dims.append(threshold_dimension(sp, threshold))
        pts.append(x)
        if bases is not None:
            sub.append(subspace_dimension(sp, bases, threshold))
    return NoiseScan(
        noise_vars,
        np.asarray(ts),
        np.stack(spectra),
        np.stack(dims),
        np.stack(pts),
        sp.method,
        threshold,
        np.stack(sub) if sub else None,
    )
