"""Exact-score benchmarks (issue: foundation), as ratios measured in one run.

1. Closed-form spectrum (dense C, and the Gram route) against the autograd route
   (torch.func vmap(jacrev)) on the same EmpiricalScore: d = 784, N = 10000, 16 points.
2. The weight pass (``EmpiricalScore.log_weights``: chunked logits + log-sum-exp) against one
   bare matmul of the same size: N = 60000, d = 3072, 256 points.

Run: ``python benchmarks/bench_exact.py [--quick]``; appends a section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform

import numpy as np
import torch
from _common import append_results, best_time

from geomem.data import LinearManifold
from geomem.schedules import VE
from geomem.scores import EmpiricalScore
from geomem.spectra import autodiff_jacobian, jacobian_spectrum, threshold_dimension


def bench_spectrum(d: int, N: int, B: int, noise_vars, repeat: int) -> list[str]:
    m = LinearManifold.from_stds(
        d, [10, 20], [1.0, 0.3], thickness=0.01, embedding="haar", normalize=True
    )
    rng = np.random.default_rng(0)
    score = EmpiricalScore(m.sample(N, rng))
    rows = []
    for v in noise_vars:
        t = VE().t_of_noise_var(v)
        x = score.Y[:B] + np.sqrt(v) * torch.as_tensor(rng.standard_normal((B, d)))

        def route(method, x=x, t=t):
            return lambda: jacobian_spectrum(score, x, t, method=method)

        t_cf = best_time(route("closed-form"), repeat)
        t_gram = best_time(route("gram"), repeat)
        t_ad = best_time(route("autodiff"), 1)
        cf = jacobian_spectrum(score, x, t, method="closed-form")
        J_ad = autodiff_jacobian(score, x, t, point_chunk=4)
        J_cf = score.jacobian(x, t)
        err = float(torch.linalg.norm(J_ad - J_cf) / torch.linalg.norm(J_cf))
        neff = float(score.effective_n(x, t).median())
        rows.append(
            f"| {v:g} | {neff:.3g} | {t_ad:.2f} | {t_cf:.3f} | {t_gram:.3f} | "
            f"{t_ad / t_cf:.1f}x | {t_ad / t_gram:.1f}x | {err:.1e} | "
            f"{threshold_dimension(cf).mean():.1f} |"
        )
    return rows


def bench_weights(N: int, d: int, B: int, repeat: int) -> str:
    rng = np.random.default_rng(1)
    Y = rng.standard_normal((N, d)) / np.sqrt(d)
    score = EmpiricalScore(Y, chunk_size=8192)
    x = torch.as_tensor(rng.standard_normal((B, d)) / np.sqrt(d))
    t = VE().t_of_noise_var(0.05)
    Yt = score.Y
    t_mm = best_time(lambda: x @ Yt.T, repeat)
    t_w = best_time(lambda: score.log_weights(x, t), repeat)
    return f"| {N} | {d} | {B} | {t_mm:.3f} | {t_w:.3f} | {t_w / t_mm:.2f}x |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    args = ap.parse_args()
    if args.quick:
        spec, wts, rep = (64, 500, 4), (2000, 128, 16), 1
    else:
        spec, wts, rep = (784, 10_000, 16), (60_000, 3072, 256), 3
    lines = [
        f"\n## Exact scores ({datetime.date.today()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} "
        f"threads, float64, EmpiricalScore rtol {EmpiricalScore(np.zeros((1, 1))).rtol:g}"
        f"{', QUICK' if args.quick else ''})\n",
        f"Spectrum of an EmpiricalScore, d = {spec[0]}, N = {spec[1]}, {spec[2]} points "
        "(training points + matched noise; sphere-normalised 10 x std 1 + 20 x std 0.3 "
        "manifold, Haar-rotated). Times in seconds (best of runs); "
        "ratio = autograd / route.\n",
        "| v | median N_eff | autograd s | closed form s | Gram s | closed-form speed-up | "
        "Gram speed-up | rel. error J | mean dim |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += bench_spectrum(*spec, noise_vars=(1.0, 0.01, 1e-4), repeat=rep)
    lines += [
        "",
        "Weight pass vs one bare float64 matmul x @ Y^T of the same size (target: <= 2x).\n",
        "| N | d | points | matmul s | weight pass s | ratio |",
        "|---|---|---|---|---|---|",
        bench_weights(*wts, repeat=rep),
    ]
    append_results("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
