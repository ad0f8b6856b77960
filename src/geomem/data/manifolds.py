"""Linear manifolds: orthogonal Gaussian subspace blocks embedded in R^d (docs/science.md §3).

x = sum_k U_k (std_k g_k), g_k ~ N(0, I_{m_k}); an optional thickness block fills the remaining
directions with a small std; an optional normalisation puts each sample on the unit sphere.
Block scales are **standard deviations** everywhere in this module; ``Block.from_variance``
and ``LinearManifold.from_variances`` take variances and convert (std = sqrt(variance)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from geomem import _validate


@dataclass(frozen=True)
class Block:
    """One subspace block: ``dim`` directions of standard deviation ``std``."""

    dim: int  # number of directions m_k
    std: float  # standard deviation along each direction (not the variance)

    def __post_init__(self):
        _validate.positive_int("block dim", self.dim)
        _validate.positive("block std", self.std)

    @classmethod
    def from_variance(cls, dim: int, variance: float) -> Block:
        """Block whose directions have variance ``variance`` (std = sqrt(variance))."""
        return cls(dim, math.sqrt(_validate.positive("block variance", variance)))

    @property
    def variance(self) -> float:
        return self.std**2

    def label(self) -> str:
        return f"{self.dim} dir. std {self.std:g}"


@dataclass(frozen=True)
class LinearManifold:
    """Orthogonal Gaussian blocks in R^d; the data distribution of the paper's synthetic runs.

    Blocks take the first sum(m_k) columns of the basis, in order; the thickness block (if
    ``thickness`` is not None) takes the remaining ``d - sum(m_k)`` columns.
    """

    d: int  # ambient dimension
    blocks: tuple[Block, ...]  # the tangent blocks, in basis order
    thickness: float | None = 0.01  # std of the remaining directions; None: exactly flat
    embedding: Literal["axis", "haar"] = "axis"  # identity columns or a Haar-random rotation
    normalize: bool = False  # divide each sample by its norm (the paper's preset does)
    basis_seed: int = 0  # seed of the Haar rotation (ignored for "axis")
    name: str = field(default="custom", compare=False)

    def __post_init__(self):
        _validate.positive_int("d", self.d)
        if not self.blocks:
            _validate.fail("blocks", "at least one block", self.blocks)
        m = sum(b.dim for b in self.blocks)
        if m > self.d:
            _validate.fail("blocks", f"dimensions summing to at most d = {self.d}", m)
        if self.thickness is not None:
            _validate.positive("thickness", self.thickness)
        if self.embedding not in ("axis", "haar"):
            _validate.fail("embedding", "'axis' or 'haar'", self.embedding)

    @classmethod
    def from_stds(cls, d: int, dims, stds, **kw) -> LinearManifold:
        """Manifold with blocks of dimensions ``dims`` and standard deviations ``stds``."""
        dims, stds = list(dims), list(stds)
        if len(dims) != len(stds):
            _validate.fail("dims", f"one entry per std ({len(stds)})", dims)
        return cls(d, tuple(Block(m, s) for m, s in zip(dims, stds, strict=True)), **kw)

    @classmethod
    def from_variances(cls, d: int, dims, variances, **kw) -> LinearManifold:
        """Manifold with blocks of dimensions ``dims`` and **variances** ``variances``."""
        return cls.from_stds(
            d, dims, [math.sqrt(_validate.positive("variance", v)) for v in variances], **kw
        )

    @property
    def m(self) -> int:
        """Total tangent dimension sum_k m_k (thickness excluded)."""
        return sum(b.dim for b in self.blocks)

    @property
    def all_blocks(self) -> tuple[Block, ...]:
        """Tangent blocks plus the thickness block (if any, and if d > m)."""
        if self.thickness is None or self.d == self.m:
            return self.blocks
        return (*self.blocks, Block(self.d - self.m, self.thickness))

    def block_labels(self) -> list[str]:
        labels = [b.label() for b in self.blocks]
        if len(self.all_blocks) > len(self.blocks):
            labels.append("thickness " + self.all_blocks[-1].label())
        return labels

    def basis(self) -> np.ndarray:
        """(d, d) orthonormal matrix; columns in block order, then thickness/normal directions."""
        if self.embedding == "axis":
            return np.eye(self.d)
        rng = np.random.default_rng(self.basis_seed)
        q, r = np.linalg.qr(rng.standard_normal((self.d, self.d)))
        return q * np.sign(np.diag(r))  # sign fix makes Q Haar-distributed (Mezzadri 2007)

    def block_bases(self, include_thickness: bool = True) -> list[np.ndarray]:
        """List of (d, m_k) orthonormal bases U_k, one per block (thickness last if present)."""
        U, out, start = self.basis(), [], 0
        for b in self.all_blocks if include_thickness else self.blocks:
            out.append(U[:, start : start + b.dim])
            start += b.dim
        return out

    def direction_stds(self) -> np.ndarray:
        """(d,) std along each basis column (0 for directions outside every block)."""
        stds = np.zeros(self.d)
        start = 0
        for b in self.all_blocks:
            stds[start : start + b.dim] = b.std
            start += b.dim
        return stds

    def covariance(self) -> np.ndarray:
        """(d, d) covariance of the unnormalised data, Sigma = sum_k std_k^2 U_k U_k^T."""
        U = self.basis()
        return (U * self.direction_stds() ** 2) @ U.T

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, d) float64 samples; sphere-normalised when ``normalize``."""
        _validate.positive_int("n", n)
        if not isinstance(rng, np.random.Generator):
            _validate.fail("rng", "a numpy.random.Generator", rng, TypeError)
        g = rng.standard_normal((n, self.d)) * self.direction_stds()
        x = g @ self.basis().T
        if self.normalize:
            x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x

    def describe(self) -> dict:
        """JSON-ready description; block scales are standard deviations."""
        return {
            "name": self.name,
            "d": self.d,
            "scale_unit": "std",
            "blocks": [{"dim": b.dim, "std": b.std} for b in self.blocks],
            "thickness_std": self.thickness,
            "embedding": self.embedding,
            "normalize": self.normalize,
            "basis_seed": self.basis_seed,
        }


def _paper(d1: int, d2: int, name: str) -> LinearManifold:
    # The authors' code: stds 1.0 / 0.3 / 0.01, axis-aligned, each sample divided by its norm.
    return LinearManifold.from_stds(
        30, [d1, d2], [1.0, 0.3], thickness=0.01, embedding="axis", normalize=True, name=name
    )


PRESETS = {
    "paper": lambda: _paper(2, 5, "paper"),
    "paper-large": lambda: _paper(5, 10, "paper-large"),
    # the same blocks without sphere normalisation: the population score is exact (GaussianScore)
    "paper-flat": lambda: LinearManifold.from_stds(
        30, [2, 5], [1.0, 0.3], thickness=0.01, name="paper-flat"
    ),
    "paper-large-flat": lambda: LinearManifold.from_stds(
        30, [5, 10], [1.0, 0.3], thickness=0.01, name="paper-large-flat"
    ),
}


def preset(name: str) -> LinearManifold:
    """The named preset manifold: ``paper``, ``paper-large`` (sphere-normalised, as the paper's
    code) or their unnormalised ``-flat`` twins."""
    if name not in PRESETS:
        _validate.fail("preset", f"one of {sorted(PRESETS)}", name)
    return PRESETS[name]()
