"""Threshold dimension at d = 3 072 (32x32x3): stochastic Lanczos quadrature (SLQ, matrix-free)
against the dense route (autodiff Jacobian, d reverse passes, then eigh), in the same run.

Run: OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_slq.py   (~1.5 min on one core)
Appends a section to benchmarks/RESULTS.md.

Model: a small diffusers ``UNet2DModel`` (block_out_channels (16, 32), one res-block per level,
attention in the middle block; 165k parameters; untrained), saved as a DDPM pipeline with
``prediction_type="sample"`` and loaded back through ``DiffusersScore.from_pretrained``.
An untrained U-Net has no gap in its spectrum (r spreads over [-1.5, 3.5] around the cut 1/2),
where no few-node quadrature can count #{r < 1/2} well; a trained denoiser at small noise is
close to a projection onto the data's tangent space. The gapped model stands in for it:
D(x) = P x + eps_u F(x), F the U-Net's x0-prediction, P the orthogonal projection onto the
3 x 10 x 10 = 300 lowest 2-D DCT frequencies per channel (smooth images), eps_u = 0.05, so
r = eig(sym(I - alpha_t dD/dx)) sits near 1 - alpha_t (300 tangent) and 1 (2 772 normal),
spread by the U-Net. The U-Net is the whole cost of both routes. The ungapped U-Net alone
(its dense spectrum read off the same Jacobian) is reported too, to show the quadrature bias.
Cost at d = 12 288 (64x64x3) is extrapolated from per-row (reverse pass) and per-product
costs measured on the same U-Net at 64x64, and eigh's O(d^3).
"""

from __future__ import annotations

import platform
import tempfile
import time
import warnings

import numpy as np
import torch
from _common import append_results, best_time
from torch.func import vjp

from geomem.schedules import DDPM
from geomem.scores import CallableScore
from geomem.scores.diffusers import DiffusersScore
from geomem.spectra import slq_dimension, threshold_dimension
from geomem.spectra.jacobian import autodiff_jacobian, normalized_jacobian, spectrum_of_matrix
from geomem.spectra.lanczos import sym_operator

T, EPS_U, K_FREQ, N_PROBES, M_STEPS = 10.0, 0.05, 10, 8, 12


def load_unet_score(folder: str) -> DiffusersScore:
    import diffusers

    torch.manual_seed(0)
    unet = diffusers.UNet2DModel(
        sample_size=32, in_channels=3, out_channels=3, block_out_channels=(16, 32),
        layers_per_block=1, norm_num_groups=8, down_block_types=("DownBlock2D",) * 2,
        up_block_types=("UpBlock2D",) * 2, attention_head_dim=8,
    )  # fmt: skip
    sched = diffusers.DDPMScheduler(prediction_type="sample")
    diffusers.DDPMPipeline(unet=unet, scheduler=sched).save_pretrained(folder)
    return DiffusersScore.from_pretrained(folder)


def dct_matrix(n: int) -> torch.Tensor:
    k, i = np.arange(n)[:, None], np.arange(n)[None]
    C = np.sqrt(2 / n) * np.cos(np.pi * (2 * i + 1) * k / (2 * n))
    C[0] /= np.sqrt(2)
    return torch.as_tensor(C, dtype=torch.float32)


def gapped(unet_score: DiffusersScore) -> CallableScore:
    C = dct_matrix(32)
    mask = torch.zeros(32, 32)
    mask[:K_FREQ, :K_FREQ] = 1.0

    def denoiser(img, t):  # P x + eps_u F(x), P: lowest K_FREQ^2 DCT frequencies per channel
        proj = C.T @ (mask * (C @ img @ C.T)) @ C
        return proj + EPS_U * unet_score.unet(img, t, return_dict=False)[0]

    return CallableScore(denoiser, DDPM(), 3072, parameterization="x0", image_shape=(3, 32, 32))


def dense(score, x):
    """(J, spectrum, seconds for J, seconds for eigh) of the dense route."""
    sigma, v = float(DDPM().sigma(T)), float(DDPM().noise_var(T))
    start = time.perf_counter()
    J = autodiff_jacobian(score, x, T, point_chunk=1, row_chunk=256)
    mid = time.perf_counter()
    spec = spectrum_of_matrix(normalized_jacobian(J.double(), sigma), v, "autodiff")
    return J, spec, mid - start, time.perf_counter() - mid


def slq(score, x):
    return slq_dimension(score, x, T, n_probes=N_PROBES, m=M_STEPS, rng=np.random.default_rng(1))


def ungapped_dimension(J: torch.Tensor) -> int:
    """#{r < 1/2} of the U-Net alone, from the gapped model's Jacobian: with
    M = -sigma_t^2 J = I - alpha_t (P + eps_u dF), the U-Net's own M_u = I - alpha_t dF."""
    a, s2 = float(DDPM().alpha(T)), float(DDPM().sigma(T)) ** 2
    eye = torch.eye(3072, dtype=torch.float64)
    dF = ((eye + s2 * J[0].double()) / a - gapped_projection()) / EPS_U
    Mu = eye - a * dF
    return int((torch.linalg.eigvalsh(0.5 * (Mu + Mu.T)) < 0.5).sum())


def gapped_projection() -> torch.Tensor:
    C = dct_matrix(32).double()
    mask = torch.zeros(32, 32, dtype=torch.float64)
    mask[:K_FREQ, :K_FREQ] = 1.0
    E = torch.eye(3072, dtype=torch.float64).reshape(3072, 3, 32, 32)
    return (C.T @ (mask * (C @ E @ C.T)) @ C).reshape(3072, 3072)  # row i = P e_i (P symmetric)


def per_row_costs(unet_score: DiffusersScore, side: int) -> tuple[float, float]:
    """(seconds per reverse pass row, seconds per SLQ product) of the U-Net at side x side."""
    score = CallableScore(
        lambda img, t: unet_score.unet(img, t, return_dict=False)[0], DDPM(), 3 * side * side,
        parameterization="x0", image_shape=(3, side, side),
    )  # fmt: skip
    x = torch.rand(1, score.d) * 2 - 1
    g, rows = score.at_time(T), 64
    f = vjp(g, x.expand(rows, -1).contiguous())[1]
    U = torch.randn(rows, score.d)
    row = best_time(lambda: f(U), repeat=2) / rows
    op = sym_operator(score, x[0], T, float(DDPM().sigma(T)))
    V = np.random.default_rng(0).standard_normal((score.d, N_PROBES))
    with torch.nn.attention.sdpa_kernel(torch.nn.attention.SDPBackend.MATH):
        prod = best_time(lambda: op.matmat(V), repeat=2) / N_PROBES
    return row, prod


def main() -> None:
    warnings.filterwarnings("ignore")
    with tempfile.TemporaryDirectory() as folder:
        unet_score = load_unet_score(folder)
    score = gapped(unet_score)
    x = torch.as_tensor(np.random.default_rng(0).uniform(-1, 1, (1, 3072)), dtype=torch.float32)
    J, spec, t_jac, t_eigh = dense(score, x)
    t_dense = t_jac + t_eigh
    ref = int(threshold_dimension(spec)[0])
    est = slq(score, x)
    t_slq = best_time(lambda: slq(score, x), repeat=2)
    ref_u = ungapped_dimension(J)
    est_u = slq(CallableScore(
        lambda img, t: unet_score.unet(img, t, return_dict=False)[0], DDPM(), 3072,
        parameterization="x0", image_shape=(3, 32, 32),
    ), x)  # fmt: skip
    row32, prod32 = per_row_costs(unet_score, 32)
    row64, prod64 = per_row_costs(unet_score, 64)
    d2 = 12288
    dense64 = d2 * row64 + t_eigh * (d2 / 3072) ** 3
    slq64 = M_STEPS * N_PROBES * prod64
    r = spec.eigvals[0]
    lines = [
        "",
        f"## SLQ vs dense threshold dimension, d = 3 072 ({platform.machine()}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s))",
        "",
        f"U-Net (diffusers UNet2DModel, 165k params, via DiffusersScore) in the gapped model "
        f"D = P x + {EPS_U} F(x), DDPM step {T:g} (v = {spec.noise_var:.2e}); r quantiles "
        f"(5, 50, 95 %): {np.percentile(r, [5, 50, 95]).round(3).tolist()}. SLQ: "
        f"{N_PROBES} Rademacher probes x {M_STEPS} Lanczos steps = {est.n_products} products.",
        "",
        "| route | #{r < 1/2} | seconds | U-Net passes |",
        "|---|---|---|---|",
        f"| dense (jacrev rows + eigh) | {ref} | {t_dense:.1f} (eigh {t_eigh:.1f}) | 3072 |",
        f"| SLQ | {est.dimension[0]:.1f} +- {est.se[0]:.1f} | {t_slq:.2f} | "
        f"{2 * est.n_products} (VJP + double backward) |",
        "",
        f"Dense / SLQ time: **{t_dense / t_slq:.1f}x**; |SLQ - dense| = "
        f"{abs(est.dimension[0] - ref):.1f} = {abs(est.dimension[0] - ref) / est.se[0]:.2f} se.",
        f"Ungapped (the untrained U-Net alone): dense {ref_u}, SLQ "
        f"{est_u.dimension[0]:.1f} +- {est_u.se[0]:.1f} "
        f"({abs(est_u.dimension[0] - ref_u) / est_u.se[0]:.1f} se): without a gap at 1/2 the "
        f"quadrature error of {M_STEPS} nodes (not in the error bar, which counts probes only) "
        "grows with the spectral density at the cut; read SLQ counts where the spectrum has a gap.",
        f"Per U-Net row (reverse pass, batch 64): {1e3 * row32:.2f} ms at 32x32, "
        f"{1e3 * row64:.2f} ms at 64x64; per SLQ product: {1e3 * prod32:.2f} / "
        f"{1e3 * prod64:.2f} ms. Extrapolated to d = 12 288 (64x64x3): dense "
        f"{dense64:.0f} s (12 288 rows + eigh ~ d^3: {t_eigh * 64:.0f} s), SLQ {slq64:.1f} s "
        f"(same {est.n_products} products): **{dense64 / slq64:.0f}x**.",
    ]
    append_results("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
