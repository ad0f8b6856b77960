"""Read-outs of one point's dimension over a noise grid: the plateau it settles on and the knee.

Both take one point's values over L noise levels sorted by increasing v.

- **plateau**: the longest run of equal values (the threshold rule's integer dimension) over
  consecutive levels; on a tie, the run at the smallest noise (the finest scale that is stable).
  A dimension that holds over a range of scales is the point's dimension at those scales.
- **knee** (after Kamkari et al. 2024, FLIPD, who pick the noise level by the kneedle rule on
  the FLIPD curve against log t): with x = log v and y (FLIPD, or the threshold dimension) both
  rescaled to [0, 1], the knee is the level farthest from the chord joining the curve's two
  ends, |y_i - (y_0 + (y_{L-1} - y_0) x_i)|. No knee (NaN) on fewer than 3 levels or a flat
  curve.
"""

from __future__ import annotations

import numpy as np


def plateau(values: np.ndarray, noise_var: np.ndarray) -> dict[str, float]:
    """Longest run of equal ``values`` (L,) over consecutive levels of ``noise_var`` (L,),
    ascending: {plateau_dim, plateau_levels, plateau_v_lo, plateau_v_hi}."""
    best, start = (0, 0), 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = i
    lo, hi = best
    return {
        "plateau_dim": float(values[lo]),
        "plateau_levels": hi - lo,
        "plateau_v_lo": float(noise_var[lo]),
        "plateau_v_hi": float(noise_var[hi - 1]),
    }


def knee(values: np.ndarray, noise_var: np.ndarray) -> int | None:
    """Index of the kneedle knee of ``values`` (L,) against log ``noise_var`` (L,), ascending;
    None when L < 3 or the curve is flat."""
    y = np.asarray(values, dtype=np.float64)
    if len(y) < 3 or not np.all(np.isfinite(y)) or np.ptp(y) == 0:
        return None
    x = np.log(np.asarray(noise_var, dtype=np.float64))
    x = (x - x[0]) / (x[-1] - x[0])
    y = (y - y.min()) / np.ptp(y)
    return int(np.argmax(np.abs(y - (y[0] + (y[-1] - y[0]) * x))))
