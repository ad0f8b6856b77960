"""Network Jacobian spectra: matrix-free (Lanczos) vs dense, and exact vs the paper's probes.

Run: OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_network_jacobian.py
Appends a section to benchmarks/RESULTS.md.

Networks: the paper's residual MLP (width 128, 2 blocks) as a denoiser (x0-parameterisation,
so that -sigma^2 J = I - J_D has its normal directions at 1), trained briefly (1000 steps) on a
linear manifold in R^d with blocks of 10 dir. std 1 and 20 dir. std 0.3 (thickness 0.01).
"""

from __future__ import annotations

import platform
import sys
import time

import numpy as np
import torch
from _common import append_results

from geomem.data import LinearManifold
from geomem.nets import MLP, MLPConfig
from geomem.schedules import VE
from geomem.scores.network import NetworkScore
from geomem.spectra import autodiff_jacobian, threshold_dimension
from geomem.spectra.jacobian import jacobian_spectrum
from geomem.spectra.lanczos import lanczos_spectrum
from geomem.spectra.network import probe_spectrum
from geomem.train import TrainConfig, dsm_loss

SCALE = 1.0  # output-layer scale of the random networks (see scaled_random_net)


def trained_net(d: int, steps: int = 1000) -> tuple[NetworkScore, np.ndarray]:
    m = LinearManifold.from_stds(d, [10, 20], [1.0, 0.3], thickness=0.01)
    X = m.sample(2000, np.random.default_rng(0))
    cfg = TrainConfig(parameterization="x0", sigma_data=0.5, lr=1e-3)
    g = torch.Generator().manual_seed(0)
    net = MLP(MLPConfig(d=d))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    for _ in range(steps):
        idx = torch.randint(len(X), (128,), generator=g)
        z = torch.randn(128, d, generator=g)
        ls = np.log(0.01) + torch.rand(128, generator=g, dtype=torch.float64) * np.log(5000)
        loss = dsm_loss(net, Xt[idx], z, ls, cfg)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return NetworkScore(net, VE(), d, parameterization="x0", precond=None), X


def scaled_random_net(d: int) -> tuple[NetworkScore, np.ndarray]:
    """A random-init MLP denoiser whose output layer is scaled by SCALE: a Jacobian with a
    non-trivial low end (tens of eigenvalues of -sigma^2 J below 1/2), at any d."""
    g = torch.Generator().manual_seed(1)
    net = MLP(MLPConfig(d=d))
    with torch.no_grad():
        for p in net.parameters():
            if p.ndim == 2:
                p.copy_(torch.randn(p.shape, generator=g) / np.sqrt(p.shape[1]))
        net.out[2].weight.mul_(SCALE / np.sqrt(d / 128))
    X = 0.3 * np.random.default_rng(0).standard_normal((4, d))
    return NetworkScore(net, VE(), d, parameterization="x0"), X


def timed(fn, repeat: int = 1):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def bench_lanczos(score, X, d: int, v: float, B: int = 2) -> str:
    t = float(VE().t_of_noise_var(v))
    x = X[:B] + np.sqrt(v) * np.random.default_rng(1).standard_normal((B, d))
    dense, t_dense = timed(lambda: jacobian_spectrum(score, x, t, method="autodiff"))
    lz, t_lz = timed(lambda: lanczos_spectrum(score, x, t, k=16))
    dd, dl = threshold_dimension(dense), threshold_dimension(lz)
    err = np.abs(lz.eigvals - dense.eigvals[:, : lz.eigvals.shape[1]]).max()
    return (
        f"| {d} | {v:g} | {B} | {dd.tolist()} | {dl.tolist()} | {lz.eigvals.shape[1]} | "
        f"{t_dense:.2f} | {t_lz:.2f} | {t_dense / t_lz:.1f}x | {err:.1e} |"
    )


def _rel(est: np.ndarray, ref: np.ndarray, top: int) -> float:
    # relative error of the `top` largest values, the ones that decide the spectrum's shape
    return float(np.max(np.abs(est[:, -top:] - ref[:, -top:]) / ref[:, -top:]))


def bench_probes(score, X, d: int, v: float, B: int = 2) -> list[str]:
    t = float(VE().t_of_noise_var(v))
    sigma2 = float(VE().sigma(t)) ** 2
    x = X[:B] + np.sqrt(v) * np.random.default_rng(2).standard_normal((B, d))
    xt = torch.as_tensor(x)

    def exact():
        J = autodiff_jacobian(score, xt, t)
        return np.sort(torch.linalg.svdvals(sigma2 * J).numpy(), axis=1)

    ref, t_exact = timed(exact)
    rows = [f"| exact (jacrev, d reverse passes) | {d} | - | {t_exact:.2f} | 1.0x | 0 | 0 |"]
    for K, h, label in (
        (d, None, "paper h=sigma_t"),
        (4 * d, None, "paper h=sigma_t"),
        (d, 1e-4, "h=1e-4"),
    ):
        rng = np.random.default_rng(3)
        est, t_p = timed(
            lambda K=K, h=h, rng=rng: (
                probe_spectrum(score, x, t, n_probes=K, rng=rng, probe_sigma=h, paper=False).eigvals
            )
        )
        paper = probe_spectrum(
            score, x, t, n_probes=K, rng=np.random.default_rng(3), probe_sigma=h
        ).eigvals
        # the paper's d - 1 values interlace J's d singular values (a rank-one offset removed),
        # so compare them with the top d - 1 exact values over the exact maximum
        ref_paper = ref[:, 1:] / ref[:, -1:]
        rows.append(
            f"| probes K={K // d}d, {label} | {d} | {K} | {t_p:.2f} | "
            f"{t_p / t_exact:.1f}x | {_rel(est, ref, 30):.1e} | "
            f"{_rel(paper, ref_paper, 30):.1e} |"
        )
    return rows


def main() -> None:
    cpu = platform.processor() or platform.machine()
    lines = [
        f"\n## Network Jacobians ({time.strftime('%Y-%m-%d')}, {cpu}, torch "
        f"{torch.__version__}, {torch.get_num_threads()} thread(s), float64 Jacobians, CPU; "
        "shared machine: timings are noisy)\n",
        "### Matrix-free (Lanczos on JVP/VJP, k=16 doubling) vs dense Jacobian + eigh\n",
        "| d | v | points | dim dense | dim Lanczos | k used | dense s | Lanczos s | "
        "speed-up | max abs diff of the k eigenvalues |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    probe_rows = [
        "\n### Exact Jacobian singular values vs the paper's probe estimator\n",
        "Errors: max relative error of the 30 largest singular values of sigma^2 J "
        "(centred probes: S - s(x0), scaled by sqrt(d/K)) and of the paper-normalised "
        "values (uncentred, largest dropped, / max) against exact values / exact max."
        "\n",
        "| route | d | probes | s (2 points) | time vs exact | rel. err (centred) | "
        "rel. err (paper-normalised) |",
        "|---|---|---|---|---|---|---|",
    ]
    args = sys.argv[1:]
    if args and args[0] == "scaled":  # only the scaled random networks (non-trivial dimension)
        rows = []
        for d in [int(a) for a in args[1:]] or (784, 3072):
            score, X = scaled_random_net(d)
            rows.append(bench_lanczos(score, X, d, 0.05).replace("|", "| scaled random net", 1))
            print(rows[-1], flush=True)
        append_results(
            "\n".join(
                [
                    "",
                    f"Random-init networks (N(0, 1/fan_in) weights, output "
                    f"layer x {SCALE} / sqrt(d/128)): a non-trivial low end.",
                    "",
                    "| net | d | v | points | dim dense | dim Lanczos | k used | "
                    "dense s | Lanczos s | speed-up | max abs diff |",
                    "|---|---|---|---|---|---|---|---|---|---|---|",
                    *rows,
                ]
            )
            + "\n"
        )
        return
    for d in [int(a) for a in args] or (784, 3072):
        score, X = trained_net(d)
        for v in (0.01, 0.1):
            lines.append(bench_lanczos(score, X, d, v))
            print(lines[-1], flush=True)
        probe_rows += bench_probes(score, X, d, 0.01)
        print("\n".join(probe_rows[-4:]), flush=True)
    append_results("\n".join(lines + probe_rows) + "\n")


if __name__ == "__main__":
    main()
