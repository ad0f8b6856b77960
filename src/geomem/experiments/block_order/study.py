"""Does the higher-variance block go first? Manifolds that separate variance from dimension.

Designs (d = 30, thickness std 0.01, flat and sphere-normalised each):

- ``equal``: 3 directions of std 1 and 3 of std 0.3 (the dimensions are equal, only the
  variance differs);
- ``swapped``: 5 directions of std 1 and 2 of std 0.3 (the paper's dimensions swapped);
- ``paper``: 2 of std 1 and 5 of std 0.3 (the paper's manifold).

Per manifold and N: the exact empirical score's kept count per block (``spectra.scan`` route,
closed-form Jacobian, per-block accounting) at training points plus matched noise, over a
noise grid, and beside it the order-statistics theory and the REM. Each block's lower edge is
the v where its mean kept count falls below m_k/2 going down from the peak; the block "lost
first" is the one whose lower edge is the larger v.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import geomem
from geomem import _validate, io, seeds
from geomem.data import LinearManifold, query_points
from geomem.runs.base import Experiment
from geomem.schedules import EDM
from geomem.scores import EmpiricalScore
from geomem.spectra.scan import scan_noise
from geomem.spectra.scoring import as_list, edges
from geomem.theory.orderstat import OrderStatOptions, predict_kept
from geomem.theory.predict import theory_curves

DESIGNS = {
    "equal": ((3, 3), (1.0, 0.3)),
    "swapped": ((5, 2), (1.0, 0.3)),
    "paper": ((2, 5), (1.0, 0.3)),
}


def _default_noise() -> tuple[float, ...]:
    return tuple(np.logspace(-3.5, 0.0, 22).tolist())


@dataclass(frozen=True)
class BlockOrderConfig:
    """Everything that decides the block-order study."""

    designs: tuple[str, ...] = ("equal", "swapped", "paper")
    n_train: tuple[int, ...] = (1024, 16384)
    noise_var: tuple[float, ...] = field(default_factory=_default_noise)
    seeds: tuple[int, ...] = (0, 1)
    n_points: int = 8
    theory_draws: int = 128
    threshold: float = 0.5
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        if not self.designs:
            _validate.fail("designs", "a non-empty list", self.designs)
        for dname in self.designs:
            if dname not in DESIGNS:
                _validate.fail("designs", f"names from {sorted(DESIGNS)}", dname)
        for N in self.n_train:
            if _validate.positive_int("n_train", N) < 2:
                _validate.fail("n_train", "integers >= 2", N)
        _validate.positive_list("noise_var", self.noise_var)
        if not self.seeds:
            _validate.fail("seeds", "a non-empty list", self.seeds)
        for s in self.seeds:
            _validate.seed("seeds", s)
        _validate.positive_int("n_points", self.n_points)
        _validate.positive_int("theory_draws", self.theory_draws)
        if not 0 < self.threshold < 1:
            _validate.fail("threshold", "a number in (0, 1)", self.threshold)


def manifold(design: str, normalize: bool) -> LinearManifold:
    """The design's manifold, flat or sphere-normalised."""
    dims, stds = DESIGNS[design]
    name = f"{design}-{'sphere' if normalize else 'flat'}"
    return LinearManifold.from_stds(30, dims, stds, thickness=0.01, normalize=normalize, name=name)


def measure(mf: LinearManifold, N: int, seed: int, cfg: BlockOrderConfig) -> np.ndarray:
    """(L, B, K) kept count per block of the exact score of one training draw."""
    X = mf.sample(N, seeds.cell_rng(seed, N, seeds.TRAIN))
    q = query_points(
        "train", cfg.n_points, seeds.cell_rng(seed, N, seeds.QUERIES), X_train=X, manifold=mf
    )
    scan = scan_noise(
        EmpiricalScore(X, EDM()),
        q,
        cfg.noise_var,
        bases=mf.block_bases(),
        method="closed-form",
        threshold=cfg.threshold,
    )
    return np.asarray(scan.subspace_dimension)


def run_block_order(cfg: BlockOrderConfig, run_dir: Path, *, progress: bool = False) -> dict:
    """Measure and predict every (design, flat/sphere, N); write ``arrays.npz``, the figure and
    return the edges and the block lost first per source."""
    from geomem.plots.block_order import block_order_figure

    v = np.asarray(cfg.noise_var)
    arrays, results, start = {"noise_var": v, "n_train": np.asarray(cfg.n_train)}, [], time.time()
    for dname in cfg.designs:
        for normalize in (False, True):
            mf = manifold(dname, normalize)
            dims = np.array([b.dim for b in mf.all_blocks])
            kept = np.stack(
                [np.stack([measure(mf, N, s, cfg) for s in cfg.seeds]) for N in cfg.n_train]
            )  # (nN, S, L, B, K)
            meas = kept.mean(axis=(1, 3))
            rng = seeds.rng(0, seeds.THEORY, 2)
            opts = OrderStatOptions(draws=cfg.theory_draws, threshold=cfg.threshold)
            os_ = predict_kept(mf, list(cfg.n_train), v, rng=rng, options=opts).mean
            rem = np.stack([theory_curves(mf, N, v).kept for N in cfg.n_train])
            T = len(mf.blocks)
            e = {
                "measured": edges(meas, v, dims, T),
                "orderstat": edges(os_, v, dims, T),
                "rem": np.stack(
                    [theory_curves(mf, N, v).critical_noise_var[:T] for N in cfg.n_train]
                ),
            }
            results.append(
                {
                    "manifold": mf.name,
                    "blocks": mf.block_labels()[:T],
                    "n_train": list(cfg.n_train),
                    "edges": {k: as_list(x) for k, x in e.items()},
                    "lost_first": {k: _first(x, mf.block_labels()[:T]) for k, x in e.items()},
                }
            )
            for key, x in (("measured", meas), ("orderstat", os_), ("rem", rem)):
                arrays[f"{mf.name}_{key}"] = x
            if progress:
                print(f"{mf.name}: {results[-1]['lost_first']}", flush=True)
    io.save_npz(Path(run_dir) / "arrays.npz", arrays, compressed=True)
    block_order_figure(results, arrays, cfg).savefig(Path(run_dir) / "block_order.png", dpi=100)
    return {"results": results, "seconds": round(time.time() - start, 1)}


def _first(e: np.ndarray, labels: list[str]) -> list[str | None]:
    # per N: the block with the larger lower edge (lost first going down in v), None if unknown
    out = []
    for row in np.asarray(e, dtype=float):
        out.append(None if np.any(np.isnan(row)) else labels[int(np.argmax(row))])
    return out


BLOCK_ORDER = Experiment(
    "block-order",
    BlockOrderConfig,
    run_block_order,
    "which block is lost first: equal dimensions, swapped dimensions, flat and sphere",
)
