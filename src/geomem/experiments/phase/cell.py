"""One cell of the phase diagram: kept dimension per block of the exact empirical score of one
training draw of size N, over a noise grid (the unit of work a sweep engine runs).

Per block k the count is #{eig(U_k^T (-v J) U_k) < threshold} with U_k^T (-v J) U_k =
I - U_k^T C U_k / v and C(x) the posterior covariance of the training points (docs/science.md §4-5,
per-subspace accounting). Routes (``route``), all exact:

- ``"block-moments"`` (default, fastest): with z_k = U_k^T y, U_k^T C U_k = sum_mu w_mu z_k z_k^T
  - m_k m_k^T, so one GEMM of the weights (B, N) against the per-point block outer products
  (N, sum m_k^2), built once per training set; points whose weight is below ``weight_tol`` for
  every query are skipped. No d x d matrix or eigendecomposition is formed.
- ``"posterior"``: C from ``EmpiricalScore.posterior`` (streamed), then projected per block.
- ``"scan"``: ``geomem.spectra.scan.scan_noise`` with the closed-form Jacobian and its full
  eigenbasis, then ``subspace_dimension`` -- the library's reference route.

The tests check that the three give the same counts; benchmarks/phase_routes.py times them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

import geomem
from geomem import _validate, io, seeds
from geomem.data import LinearManifold, preset, query_points
from geomem.runs.base import Experiment
from geomem.schedules import EDM
from geomem.scores import EmpiricalScore
from geomem.spectra.scan import scan_noise

POINT_KINDS = ("train", "fresh", "origin")
ROUTES = ("block-moments", "posterior", "scan")


@dataclass(frozen=True)
class PhaseCellConfig:
    """Everything that decides one (preset, N, seed) column of the phase diagram."""

    noise_var: tuple[float, ...]  # VE-equivalent noise variances v
    n_train: int = 1000  # N, training points drawn from the preset
    seed: int = 0  # training draw uses rng [seed, N, 0], query points [seed, N, 1]
    preset: str = "paper"  # linear-manifold preset
    points: str = "train"  # train | fresh | origin
    n_points: int = 16  # B query points (train: min(B, N) distinct training points)
    point_noise: str = "matched"  # matched | none | a std in VE units
    threshold: float = 0.5  # tangent if the normalised eigenvalue is below this
    route: str = "block-moments"  # block-moments | posterior | scan (module docstring)
    weight_tol: float = 1e-30  # block-moments route: skip points below this weight for all queries
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        _validate.positive_list("noise_var", self.noise_var)
        preset(self.preset)
        if _validate.positive_int("n_train", self.n_train) < 2:
            _validate.fail("n_train", "an integer >= 2", self.n_train)
        if self.points not in POINT_KINDS:
            _validate.fail("points", f"one of {list(POINT_KINDS)}", self.points)
        _validate.positive_int("n_points", self.n_points)
        _validate.positive("threshold", self.threshold)
        if self.route not in ROUTES:
            _validate.fail("route", f"one of {list(ROUTES)}", self.route)


def training_set(cfg: PhaseCellConfig) -> tuple[np.ndarray, LinearManifold]:
    """(N, d) training draw of the cell and its manifold."""
    mf = preset(cfg.preset)
    return mf.sample(cfg.n_train, seeds.cell_rng(cfg.seed, cfg.n_train, seeds.TRAIN)), mf


def _counts(Ckk: list[torch.Tensor], v: float, threshold: float) -> np.ndarray:
    # (B, K): #{eig(I - C_kk / v) < threshold} = #{eig(C_kk) > (1 - threshold) v}
    return np.stack(
        [np.sum(torch.linalg.eigvalsh(C, UPLO="L").numpy() > (1 - threshold) * v, 1) for C in Ckk],
        axis=1,
    )


def _block_moments_route(X, queries, noise_var, bases, cfg) -> np.ndarray:
    Y = torch.as_tensor(X, dtype=torch.float64)
    Us = [torch.as_tensor(U, dtype=torch.float64) for U in bases]
    Z = [Y @ U for U in Us]  # (N, m_k) block coordinates
    sizes = [U.shape[1] for U in Us]
    low = [torch.tril_indices(m, m) for m in sizes]  # eigvalsh reads the lower triangle only
    outer = torch.cat([z[:, i][:, :, None].mul(z[:, j][:, :, None]).flatten(1)
                       for z, (i, j) in zip(Z, low, strict=True)], 1)  # fmt: skip
    y2, widths = (Y**2).sum(1), [idx.shape[1] for idx in low]
    out = []
    for v in noise_var:
        x = torch.as_tensor(queries.at(v), dtype=torch.float64)
        logits = (x @ Y.T - 0.5 * y2) / v  # -|x - y|^2 / (2v) up to a per-row constant
        W = torch.softmax(logits, dim=1)
        keep = torch.nonzero(W.max(0).values > cfg.weight_tol).flatten()
        if keep.numel() < W.shape[1]:
            W, Zk, Ok = W[:, keep], [z[keep] for z in Z], outer[keep]
        else:
            Zk, Ok = Z, outer
        S = torch.split(W @ Ok, widths, dim=1)  # lower-triangle second moments per block
        Ckk = []
        for s, z, m, (i, j) in zip(S, Zk, sizes, low, strict=True):
            M = torch.zeros(s.shape[0], m, m, dtype=s.dtype)
            M[:, i, j] = s
            mu = W @ z
            Ckk.append(M - mu[:, :, None] * mu[:, None, :])
        out.append(_counts(Ckk, v, cfg.threshold))
    return np.stack(out)


def measure_cell(cfg: PhaseCellConfig, progress: bool = False) -> np.ndarray:
    """(L, B, K) kept directions per block (thickness last) at each noise level and point."""
    X, mf = training_set(cfg)
    queries = query_points(
        cfg.points,
        cfg.n_points,
        seeds.cell_rng(cfg.seed, cfg.n_train, seeds.QUERIES),
        X_train=X,
        manifold=mf,
        d=mf.d,
        noise=cfg.point_noise if cfg.points != "origin" else None,
    )
    score = EmpiricalScore(X, EDM())  # EDM: alpha = 1, t = sqrt(v)
    bases = mf.block_bases()
    if cfg.route == "scan":
        scan = scan_noise(
            score,
            queries,
            cfg.noise_var,
            bases=bases,
            method="closed-form",
            threshold=cfg.threshold,
            progress=progress,
        )
        return scan.subspace_dimension
    if cfg.route == "block-moments":
        return _block_moments_route(X, queries, cfg.noise_var, bases, cfg)
    Us = [torch.as_tensor(U, dtype=torch.float64) for U in bases]
    out = []
    for v in cfg.noise_var:
        _, C = score.posterior(queries.at(v), float(np.sqrt(v)))
        out.append(_counts([U.T @ C @ U for U in Us], v, cfg.threshold))
    return np.stack(out)


def run_phase_cell(cfg: PhaseCellConfig, run_dir: Path, *, progress: bool = False) -> dict:
    """Experiment runner: writes ``arrays.npz`` (kept (L, B, K)) and returns the metrics."""
    kept = measure_cell(cfg, progress)
    io.save_npz(
        Path(run_dir) / "arrays.npz",
        {"kept": kept.astype(np.int16), "noise_var": np.asarray(cfg.noise_var)},
        compressed=True,
    )
    return {
        "n_train": cfg.n_train,
        "seed": cfg.seed,
        "kept_mean": kept.mean(axis=1).tolist(),
        "blocks": preset(cfg.preset).block_labels(),
    }


PHASE_CELL = Experiment(
    "phase-cell",
    PhaseCellConfig,
    run_phase_cell,
    "kept dimension per block of one training draw over a noise grid",
)
