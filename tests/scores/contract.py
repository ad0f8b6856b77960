"""The contract every Score keeps (one common test over every implementation, sklearn-style).

``check_score_contract(score, X)`` checks: output shape (B, d) and dtype, batch consistency
(score of a batch = stacked scores of single points), finiteness, and, for a VE score of
centred data (``large_noise=True``), the large-noise limit s(x) ~ -x / sigma^2.
"""

from __future__ import annotations

import numpy as np
import torch

from geomem.schedules import VE


def _points(score, X: np.ndarray, noise: float, seed: int) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    x = X[rng.choice(len(X), size=5)] + noise * rng.standard_normal((5, score.d))
    return torch.as_tensor(x, dtype=getattr(score, "dtype", torch.float64))


def check_shape_dtype_finite(score, x: torch.Tensor, t: float) -> torch.Tensor:
    s = score(x, t)
    assert isinstance(s, torch.Tensor)
    assert s.shape == x.shape == (x.shape[0], score.d)
    assert s.dtype == getattr(score, "dtype", x.dtype)
    assert torch.all(torch.isfinite(s))
    return s


def check_batch_consistency(score, x: torch.Tensor, t: float, rtol: float) -> None:
    batch = score(x, t)
    single = torch.cat([score(x[i : i + 1], t) for i in range(len(x))])
    scale = batch.abs().max().clamp_min(1e-300)
    assert (batch - single).abs().max() / scale < rtol


def check_large_noise(score, X: np.ndarray, rtol: float, sigma: float = 50.0) -> None:
    """At VE noise sigma >> data scale, s(x) ~ -x / sigma^2 for centred data."""
    assert isinstance(score.schedule, VE), "large-noise check is written for VE scores"
    t = float(score.schedule.t_of_noise_var(sigma**2))
    x = _points(score, X - X.mean(0), sigma, seed=7)
    s = score(x, t)
    ref = -x / sigma**2
    assert torch.linalg.norm(s - ref) / torch.linalg.norm(ref) < rtol


def check_score_contract(
    score,
    X: np.ndarray,
    *,
    times=(0.3, 0.6),
    rtol_batch: float = 1e-8,
    large_noise: bool = True,
    rtol_large: float = 0.05,
) -> None:
    """Run every contract check on ``score`` with data ``X`` (N, d)."""
    assert score.d == X.shape[1]
    for i, t in enumerate(times):
        x = _points(score, X, 0.1, seed=i)
        check_shape_dtype_finite(score, x, t)
        check_batch_consistency(score, x, t, rtol_batch)
    if large_noise:
        check_large_noise(score, X, rtol_large)
