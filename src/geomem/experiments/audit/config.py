"""The audit's one frozen config, written to ``OUT/config.json`` before anything runs."""

from __future__ import annotations

from dataclasses import dataclass, field

import geomem
from geomem import _validate
from geomem.boundary import check_device
from geomem.sampling.config import SAMPLERS

ROUTES = ("auto", "dense", "slq")
DTYPES = ("float32", "float64")


@dataclass(frozen=True)
class AuditConfig:
    """Everything an audit does (docs/audit.md explains each number).

    Parameters
    ----------
    model, train, heldout, scheduler : str
        Model folder (or a name for a callable), training images, held-out images (None: no
        train-vs-held-out test), scheduler config for a bare U-Net folder.
    n_images : int
        K, images measured from each of train and held-out (a seeded choice).
    noise_var, step : tuple of float
        Noise levels v = sigma_t^2 / alpha_t^2 of the dimension read-out, or DDPM steps of the
        model's own schedule instead (``step`` given: ``noise_var`` is ignored).
    route : {"auto", "dense", "slq"}
        Dense Jacobian spectra (d reverse passes a point) or stochastic Lanczos quadrature
        (``probes`` x ``lanczos_steps`` products, any d); auto: dense when d <= dense_max_d.
    flipd : bool
        FLIPD per image at the lowest noise level (Kamkari et al. 2024).
    samples, sampler, sampler_steps : int, str, int
        S samples with the model's own sampler family (None: ddim on a DDPM schedule, else heun).
    threshold : float
        Ratio test d1/d2 < threshold marks a copy (Gu et al. 2023: 1/3).
    copy_rate, alpha, min_drop : float
        Verdict thresholds: copying when the copy rate >= copy_rate; geometric memorization
        when the dimension at training images is below held-out with one-sided Mann-Whitney
        p < alpha (Bonferroni over levels) and relative drop >= min_drop.
    """

    model: str
    train: str
    heldout: str | None = None
    scheduler: str | None = None
    n_images: int = 16
    noise_var: tuple[float, ...] = (1e-3, 1e-2, 1e-1)
    step: tuple[float, ...] | None = None
    route: str = "auto"
    dense_max_d: int = 1024
    probes: int = 8
    lanczos_steps: int = 30
    flipd: bool = True
    samples: int = 64
    sampler: str | None = None
    sampler_steps: int = 50
    threshold: float = 1 / 3
    copy_rate: float = 0.05
    alpha: float = 0.01
    min_drop: float = 0.1
    seed: int = 0
    device: str = "cpu"
    dtype: str = "float32"
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        for name in ("n_images", "dense_max_d", "probes", "lanczos_steps", "sampler_steps"):
            _validate.positive_int(name, getattr(self, name))
        if isinstance(self.samples, bool) or not isinstance(self.samples, int) or self.samples < 0:
            _validate.fail("samples", "an integer >= 0", self.samples)
        if self.probes < 2:
            _validate.fail("probes", "at least 2 (the error bar needs two)", self.probes)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            _validate.fail("seed", "an integer >= 0", self.seed)
        levels = self.step if self.step is not None else self.noise_var
        name = "step" if self.step is not None else "noise_var"
        if not levels or any(not float(v) > 0 for v in levels):
            _validate.fail(name, "a non-empty list of positive numbers", levels)
        if self.route not in ROUTES:
            _validate.fail("route", f"one of {list(ROUTES)}", self.route)
        if self.sampler is not None and self.sampler not in SAMPLERS:
            _validate.fail("sampler", f"one of {list(SAMPLERS)}", self.sampler)
        if self.dtype not in DTYPES:
            _validate.fail("dtype", f"one of {list(DTYPES)}", self.dtype)
        for name in ("threshold", "alpha"):
            if not 0 < getattr(self, name) < 1:
                _validate.fail(name, "a number in (0, 1)", getattr(self, name))
        for name in ("copy_rate", "min_drop"):
            if not 0 <= getattr(self, name) <= 1:
                _validate.fail(name, "a number in [0, 1]", getattr(self, name))
        if not isinstance(self.flipd, bool):
            _validate.fail("flipd", "True or False", self.flipd, TypeError)
        check_device("device", self.device)

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(float(v) for v in (self.step if self.step is not None else self.noise_var))
