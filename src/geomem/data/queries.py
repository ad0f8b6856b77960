"""Query points at which spectra are measured (docs/science.md §7.1).

A query set is base points x0 (B, d) plus fixed standard-normal draws z (B, d). At a noise
level it gives x = alpha_t (x0 + s z) with s = sqrt(noise_var) ("matched": the forward process
of x0 at that level, the same z at every level), s = 0 ("none") or a fixed VE-units std.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geomem import _validate
from geomem.data.files import load_array
from geomem.data.manifolds import LinearManifold

KINDS = ("train", "fresh", "origin", "file", "samples")


@dataclass(frozen=True)
class QueryPoints:
    """Base points and the fixed noise draws that place them at any noise level."""

    x0: np.ndarray  # (B, d) base points
    z: np.ndarray  # (B, d) standard normal draws, fixed across noise levels
    kind: str  # train | fresh | origin | file | samples
    noise: str | float = "matched"  # "matched", "none", or a fixed std in VE units

    def at(self, noise_var: float, alpha_t: float = 1.0) -> np.ndarray:
        """(B, d) query points x = alpha_t (x0 + s z) at noise variance ``noise_var``."""
        if self.noise == "matched":
            s = float(np.sqrt(noise_var))
        elif self.noise == "none":
            s = 0.0
        else:
            s = float(self.noise)
        return alpha_t * (self.x0 + s * self.z)


def _noise(noise: str | float) -> str | float:
    if noise in ("matched", "none"):
        return noise
    try:
        value = float(noise)
    except (TypeError, ValueError):
        _validate.fail("point_noise", "'matched', 'none' or a number >= 0", noise)
    if not np.isfinite(value) or value < 0:
        _validate.fail("point_noise", "'matched', 'none' or a number >= 0", noise)
    return value


def query_points(
    kind: str,
    n_points: int,
    rng: np.random.Generator,
    *,
    X_train: np.ndarray | None = None,
    manifold: LinearManifold | None = None,
    path: str | Path | None = None,
    noise: str | float | None = None,
    d: int | None = None,
) -> QueryPoints:
    """Build a query set.

    Parameters
    ----------
    kind : {"train", "fresh", "origin", "file", "samples"}
        Training points (``min(n_points, N)`` rows drawn without replacement), fresh manifold
        samples, the origin (one point), points from a .npy/.npz file, or generated samples
        (from a file, like "file").
    n_points : int
        Number B of points (ignored for "origin", "file" and "samples").
    rng : numpy.random.Generator
        Source of the row choice, fresh samples and noise draws z.
    noise : "matched" | "none" | float, optional
        Default "matched" for train/fresh, "none" for origin/file/samples.
    """
    if kind not in KINDS:
        _validate.fail("points", f"one of {list(KINDS)} (or a .npy file)", kind)
    _validate.positive_int("n_points", n_points)
    if kind == "train":
        if X_train is None:
            _validate.fail("points", "training data for points='train'", None)
        idx = rng.choice(len(X_train), size=min(n_points, len(X_train)), replace=False)
        x0 = np.asarray(X_train, dtype=np.float64)[np.sort(idx)]
    elif kind == "fresh":
        if manifold is None:
            _validate.fail("points", "a manifold (preset) for points='fresh'", None)
        x0 = manifold.sample(n_points, rng)
    elif kind == "origin":
        if d is None:
            _validate.fail("d", "the ambient dimension for points='origin'", None)
        x0 = np.zeros((1, d))
    else:
        if path is None:
            _validate.fail("points", f"a file path for points='{kind}'", None)
        x0 = load_array(path, name="points", d=d)
    default = "matched" if kind in ("train", "fresh") else "none"
    z = rng.standard_normal(x0.shape)
    return QueryPoints(x0, z, kind, _noise(default if noise is None else noise))
