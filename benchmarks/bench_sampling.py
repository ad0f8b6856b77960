"""Sampler cost (issue "Samples and copies"), in score evaluations and seconds, one run.

Per sampler and step count: score evaluations per sample (``score_evaluations``), wall time per
sample, and that time divided by the time of ONE batched score evaluation of the same batch
(so the cost reads in score evaluations: near the evaluation count when the score dominates,
above it when the sampler's own arithmetic and noise draws do), and the time relative to
DDPM's 1000-evaluation ancestral chain on the same score. Two scores: the exact EmpiricalScore
of the paper preset (N = 1000, d = 30) and the closed-form GaussianScore of paper-flat.
Quality columns: for the empirical score the fraction of copies (nearest / second-nearest
training point distance < 1/3, Gu et al.); for the Gaussian the largest relative error of a
block's sample variance against the exact target lam^2 / (lam + sigma_end^2).

Run: ``python benchmarks/bench_sampling.py [--quick]``; appends a section to RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time

import numpy as np
import torch
from _common import append_results, best_time

from geomem.data import preset
from geomem.sampling import SamplerConfig, sample, score_evaluations
from geomem.schedules import DDPM, VE
from geomem.scores import EmpiricalScore, GaussianScore

GRID = [
    ("heun", 8),
    ("heun", 17),  # EDM's 18-level default (35 evaluations)
    ("heun", 35),
    ("sde", 100),
    ("sde", 500),
    ("ddim", 10),
    ("ddim", 50),
    ("ddim", 100),
    ("ddpm", 100),
    ("ddpm", 999),  # the DDPM baseline: 1000 evaluations
]


def copy_fraction(samples: torch.Tensor, Y: torch.Tensor) -> float:
    d = torch.cdist(samples, Y).topk(2, largest=False).values
    return float((d[:, 0] < d[:, 1] / 3).double().mean())


def block_error(samples: torch.Tensor, manifold, v_end: float) -> float:
    errs = []
    for U_k, block in zip(manifold.block_bases(), manifold.all_blocks, strict=True):
        lam = block.std**2
        got = float((samples @ torch.as_tensor(U_k)).var(0).mean())
        errs.append(abs(got / (lam**2 / (lam + v_end)) - 1))
    return max(errs)


def one_eval_time(score, B: int) -> float:
    x = torch.randn(B, score.d, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    t = float(score.schedule.t_of_noise_var(np.float64(0.1)))
    return best_time(lambda: score(x, t), repeat=20)


def rows(name: str, scores: dict, quality, B: int, grid) -> list[str]:
    out, base = [], {}
    one = {key: one_eval_time(score, B) for key, score in scores.items()}
    for sampler, steps in grid:
        key = "ddpm" if sampler in ("ddpm", "ddim") else "ve"
        config = SamplerConfig(sampler, steps=steps, batch_size=B)
        nfe = score_evaluations(config)
        wall, x = float("inf"), None
        for _ in range(3 if nfe <= 101 else 1):  # best of 3 on a shared machine
            start = time.perf_counter()
            x = sample(scores[key], B, config, generator=torch.Generator().manual_seed(1))
            wall = min(wall, time.perf_counter() - start)
        base[(sampler, steps)] = wall
        out.append(
            [name, sampler, steps, nfe, 1e3 * wall / B, wall / one[key], wall, quality(x, sampler)]
        )
    ref = base.get(("ddpm", 999))
    return [
        f"| {n} | {s} | {k} | {nfe} | {ms:.3f} | {r:.0f} | {r / nfe:.2f} | "
        f"{'' if ref is None else f'{w / ref:.3f}'} | {q:.3f} |"
        for n, s, k, nfe, ms, r, w, q in out
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="few samples and steps (smoke run)")
    args = ap.parse_args()
    B, grid = (64, [g for g in GRID if g[1] <= 100]) if args.quick else (500, GRID)
    rng = np.random.default_rng(0)
    paper, flat = preset("paper"), preset("paper-flat")
    X = torch.as_tensor(paper.sample(1000, rng))
    emp = {"ve": EmpiricalScore(X, VE()), "ddpm": EmpiricalScore(X, DDPM())}
    gauss = {"ve": GaussianScore.from_manifold(flat, VE()), "ddpm": None}
    gauss["ddpm"] = GaussianScore.from_manifold(flat, DDPM())
    v_end = {"ve": 0.01**2, "ddpm": float(DDPM().noise_var(0.0))}

    def q_emp(x, sampler):
        return copy_fraction(x, X)

    def q_gauss(x, sampler):
        return block_error(x, flat, v_end["ddpm" if sampler in ("ddpm", "ddim") else "ve"])

    lines = [
        f"\n## Samplers ({datetime.date.today()}, {platform.machine()}, {os.cpu_count()} cores "
        f"shared, torch {torch.__version__}, {torch.get_num_threads()} threads, float64, "
        f"{B} samples in one batch{', QUICK' if args.quick else ''})\n",
        "heun/sde on VE(0.01, 50), EDM rho = 7 grid; ddpm/ddim on DDPM (linear beta, 1000 "
        "steps), evenly spaced steps; all with the final Tweedie step. evals = score "
        "evaluations per sample; cost = wall time / time of one batched score evaluation "
        "(in evaluations); vs DDPM-1000 = wall time / that of ddpm 999 (+1) steps. Quality: "
        "empirical = copy fraction (d1/d2 < 1/3); Gaussian = max block variance rel. error "
        f"(sampling error alone ~ {np.sqrt(2 / (B - 1) / 2):.2f} for the 2-dim block).\n",
        "| score | sampler | steps | evals | ms / sample | cost (evals) | cost / evals | "
        "vs DDPM-1000 | quality |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += rows("empirical N=1000", emp, q_emp, B, grid)
    lines += rows("gaussian", gauss, q_gauss, B, grid)
    append_results("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
