"""Softmax weights without the subnormal slow path.

torch's ``exp`` runs 10-60x slower on arguments below about -708, where the result is
subnormal or underflows to 0 (measured: ~4.5 ns per float64 element for arguments in
[-700, 0], 50-300 ns below -708). Log-weights of exact scores at small noise are mostly such
arguments (|x - y|^2 / (2 v) in the thousands), so ``exp_shifted_`` clamps at -700 before the
exponential and sets every result below ``TINY`` to exactly 0: each weight differs from
``exp`` by less than 1e-300 absolute, and no subnormal weight reaches a later GEMM.
"""

from __future__ import annotations

import torch

FLOOR = -700.0  # exp(-700) = 9.9e-305, a normal float64
TINY = 1e-300  # results below this (arguments below ~ -690.8) become exactly 0


def exp_shifted_(lg: torch.Tensor) -> torch.Tensor:
    """In place: lg (..., n) of arguments <= 0 (logits minus their row maximum or log-sum-exp)
    -> exp(lg), with exp(lg) < 1e-300 set to 0. Returns ``lg``, or a new tensor when ``lg``
    needs a gradient (autodiff through the score; the zeroed weights get gradient 0)."""
    if lg.requires_grad and torch.is_grad_enabled():
        return torch.nn.functional.threshold(torch.exp(lg.clamp_min(FLOOR)), TINY, 0.0)
    lg.clamp_min_(FLOOR).exp_()
    return torch.nn.functional.threshold_(lg, TINY, 0.0)


def logits_(cross: torch.Tensor, x, a, s, y2, shift: bool = False):
    """In place on cross (B, n) = x Y^T: the logits lg = -(|x|^2 - 2 alpha x.y + alpha^2 |y|^2)
    / (2 sigma^2), x (B, d), alpha and sigma (B, 1), y2 (n,) = |y|^2; each pass rounded as in
    the expression written out (-(2a) c + |x|^2 = |x|^2 - 2a c and u / (-v) = -u / v exactly),
    alpha^2 |y|^2 one (n,) row when alpha is the same for every query. ``shift`` (no autograd,
    no vmap): -2 alpha x.y fused into the first pass when that alpha is 1, and returns
    (lg - M, M (B,)) with M = max_mu lg from the minimum of the numerator, taken before the
    division (division by -2 sigma^2 < 0 is monotone) while the numerator is in cache."""
    same = bool((a == a[:1]).all())
    a2y2 = a[:1] ** 2 * y2 if same else a**2 * y2
    x2 = (x**2).sum(1, keepdim=True)
    if shift and same and float(a[0]) == 1.0 and not cross.requires_grad:
        # VE / EDM: -2 c exact, one pass x2 + (-2) c (out= is refused by autograd and vmap,
        # and the held route, the only caller with ``shift``, runs under neither)
        u = torch.add(x2, cross, alpha=-2.0, out=cross)
    else:
        u = cross.mul_(-2 * a).add_(x2)
    u = u.add_(a2y2)
    den = -2 * s**2
    if not shift:
        return u.div_(den)
    M = u.amin(1, keepdim=True).div_(den)  # (torch's aminmax and addcdiv: 3-5x slower here)
    return u.div_(den).sub_(M), M[:, 0]
