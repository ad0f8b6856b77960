"""Forward processes x_t = alpha_t x_0 + sigma_t z and the schedule-free noise axis.

Every state is a VE state after dividing by alpha_t (docs/science.md §2), so each schedule also
gives ``noise_var(t) = sigma_t**2 / alpha_t**2`` and its inverse ``t_of_noise_var``. All
functions accept Python floats, NumPy arrays or torch tensors and return the same kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from geomem import _validate


def _ns(t):
    return torch if isinstance(t, torch.Tensor) else np


@runtime_checkable
class Schedule(Protocol):
    """A forward process: ``alpha(t)``, ``sigma(t)``, ``noise_var(t)``, ``t_of_noise_var(v)``."""

    name: str

    def alpha(self, t): ...

    def sigma(self, t): ...

    def noise_var(self, t): ...

    def t_of_noise_var(self, noise_var): ...


@dataclass(frozen=True)
class VE:
    """Variance exploding: alpha_t = 1, sigma_t = sigma_min (sigma_max/sigma_min)^t, t in [0, 1].

    The formula is used as it stands outside [0, 1] (exact scores accept any t).
    """

    sigma_min: float = 0.01
    sigma_max: float = 50.0
    name: str = "ve"

    def __post_init__(self):
        _validate.positive("sigma_min", self.sigma_min)
        _validate.positive("sigma_max", self.sigma_max)
        if self.sigma_max <= self.sigma_min:
            _validate.fail("sigma_max", f"a value > sigma_min = {self.sigma_min}", self.sigma_max)

    def alpha(self, t):
        return _ns(t).ones_like(t) if not isinstance(t, float | int) else 1.0

    def sigma(self, t):
        return self.sigma_min * (self.sigma_max / self.sigma_min) ** t

    def noise_var(self, t):
        return self.sigma(t) ** 2

    def t_of_noise_var(self, noise_var):
        xp = _ns(noise_var)
        log_ratio = math.log(self.sigma_max / self.sigma_min)
        return xp.log(xp.sqrt(noise_var) / self.sigma_min) / log_ratio


@dataclass(frozen=True)
class VP:
    """Variance preserving / Ornstein–Uhlenbeck: alpha_t = e^{-t}, sigma_t = sqrt(1 - e^{-2t})."""

    name: str = "vp"

    def alpha(self, t):
        return _ns(t).exp(-t) if not isinstance(t, float | int) else math.exp(-t)

    def sigma(self, t):
        xp = _ns(t) if not isinstance(t, float | int) else np
        return xp.sqrt(-xp.expm1(-2 * t))

    def noise_var(self, t):
        xp = _ns(t) if not isinstance(t, float | int) else np
        return xp.expm1(2 * t)  # (1 - e^{-2t}) / e^{-2t}

    def t_of_noise_var(self, noise_var):
        return 0.5 * _ns(noise_var).log1p(noise_var)


BETA_SCHEDULES = ("linear", "scaled_linear", "squaredcos_cap_v2")


@dataclass(frozen=True)
class DDPM:
    """Discrete DDPM (Ho et al.): betas from beta_start to beta_end over n_steps.

    Step k (0-based, as in diffusers) has alpha_bar_k = prod_{j<=k} (1 - beta_j),
    alpha_t = sqrt(alpha_bar), sigma_t = sqrt(1 - alpha_bar). Fractional steps interpolate
    log alpha_bar linearly, which makes ``t_of_noise_var`` an exact inverse.

    ``beta_schedule`` follows diffusers' names: "linear" (Ho et al., the default),
    "scaled_linear" (betas = linspace(sqrt(beta_start), sqrt(beta_end), n)^2, Stable
    Diffusion) or "squaredcos_cap_v2" (Nichol & Dhariwal's cosine: beta_k =
    min(1 - abar(k+1)/abar(k), 0.999), abar(s) = cos((s/n + 0.008)/1.008 pi/2)^2; it ignores
    beta_start and beta_end, as diffusers does).
    """

    beta_start: float = 1e-4
    beta_end: float = 0.02
    n_steps: int = 1000
    name: str = "ddpm"
    beta_schedule: str = "linear"  # linear | scaled_linear | squaredcos_cap_v2

    def __post_init__(self):
        _validate.positive("beta_start", self.beta_start)
        _validate.positive("beta_end", self.beta_end)
        _validate.positive_int("n_steps", self.n_steps)
        if self.beta_schedule not in BETA_SCHEDULES:
            _validate.fail("beta_schedule", f"one of {list(BETA_SCHEDULES)}", self.beta_schedule)
        if self.beta_schedule != "squaredcos_cap_v2" and max(self.beta_start, self.beta_end) >= 1:
            _validate.fail("beta_end", "betas < 1", (self.beta_start, self.beta_end))

    @property
    def betas(self) -> np.ndarray:
        """(n_steps,) beta_k, float64."""
        n = self.n_steps
        if self.beta_schedule == "scaled_linear":
            return np.linspace(self.beta_start**0.5, self.beta_end**0.5, n, dtype=np.float64) ** 2
        if self.beta_schedule == "squaredcos_cap_v2":
            s = np.arange(n + 1, dtype=np.float64) / n
            abar = np.cos((s + 0.008) / 1.008 * math.pi / 2) ** 2
            return np.minimum(1 - abar[1:] / abar[:-1], 0.999)
        return np.linspace(self.beta_start, self.beta_end, n, dtype=np.float64)

    @property
    def log_alpha_bar(self) -> np.ndarray:
        """(n_steps,) log alpha_bar_k, float64."""
        return np.cumsum(np.log1p(-self.betas))

    def _log_abar(self, t):
        if isinstance(t, torch.Tensor):  # torch ops only: works under torch.func transforms
            dtype = t.dtype if t.is_floating_point() else torch.float64
            la = torch.as_tensor(self.log_alpha_bar, dtype=torch.float64, device=t.device)
            k = t.detach().double().clamp(0, self.n_steps - 1)
            i = k.floor().clamp(max=max(self.n_steps - 2, 0)).long()
            step = la[(i + 1).clamp(max=self.n_steps - 1)] - la[i]
            return (la[i] + (k - i) * step).to(dtype)
        grid = np.arange(self.n_steps, dtype=np.float64)
        return np.interp(t, grid, self.log_alpha_bar)

    def alpha(self, t):
        return _ns(t).exp(0.5 * self._log_abar(t))

    def sigma(self, t):
        xp = _ns(t)
        return xp.sqrt(-xp.expm1(self._log_abar(t)))

    def noise_var(self, t):
        return _ns(t).expm1(-self._log_abar(t))  # (1 - abar) / abar

    def t_of_noise_var(self, noise_var):
        xp = _ns(noise_var)
        la = -xp.log1p(noise_var)
        grid = np.arange(self.n_steps, dtype=np.float64)
        if isinstance(la, torch.Tensor):
            out = np.interp(-la.detach().cpu().numpy(), -self.log_alpha_bar, grid)
            return torch.as_tensor(out, dtype=la.dtype, device=la.device)
        return np.interp(-la, -self.log_alpha_bar, grid)


@dataclass(frozen=True)
class EDM:
    """EDM (Karras et al.): alpha_t = 1, sigma_t = t."""

    name: str = "edm"

    def alpha(self, t):
        return _ns(t).ones_like(t) if not isinstance(t, float | int) else 1.0

    def sigma(self, t):
        return t

    def noise_var(self, t):
        return t**2

    def t_of_noise_var(self, noise_var):
        return _ns(noise_var).sqrt(noise_var)


SCHEDULES = {"ve": VE, "vp": VP, "ddpm": DDPM, "edm": EDM}


def get_schedule(name: str) -> Schedule:
    """Return the default-parameter schedule called ``name`` (ve, vp, ddpm, edm)."""
    if name not in SCHEDULES:
        _validate.fail("schedule", f"one of {sorted(SCHEDULES)}", name)
    return SCHEDULES[name]()


# --- parameterisations (docs/science.md §2): s = -eps/sigma_t; s = (alpha_t D - x) / sigma_t^2 ---


def score_from_eps(eps, sigma_t):
    """Score from a noise prediction: s = -eps_hat / sigma_t."""
    return -eps / sigma_t


def eps_from_score(score, sigma_t):
    """Noise prediction from a score: eps_hat = -sigma_t s."""
    return -sigma_t * score


def score_from_denoiser(denoised, x, alpha_t, sigma_t):
    """Tweedie: s = (alpha_t D(x) - x) / sigma_t^2."""
    return (alpha_t * denoised - x) / sigma_t**2


def denoiser_from_score(score, x, alpha_t, sigma_t):
    """Inverse Tweedie: D(x) = (x + sigma_t^2 s) / alpha_t."""
    return (x + sigma_t**2 * score) / alpha_t


def score_from_v(v_pred, x, alpha_t, sigma_t):
    """Score from a v-prediction v = alpha_t eps - sigma_t x_0 (Salimans & Ho 2022).

    With x = alpha_t x_0 + sigma_t eps: eps = (sigma_t x + alpha_t v) / (alpha_t^2 + sigma_t^2),
    x_0 = (alpha_t x - sigma_t v) / (alpha_t^2 + sigma_t^2) (denominator 1 for DDPM);
    s = -eps / sigma_t.
    """
    return -(sigma_t * x + alpha_t * v_pred) / ((alpha_t**2 + sigma_t**2) * sigma_t)


def v_from_score(score, x, alpha_t, sigma_t):
    """Inverse of ``score_from_v``: v = -(sigma_t/alpha_t) (x + (alpha_t^2 + sigma_t^2) s)."""
    return -(sigma_t / alpha_t) * (x + (alpha_t**2 + sigma_t**2) * score)


# --- between schedules: s(x) = s_VE(x / alpha_t) / alpha_t, J = J_VE / alpha_t^2 ---


def score_to_ve(score, alpha_t):
    """VE-equivalent score at y = x / alpha_t from a schedule's score at x: s_VE = alpha_t s."""
    return alpha_t * score


def score_from_ve(score_ve, alpha_t):
    """A schedule's score at x from the VE score at x / alpha_t: s = s_VE / alpha_t."""
    return score_ve / alpha_t


def jacobian_to_ve(J, alpha_t):
    """VE-equivalent Jacobian: J_VE = alpha_t^2 J."""
    return alpha_t**2 * J
