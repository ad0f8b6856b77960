"""Any Python callable as a Score: the thin adapter for models from other frameworks.

``fn(x, t) -> prediction`` is read, by ``parameterization``, as

- ``eps``: noise prediction eps_hat, s = -eps_hat / sigma_t;
- ``x0``: denoiser D(x) ~ E[x_0 | x_t = x], s = (alpha_t D - x) / sigma_t^2 (Tweedie);
- ``score``: the score s itself (unscaled; note that ``NetworkScore``'s "score" is the scaled
  score sigma_t s of geomem's own networks);
- ``v``: v = alpha_t eps - sigma_t x_0 (Salimans & Ho 2022),
  s = -(sigma_t x + alpha_t v) / ((alpha_t^2 + sigma_t^2) sigma_t).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from geomem import _validate
from geomem.nets.precond import to_score
from geomem.schedules import Schedule
from geomem.scores.base import as_points, coefficients

PARAMETERIZATIONS = ("eps", "x0", "score", "v")


def check_parameterization(name: str) -> str:
    if name not in PARAMETERIZATIONS:
        _validate.fail("parameterization", f"one of {list(PARAMETERIZATIONS)}", name)
    return name


def prediction_to_score(
    out: torch.Tensor,
    x: torch.Tensor,
    alpha_t: torch.Tensor,
    sigma_t: torch.Tensor,
    parameterization: str,
) -> torch.Tensor:
    """(B, d) score from a prediction ``out`` (B, d) at x (B, d), coefficients (B, 1); here
    "score" is the plain score s (not NetworkScore's scaled sigma_t s)."""
    if parameterization == "score":
        return out
    return to_score(out, x, alpha_t, sigma_t, parameterization)


class CallableScore:
    """Score of a model given as a plain callable ``fn(x, t) -> prediction``.

    Parameters
    ----------
    fn : callable
        ``fn(x, t)`` with x a torch tensor (B, d) (or (B, *image_shape) when ``image_shape`` is
        given) and t a (B,) tensor of the schedule's own time; returns a tensor of the same
        shape as x. Models of other frameworks are wrapped to take and return torch tensors
        (e.g. through ``torch.from_dlpack``); Jacobian spectra need ``fn`` to be differentiable
        by torch (the paper's probe estimator needs only evaluations).
    schedule : Schedule
        The forward process the model was trained for.
    d : int
        Dimension of flattened x.
    parameterization : {"eps", "x0", "score", "v"}
        What ``fn`` predicts (module docstring).
    image_shape : tuple of int or None
        (C, H, W) with C H W = d: x is reshaped to (B, C, H, W) before ``fn`` and the output
        flattened back.
    dtype, device
        Dtype and device of x and t handed to ``fn``.
    """

    def __init__(
        self,
        fn: Callable,
        schedule: Schedule,
        d: int,
        *,
        parameterization: str = "eps",
        image_shape: tuple[int, ...] | None = None,
        dtype: torch.dtype = torch.float32,
        device: str | torch.device = "cpu",
    ):
        if not callable(fn):
            _validate.fail("fn", "a callable fn(x, t) -> prediction", type(fn).__name__, TypeError)
        self.fn, self.schedule, self.d = fn, schedule, _validate.positive_int("d", d)
        self.parameterization = check_parameterization(parameterization)
        if image_shape is not None:
            image_shape = tuple(int(n) for n in image_shape)
            if math.prod(image_shape) != self.d:
                _validate.fail("image_shape", f"a shape with {self.d} entries (d)", image_shape)
        self.image_shape = image_shape
        self.dtype, self.device = dtype, torch.device(device)

    def predict(self, x: torch.Tensor, t_vec: torch.Tensor) -> torch.Tensor:
        """(B, d) raw prediction of ``fn`` at flat x (B, d) and times t_vec (B,)."""
        B = x.shape[0]
        out = self.fn(x if self.image_shape is None else x.reshape(B, *self.image_shape), t_vec)
        if not isinstance(out, torch.Tensor) or out.numel() != B * self.d:
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            _validate.fail("fn output", f"a tensor with B * d = {B * self.d} entries", got)
        return out.reshape(B, self.d).to(x.dtype)

    def _times(self, t, batch: int) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=torch.float64)
        return t.to(dtype=self.dtype, device=self.device).expand(batch)

    def __call__(self, x, t) -> torch.Tensor:
        """(B, d) score s(x, t)."""
        x = as_points(x, self.d, self.dtype, self.device)
        a, s = coefficients(self.schedule, t, x.shape[0], self.dtype, self.device)
        out = self.predict(x, self._times(t, x.shape[0]).clone())
        return prediction_to_score(out, x, a, s, self.parameterization)

    def at_time(self, t):
        """The function x (B, d) -> s(x, t) at one fixed time t (a float), with the schedule's
        coefficients computed once (cheaper inside Jacobian-vector products)."""
        a, s = coefficients(self.schedule, t, 1, self.dtype, self.device)
        t1, param = self._times(t, 1), self.parameterization

        def fixed(x):
            x = x.to(dtype=self.dtype, device=self.device)  # as __call__ does
            B = x.shape[0]
            A, S = a.expand(B, 1), s.expand(B, 1)
            return prediction_to_score(self.predict(x, t1.expand(B)), x, A, S, param)

        return fixed
