"""Sampler options: one frozen dataclass, checked when it is built.

Every sampler walks a grid of ``steps + 1`` noise levels from high to low (``steps``
transitions), then, with ``denoise``, takes one last step to noise 0: the Tweedie denoiser
D(y) = y + sigma^2 s_VE(y, sigma) at the last level (for the PF-ODE this *is* the Euler step to
sigma = 0 that ends EDM's Algorithm 1). EDM's ``num_steps = n`` is ``steps = n - 1`` here with
``denoise=True`` (2n - 1 score evaluations).
"""

from __future__ import annotations

from dataclasses import dataclass

from geomem import _validate

SAMPLERS = ("heun", "sde", "ddpm", "ddim")
CONTINUOUS = ("heun", "sde")  # on a sigma grid (any schedule)
DISCRETE = ("ddpm", "ddim")  # on the DDPM schedule's own integer steps
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class SamplerConfig:
    """Options of :func:`geomem.sampling.sample`.

    Parameters
    ----------
    sampler : str
        "heun" (EDM deterministic PF-ODE sampler, Karras et al. 2022, Alg. 1 without churn),
        "sde" (reverse SDE, Euler–Maruyama in VE form), "ddpm" (ancestral, Ho et al. 2020),
        "ddim" (eta = 0, Song et al. 2021).
    steps : int
        Transitions between the ``steps + 1`` noise levels (>= 1), not counting ``denoise``.
    sigma_min, sigma_max : float or None
        VE-equivalent noise range sigma = sqrt(noise_var) of "heun"/"sde"; None takes the
        schedule's (VE: its sigma_min/sigma_max; DDPM: steps 0 and n_steps - 1; otherwise
        EDM's 0.002 and 80).
    first_step, last_step : int or None
        Discrete step range of "ddpm"/"ddim"; None means 0 and ``n_steps - 1``.
    rho : float
        Exponent of the EDM noise grid (7).
    denoise : bool
        End with the Tweedie step to noise 0 (default True; one extra score evaluation). False
        returns the state at the last noise level, in data coordinates x / alpha_t.
    batch_size : int
        Samples integrated together; noise is drawn per batch, so samples depend on it.
    dtype : str
        "float64" (default, for exact scores) or "float32" (the state's dtype).
    """

    sampler: str = "heun"
    steps: int = 35
    sigma_min: float | None = None
    sigma_max: float | None = None
    first_step: int | None = None
    last_step: int | None = None
    rho: float = 7.0
    denoise: bool = True
    batch_size: int = 1024
    dtype: str = "float64"

    def __post_init__(self):
        if self.sampler not in SAMPLERS:
            _validate.fail("sampler", f"one of {list(SAMPLERS)}", self.sampler)
        _validate.positive_int("steps", self.steps)
        _validate.positive_int("batch_size", self.batch_size)
        _validate.positive("rho", self.rho)
        if not isinstance(self.denoise, bool):
            _validate.fail("denoise", "True or False", self.denoise, TypeError)
        if self.dtype not in DTYPES:
            _validate.fail("dtype", f"one of {list(DTYPES)}", self.dtype)
        self._check_range()

    def _check_range(self):
        if self.sampler in CONTINUOUS:
            for name in ("first_step", "last_step"):
                if getattr(self, name) is not None:
                    _validate.fail(name, f"None for sampler {self.sampler!r}", getattr(self, name))
            for name in ("sigma_min", "sigma_max"):
                if getattr(self, name) is not None:
                    _validate.positive(name, getattr(self, name))
            lo, hi = self.sigma_min, self.sigma_max
            if lo is not None and hi is not None and not lo < hi:
                _validate.fail("sigma_max", f"a value > sigma_min = {lo}", hi)
            return
        for name in ("sigma_min", "sigma_max"):
            if getattr(self, name) is not None:
                _validate.fail(
                    name,
                    f"None for sampler {self.sampler!r} (use first_step/last_step)",
                    getattr(self, name),
                )
        for name in ("first_step", "last_step"):
            k = getattr(self, name)
            if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 0):
                _validate.fail(name, "an integer >= 0", k)
        lo, hi = self.first_step, self.last_step
        if lo is not None and hi is not None and not lo < hi:
            _validate.fail("last_step", f"an integer > first_step = {lo}", hi)


def score_evaluations(config: SamplerConfig) -> int:
    """Score evaluations per sample: Heun 2 per transition, the others 1; +1 for ``denoise``."""
    if not isinstance(config, SamplerConfig):
        _validate.fail("config", "a SamplerConfig", config, TypeError)
    per_step = 2 if config.sampler == "heun" else 1
    return per_step * config.steps + int(config.denoise)
