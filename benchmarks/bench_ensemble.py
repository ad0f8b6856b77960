"""Ensemble training: per-network throughput of E stacked MLPs against the single-model loop.

Run: OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_ensemble.py [--compile] [--quick]
Appends a section to benchmarks/RESULTS.md.

Paper architecture (d = 30, width 128, 2 blocks, emb 128), batch 128, RAdam, EMA, clipping.
Routes, measured interleaved in one process (best of several windows, as the machine is
shared): today's single-model step (``geomem.train.loop._one_step``), the stacked step
(``EnsembleStep``: baddbmm layers, flat (E, P) optimizer buffers), the same with
``torch.vmap(functional_call)`` layers, and, with --compile, ``torch.compile`` of the forward
and the optimizer kernel. The step's matmul FLOP (counted analytically) per second is set
against a bare ``torch.bmm`` of the same total FLOP on the same machine.
"""

from __future__ import annotations

import copy
import platform
import sys
import time

import torch
from _common import append_results

from geomem.nets.mlp import MLPConfig
from geomem.train import TrainConfig
from geomem.train.ensemble import EnsembleStep
from geomem.train.flat import FlatStack
from geomem.train.loop import _one_step, build_model, training_set
from geomem.train.stacked import vmap_forward

D, WIDTH, BLOCKS, EMB = 30, 128, 2, 128


def step_flop(B: int, d=D, w=WIDTH, n_blocks=BLOCKS, emb=EMB) -> int:
    """Matmul FLOP of one training step of one network: each Linear(in, out) costs 2 B in out
    forward, as much for its weight gradient and as much again for its input gradient (none
    for the first layer and the embedding's first layer, whose inputs need no gradient)."""
    layers = [(d, w, False), (emb, emb, False), (emb, emb, True), (w, d, True)]
    layers += [(w, w, True), (emb, w, True), (w, w, True)] * n_blocks
    return sum(2 * B * i * o * (3 if grad_in else 2) for i, o, grad_in in layers)


def configs(E: int, B: int, ns=None) -> list[TrainConfig]:
    ns = ns or [1000 * (i + 1) for i in range(E)]
    kw = {"batch_size": B, "lr": 2e-3, "ema_decay": 0.999, "width": WIDTH, "emb_dim": EMB}
    return [TrainConfig(n_train=n, seed=i, **kw) for i, n in enumerate(ns)]


def single_route(cfg: TrainConfig):
    X = torch.as_tensor(training_set(cfg), dtype=torch.float32)
    model = build_model(cfg, D)
    ema = copy.deepcopy(model).requires_grad_(False)
    opt = torch.optim.RAdam(model.parameters(), lr=cfg.lr, foreach=True)
    return lambda k: _one_step(cfg, model, ema, opt, X, k)


def ensemble_route(cfgs, *, compile=False, vmap=False):
    Xs = [torch.as_tensor(training_set(c), dtype=torch.float32) for c in cfgs]
    stack = FlatStack([build_model(c, D).state_dict() for c in cfgs], "radam", cfgs[0].lr)
    step = EnsembleStep(cfgs, Xs, MLPConfig(d=D), stack, compile=compile)
    if vmap:
        step.forward = vmap_forward(build_model(cfgs[0], D))
    return step


def rate(fn, steps: int, windows: int) -> float:
    """Best steps/s of ``windows`` windows of ``steps`` calls ``fn(k)``."""
    best, k = float("inf"), 0
    for _ in range(windows):
        t = time.perf_counter()
        for _ in range(steps):
            fn(k)
            k += 1
        best = min(best, (time.perf_counter() - t) / steps)
    return 1 / best


def bmm_rate(E: int, B: int) -> float:
    """FLOP/s of a bare (E, B, WIDTH) x (E, WIDTH, WIDTH) bmm."""
    a, b = torch.randn(E, B, WIDTH), torch.randn(E, WIDTH, WIDTH)
    reps = 20
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(reps):
            torch.bmm(a, b)
        best = min(best, (time.perf_counter() - t) / reps)
    return 2 * E * B * WIDTH * WIDTH / best


def profile_table(step, n=30, rows=8) -> str:
    from torch.profiler import profile

    for k in range(5):
        step(k)
    with profile() as prof:
        for k in range(n):
            step(k)
    avg = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in avg)
    top = sorted(avg, key=lambda e: -e.self_cpu_time_total)[:rows]
    lines = ["| op | share of self CPU time | calls per step |", "|---|---|---|"]
    for e in top:
        share = e.self_cpu_time_total / total
        lines.append(f"| {e.key} | {share:.0%} | {e.count / n:.0f} |")
    return "\n".join(lines)


def main(compile: bool, quick: bool) -> None:
    steps, windows = (10, 2) if quick else (20, 4)
    torch._dynamo.config.recompile_limit = 64  # one compiled kernel per shape and thread count
    rows = []
    plan = [(1, 4, True), (1, 8, True)] + ([] if quick else [(2, 8, False)])
    for nt, E, with_compiled in plan:
        torch.set_num_threads(nt)
        cfgs = configs(E, 128)
        routes = {"single": single_route(cfgs[0]), "stacked": ensemble_route(cfgs)}
        if nt == 1:
            routes["vmap"] = ensemble_route(cfgs, vmap=True)
        if compile and with_compiled:
            routes["compiled"] = ensemble_route(cfgs, compile=True)
        for r in routes.values():  # warm-up (and compilation)
            for k in range(3):
                r(k)
        best = {name: 0.0 for name in routes}
        for _ in range(2):  # interleave, so that load changes hit every route
            for name, r in routes.items():
                best[name] = max(best[name], rate(r, steps, windows // 2))
        peak = bmm_rate(E, 128)
        for name in routes:
            per_net = best[name] * (1 if name == "single" else E)
            gf = step_flop(128) * per_net / 1e9
            rows.append(
                f"| {nt} | {E} | {name} | {best[name]:.1f} | {per_net:.1f} "
                f"| {per_net / best['single']:.2f}x | {gf:.1f} | {peak / 1e9:.1f} "
                f"| {gf * 1e9 / peak:.0%} |"
            )
    torch.set_num_threads(1)
    prof = profile_table(ensemble_route(configs(8, 128)))
    prof_single = profile_table(single_route(configs(1, 128)[0]))
    e5 = []
    for nt in (1, 2):
        torch.set_num_threads(nt)
        for B in (256, 128):
            cfgs = configs(5, B, [250, 500, 1000, 4000, 20000])
            names = ["stacked"] + (["compiled"] if compile and nt == 1 and B == 128 else [])
            for name in names:
                r = ensemble_route(cfgs, compile=name == "compiled")
                for k in range(3):
                    r(k)
                s = rate(r, steps, windows)
                e5.append(f"| {nt} | {B} | {name} | {s:.1f} | {256_000 / s / 3600:.1f} |")
    load = open("/proc/loadavg").read().split()[:3] if platform.system() == "Linux" else "?"
    text = f"""
## Ensemble training ({time.strftime("%Y-%m-%d")}, {platform.machine()}, \
{torch.get_num_threads()} threads max, torch {torch.__version__}; load average at end {load})

Paper MLP (d = {D}, width {WIDTH}, {BLOCKS} blocks, emb {EMB}), batch 128, RAdam + EMA +
clipping. steps/s: optimizer steps of the route; per network: steps/s x E; ratio: per-network
rate / the single-model loop's; GFLOP/s: matmul FLOP of a step ({step_flop(128) / 1e6:.0f}
MFLOP per network, counted analytically) x steps/s; bmm: a bare (E, 128, 128) x (E, 128, 128)
bmm on the same machine. Best of interleaved windows; the machine is shared with other jobs.

| threads | E | route | steps/s | per network | ratio | GFLOP/s | bmm GFLOP/s | of bmm |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Profile of one stacked step, E = 8, 1 thread (torch.profiler, self CPU time):

{prof}

Profile of one single-model step (today's loop), 1 thread:

{prof_single}

Ensemble of E = 5 (N = 250, 500, 1000, 4000, 20000; preset paper; cpu preset lr 2e-3,
ema 0.999):

| threads | batch | route | steps/s | hours for 256k steps |
|---|---|---|---|---|
{chr(10).join(e5)}
"""
    append_results(text)


if __name__ == "__main__":
    main(compile="--compile" in sys.argv, quick="--quick" in sys.argv)
