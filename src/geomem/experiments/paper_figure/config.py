"""The paper figure's one frozen config, the authors' grids, and the trained run it reads.

Grids and drops are those of the authors' final figure cell (``plots_synthetic_theory.ipynb``
in ``beatriceachilli/losing-dimensions``, ``synthetic-experiments/``):

- theory: v = linspace(1, 0.005, 200), block stds 1 / 0.3 / 1e-6 (their theory cell's
  thickness), N = 1000, sphere-normalised (gate 0), the 7 largest values dropped;
- exact empirical score: sigma = linspace(1, 0.01, 100) (a std: v = sigma^2), the 98 plotted
  levels (their loop starts at index 2), N = 1000, 5 orthogonal draws, the 6 largest dropped;
- network: t = linspace(0.8, 1e-5, 100)[4::2] on VE(0.01, 50), one draw, the largest dropped,
  the values from rank 20 on divided by the rank-20 value (their network cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

import geomem
from geomem import _validate
from geomem.spectra.network import AUTHORS_NETWORK_T

THEORY_NOISE_VAR = np.linspace(1.0, 0.005, 200)
THEORY_STDS = (1.0, 0.3, 1e-6)  # the authors' theory cell: thickness 1e-6
EXACT_SIGMA = np.linspace(1.0, 0.01, 100)[::-1][2:]  # ascending, the 98 plotted levels
NETWORK_T = AUTHORS_NETWORK_T  # 48 VE times, descending (linspace(0.8, 1e-5, 100)[4::2])
DROP = {"theory": 7, "exact": 6, "network": 1}
RENORM_RANK = {"network": 20}  # the network panel: values / value at rank 20
RANKS = (20, 30)  # the plotted ranks (1-based), as all three of their panels
GUIDES = (23, 25, 28)  # their guide lines: d - d1 - d2, d - d2, d - d1 (black, green, red)


@dataclass(frozen=True)
class PaperFigureConfig:
    """Everything that decides a paper-figure result (the network by its run's config hash
    and the step of the checkpoint read, filled in by ``resolve_model`` before config.json)."""

    model: str | None = None  # a `geomem train --config paper` run directory (None: no network)
    step: int | None = None  # a kept checkpoint step of ``model`` (None: its latest)
    preset: str = "paper"
    n_theory: int = 1000  # N of the theory panels (the authors')
    n_exact: int = 1000  # N of the exact-score panels (the authors')
    origin_n: tuple[int, ...] = (250, 1000, 20000)  # N of the N-independence measurement
    draws: int = 5  # orthogonal draws of the exact panels (the authors' 5)
    n_points: int = 8  # geomem's protocol: training points per level
    seed: int = 0
    device: str = "cpu"
    model_config_hash: str | None = None  # resolved: config hash of the run read
    model_step: int | None = None  # resolved: step of the checkpoint read
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        for name in ("n_theory", "n_exact", "draws", "n_points"):
            _validate.positive_int(name, getattr(self, name))
        if self.n_theory < 2:
            _validate.fail("n_theory", "an integer >= 2", self.n_theory)
        if not self.origin_n:
            _validate.fail("origin_n", "a non-empty list of N", self.origin_n)
        for n in self.origin_n:
            _validate.positive_int("origin_n", n)
        if self.n_points > min(self.n_exact, *self.origin_n):
            _validate.fail(
                "n_points", f"at most the smallest N {min(self.origin_n)}", self.n_points
            )
        if self.step is not None:
            _validate.positive_int("step", self.step)
            if self.model is None:
                _validate.fail("step", "None without --model", self.step)
        _validate.seed("seed", self.seed)


def resolve_model(cfg: PaperFigureConfig) -> tuple[PaperFigureConfig, dict | None]:
    """(cfg with ``model_config_hash`` and ``model_step`` filled in, the checkpoint dict read
    once) for ``cfg.model`` at ``cfg.step`` (None: the run's latest checkpoint, ``checkpoint.pt``
    or a newer kept ``checkpoints/step-*.pt``; a training still running overwrites
    ``checkpoint.pt``, so it is read here once and passed on). ``cfg.model`` may also be a
    kept snapshot file ``RUN/checkpoints/step-S.pt``: it is recorded as RUN at step S. A run
    that is not a d = 30 network of ``cfg.preset`` is refused."""
    if cfg.model is None:
        return cfg, None
    from geomem.checkpoints.format import read_run
    from geomem.checkpoints.snapshots import list_checkpoints

    cfg = snapshot_as_run(cfg)
    from geomem.runs.config import config_hash
    from geomem.train.config import TrainConfig

    train_cfg, ck = read_run(cfg.model, TrainConfig, device=cfg.device, step=cfg.step)
    kept = list_checkpoints(cfg.model) if cfg.step is None else []
    if kept and kept[-1][0] > int(ck["step"]):  # a kept snapshot newer than checkpoint.pt
        train_cfg, ck = read_run(cfg.model, TrainConfig, device=cfg.device, step=kept[-1][0])
    if train_cfg.preset != cfg.preset:
        _validate.fail("model", f"a run trained on preset {cfg.preset!r}", train_cfg.preset)
    resolved = replace(cfg, model_config_hash=config_hash(train_cfg), model_step=int(ck["step"]))
    return resolved, ck


def snapshot_as_run(cfg: PaperFigureConfig) -> PaperFigureConfig:
    """``model = RUN/checkpoints/step-S.pt`` (a kept snapshot file) -> ``model = RUN, step =
    S`` (refused: another file, or a ``step`` that is not S); anything else unchanged."""
    import re

    from geomem.checkpoints.snapshots import SNAPSHOTS

    path = Path(cfg.model)
    if not path.is_file():
        return cfg
    m = re.fullmatch(r"step-(\d+)\.pt", path.name)
    if m is None or path.parent.name != SNAPSHOTS:
        _validate.fail("model", "a run directory or a RUN/checkpoints/step-S.pt file", cfg.model)
    step = int(m.group(1))
    if cfg.step is not None and cfg.step != step:
        _validate.fail("step", f"none, or the snapshot's step {step}", cfg.step)
    return replace(cfg, model=str(path.parent.parent), step=step)
