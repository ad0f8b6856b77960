"""The audit's verdict: generalizing, geometric memorization or copying, with its numbers.

- **copying**: the ratio-test copy rate of generated samples is >= ``copy_rate``;
- **geometric memorization** (Ross et al. 2024, "manifold memorization"; Achilli et al. 2024):
  few copies, but at some noise level the model keeps fewer dimensions at its training images
  than at held-out ones: one-sided Mann-Whitney U test (train < held-out) with p below
  ``alpha`` after a Bonferroni correction over the levels, and a relative drop
  1 - mean_train / mean_heldout of at least ``min_drop``;
- **generalizing**: neither;
- **undecided**: few copies and no held-out images to compare with.

The verdict is a reading of the evidence at these thresholds, not a proof: docs/audit.md.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import mannwhitneyu

VERDICTS = (
    "generalizing",
    "geometric memorization",
    "copying",
    "undecided",
    "not a model of this data",
)


def level_tests(train: np.ndarray, heldout: np.ndarray | None, levels) -> list[dict]:
    """Per level: means, spreads, relative drop and the one-sided test of (L, K) dimensions."""
    rows = []
    for i, level in enumerate(levels):
        a = np.asarray(train[i], dtype=np.float64)
        row = {"level": float(level), "mean_train": float(a.mean()), "sd_train": sd(a)}
        if heldout is not None:
            b = np.asarray(heldout[i], dtype=np.float64)
            p = (
                1.0
                if np.ptp(np.r_[a, b]) == 0
                else float(mannwhitneyu(a, b, alternative="less").pvalue)
            )
            m = float(b.mean())
            row |= {
                "mean_heldout": m,
                "sd_heldout": sd(b),
                "drop": 1.0 - row["mean_train"] / m if m > 0 else 0.0,
                "p": p,
                "p_bonferroni": min(1.0, p * len(levels)),
            }
        rows.append(row)
    return rows


def decide(
    copy_rate: float | None,
    tests: list[dict],
    *,
    copy_threshold: float,
    alpha: float,
    min_drop: float,
    sanity: dict | None = None,
    power: dict | None = None,
) -> dict:
    """The verdict and the sentence saying which numbers it rests on. ``sanity`` (from
    ``audit.sanity.check``) failing gives "not a model of this data" before anything else;
    ``power`` (``audit.sanity.power``) unable to detect gives "undecided", never
    "generalizing"."""
    rate = "no samples drawn" if copy_rate is None else f"copy rate {copy_rate:.1%}"
    if sanity is not None and not sanity["ok"]:
        return {"verdict": "not a model of this data", "reason": "; ".join(sanity["reasons"])}
    if copy_rate is not None and copy_rate >= copy_threshold:
        low = min(tests, key=lambda r: r["level"])
        return {
            "verdict": "copying",
            "reason": f"{rate} >= {copy_threshold:.1%}; dimension at training images "
            f"{low['mean_train']:.1f} at the lowest level",
        }
    if not tests or "p" not in tests[0]:
        return {"verdict": "undecided", "reason": f"{rate}; no held-out images to compare with"}
    hits = [r for r in tests if r["p_bonferroni"] < alpha and r["drop"] >= min_drop]
    if hits:
        r = max(hits, key=lambda r: r["drop"])
        return {
            "verdict": "geometric memorization",
            "reason": f"{rate} < {copy_threshold:.1%}; at noise level {r['level']:g} the "
            f"dimension at training images is {r['mean_train']:.1f} vs {r['mean_heldout']:.1f} "
            f"held out (drop {r['drop']:.0%}, Bonferroni p = {r['p_bonferroni']:.2g} < {alpha:g})",
        }
    best = min(tests, key=lambda r: r["p_bonferroni"])
    if power is not None and not power["can_detect"]:
        need = power["n_images_needed"]
        return {
            "verdict": "undecided",
            "reason": f"{rate} < {copy_threshold:.1%}; with these image counts and "
            f"{len(tests)} levels the smallest reachable Bonferroni p is "
            f"{power['smallest_p']:.3g} >= alpha = {alpha:g}: geometric memorization cannot "
            f"be detected (needs n_images >= {need})",
        }
    return {
        "verdict": "generalizing",
        "reason": f"{rate} < {copy_threshold:.1%}; no level with a significant drop of at least "
        f"{min_drop:.0%} (smallest Bonferroni p = {best['p_bonferroni']:.2g}, drop "
        f"{best['drop']:.0%} at level {best['level']:g})",
    }


def mean_sd(a: np.ndarray) -> dict:
    """{"mean", "sd"} of values a (K,)."""
    return {"mean": float(np.mean(a)), "sd": sd(a)}


def sd(a: np.ndarray) -> float:
    """Sample standard deviation (ddof 1); 0 for a single value."""
    return float(a.std(ddof=1)) if len(a) > 1 else 0.0
