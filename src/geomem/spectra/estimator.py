"""``LIDEstimator``: per-point local intrinsic dimension in the scikit-learn style.

``fit(X)`` takes the data (N, d) and makes the score: the exact score of X (``model="exact"``,
nothing to train), a network trained on X (``model="train"``: `geomem train --data` in
``run_dir``, with the scale-aware defaults), a run directory, or any ``Score``;
``transform(Q)`` gives each point's dimension (B,) through :func:`geomem.spectra.lid.lid`,
whose whole frame stays in ``frame_``. One noise level: that level's ``rule``; a grid: the
plateau the threshold dimension settles on over it (``geomem.spectra.multiscale.plateau``).
No scikit-learn import: the class only follows its fit / transform convention.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import _validate, seeds
from geomem.scores.base import Score

RULES = ("threshold", "gap", "spike", "flipd", "plateau")


class LIDEstimator:
    """Per-point LID of data X at query points.

    Parameters
    ----------
    noise_var : float, sequence of floats, or None
        VE noise variances v; None: 9 levels over [1e-4 s_1^2, s_1^2], s_1 the top principal
        std of X (``geomem.data.files.scale_defaults``).
    model : "exact", "train", a run directory, or a Score
        Where the score comes from (see the module docstring).
    rule : str
        ``threshold``, ``gap``, ``spike``, ``flipd`` (one noise level) or ``plateau`` (a grid;
        the default for a grid).
    run_dir : str or Path
        ``model="train"``: the run directory (X is saved there as ``data.npy``; rerunning
        resumes / reuses the run).
    schedule : str
        The exact score's forward process.
    train : dict
        ``model="train"``: TrainConfig fields (steps, width, n_blocks, lr, ...).
    seed : int
        Probes of the SLQ route and of Hutchinson's FLIPD (stream ``seeds.LID_PROBES``).
    **lid_kw
        Passed to ``geomem.lid`` (threshold, route, band, ...).
    """

    def __init__(
        self,
        noise_var=None,
        model: str | Score = "exact",
        rule: str | None = None,
        run_dir: str | Path | None = None,
        schedule: str = "ve",
        train: dict | None = None,
        seed: int = 0,
        **lid_kw,
    ):
        if rule is not None and rule not in RULES:
            _validate.fail("rule", f"one of {list(RULES)}", rule)
        self.noise_var, self.model, self.rule, self.run_dir = noise_var, model, rule, run_dir
        self.schedule, self.train, self.lid_kw = schedule, dict(train or {}), lid_kw
        self.seed = _validate.seed("seed", seed)

    def fit(self, X, y=None) -> LIDEstimator:
        """Make the score of X (N, d) (``score_``) and the noise grid (``noise_var_``)."""
        from geomem.data.files import data_scale, scale_defaults

        X = _validate.matrix("X", np.asarray(X, dtype=np.float64))
        if self.noise_var is None:
            lo, hi = scale_defaults(data_scale(X))["lid_noise_var"]
            self.noise_var_ = tuple(float(v) for v in np.geomspace(lo, hi, 9))
        else:
            self.noise_var_ = tuple(float(v) for v in np.atleast_1d(self.noise_var))
        self.score_ = self._score(X)
        if self.score_.d != X.shape[1]:
            _validate.fail("model", f"a score of d = {X.shape[1]} like X", f"d = {self.score_.d}")
        return self

    def _score(self, X: np.ndarray) -> Score:
        from geomem.scores.sources import score_source

        if not isinstance(self.model, str | Path):
            return self.model  # any Score
        if self.model == "exact":
            return score_source("exact", X, self.schedule)
        if self.model != "train":
            return score_source(str(self.model))
        if self.run_dir is None:
            _validate.fail("run_dir", "a run directory for model='train'", None)
        from geomem import io
        from geomem.train.config import data_train_config
        from geomem.train.loop import train

        run = Path(self.run_dir)
        run.mkdir(parents=True, exist_ok=True)
        path = run / "data.npy"
        if not path.exists():
            io.save_npy(path, np.asarray(X, dtype=np.float64))
        cfg, _ = data_train_config(str(path), **self.train)
        train(cfg, run)
        return score_source(str(run))

    def transform(self, Q) -> np.ndarray:
        """Each query point's dimension (B,) float64; the whole table goes to ``frame_``."""
        from geomem.spectra.lid import lid

        if not hasattr(self, "score_"):
            _validate.fail("LIDEstimator", "fit(X) before transform(Q)", "not fitted")
        grid = len(self.noise_var_) > 1
        rule = self.rule or ("plateau" if grid else "threshold")
        if rule == "plateau" and not grid:
            _validate.fail("rule", "a noise grid (several levels) for 'plateau'", self.noise_var_)
        if rule != "plateau" and grid:
            _validate.fail("rule", "'plateau' on a noise grid (or one noise level)", rule)
        rng = seeds.rng(self.seed, seeds.LID_PROBES)
        frame = lid(self.score_, Q, list(self.noise_var_), multiscale=grid, rng=rng, **self.lid_kw)
        self.frame_ = frame
        col = "plateau_dim" if rule == "plateau" else rule
        per_point = frame.groupby("point", sort=True)[col].first()
        return per_point.to_numpy(dtype=np.float64)

    def fit_transform(self, X, y=None) -> np.ndarray:
        """``fit(X).transform(X)``: the dimension at the training points themselves."""
        return self.fit(X).transform(X)
