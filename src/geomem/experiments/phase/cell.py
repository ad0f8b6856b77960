"""One cell of the phase diagram: kept dimension per block of the exact empirical score of one
training draw of size N, over a noise grid (the unit of work a sweep engine runs).

Per block k the count is #{eig(U_k^T (-v J) U_k) < threshold} with U_k^T (-v J) U_k =
I - U_k^T C U_k / v and C(x) the posterior covariance of the training points (docs/science.md §4-5,
per-subspace accounting). Routes (``route``), all exact:

- ``"block-moments"`` (default, fastest): with z_k = U_k^T y, U_k^T C U_k = sum_mu w_mu z_k z_k^T
  - m_k m_k^T, so one GEMM of the weights against the per-point block outer products (lower
  triangles, ``geomem.scores.moments.lower_products``) and coordinates, built once per training
  set. The logits of every level come from two GEMMs per cell (x = x0 + s z is linear in s);
  the levels go in groups of 8 (128 query rows) through one GEMM over the points whose weight
  exceeds ``weight_tol`` for some query of the group, and one batched eigvalsh per block.
  No d x d matrix or eigendecomposition is formed.
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
from geomem.scores import EmpiricalScore, moments
from geomem.scores.weights import exp_shifted_
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


def _counts(Ckk: list[torch.Tensor], v, threshold: float) -> np.ndarray:
    # (B, K): #{eig(I - C_kk / v) < threshold} = #{eig(C_kk) > (1 - threshold) v}; v a float
    # or a (B, 1) tensor of per-row noise levels
    return np.stack(
        [(torch.linalg.eigvalsh(C, UPLO="L") > (1 - threshold) * v).sum(1).numpy() for C in Ckk],
        axis=1,
    )


def _moment_features(Z: list[torch.Tensor]) -> torch.Tensor:
    # (sum m_k (m_k + 1) / 2 + sum m_k, N): per block the lower triangle of z z^T (row-major,
    # as torch.tril_indices), then the block coordinates z, one contiguous row each
    zT = [z.T.contiguous() for z in Z]
    return torch.cat([moments.lower_products(z) for z in zT] + zT, 0)


def _noise_std(queries, v: float) -> float:
    # the s of QueryPoints.at(v) = x0 + s z (alpha_t = 1)
    if queries.noise == "matched":
        return float(np.sqrt(v))
    return 0.0 if queries.noise == "none" else float(queries.noise)


def _block_moments_route(X, queries, noise_var, bases, cfg, rows: int = 128) -> np.ndarray:
    # The weights of every level first: with x = x0 + s z, the logits x y^T / v - |y|^2 / (2v)
    # (softmax-equal to -|x - y|^2 / (2v)) come from two GEMMs x0 Y^T and z Y^T per cell. Then
    # groups of consecutive levels (at most ``rows`` query rows): one GEMM of the weights
    # against [block outer products | block coordinates] over the group's kept points, one
    # batched eigvalsh per block.
    Y = torch.as_tensor(X, dtype=torch.float64)
    Z = [Y @ torch.as_tensor(U, dtype=torch.float64) for U in bases]  # (N, m_k) coordinates
    sizes = [z.shape[1] for z in Z]
    low = [torch.tril_indices(m, m) for m in sizes]  # eigvalsh reads the lower triangle only
    widths = [m * (m + 1) // 2 for m in sizes]
    FT = _moment_features(Z)  # (294 + d, N) for the paper preset
    B, L, N = queries.x0.shape[0], len(noise_var), Y.shape[0]
    P = torch.as_tensor(queries.x0, dtype=torch.float64) @ Y.T - 0.5 * (Y**2).sum(1)
    Q = torch.as_tensor(queries.z, dtype=torch.float64) @ Y.T
    per = max(1, rows // B)
    buf = torch.empty(per * B, N, dtype=torch.float64)  # weights of one group, reused
    out = np.zeros((L, B, len(bases)), dtype=np.int64)
    for l0 in range(0, L, per):
        lv = list(range(l0, min(L, l0 + per)))
        W = buf[: len(lv) * B]  # (len(lv) B, N), level-major
        for r, i in enumerate(lv):
            Wr = torch.add(
                P, Q, alpha=_noise_std(queries, noise_var[i]), out=W[r * B : (r + 1) * B]
            )
            Wr.sub_(Wr.amax(1, keepdim=True)).mul_(1.0 / noise_var[i])
            exp_shifted_(Wr).div_(Wr.sum(1, keepdim=True))
        # points above weight_tol for some query of each level, united over the group
        keep = torch.stack(
            [W[r * B : (r + 1) * B].amax(0) > cfg.weight_tol for r in range(len(lv))]
        ).any(0)
        if int(keep.sum()) < N:
            idx = torch.nonzero(keep).flatten()
            S = W[:, idx] @ FT[:, idx].T
        else:
            S = W @ FT.T
        parts = torch.split(S, widths + sizes, dim=1)
        Ckk = []
        for s, mu, m, (i, j) in zip(parts, parts[len(sizes) :], sizes, low, strict=False):
            M = torch.zeros(s.shape[0], m, m, dtype=s.dtype)
            M[:, i, j] = s
            Ckk.append(M - mu[:, :, None] * mu[:, None, :])
        v = torch.as_tensor(np.repeat([noise_var[i] for i in lv], B), dtype=torch.float64)
        out[lv] = _counts(Ckk, v[:, None], cfg.threshold).reshape(len(lv), B, -1)
    return out


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
