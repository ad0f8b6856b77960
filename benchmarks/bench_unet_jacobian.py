"""U-Net Jacobians on CPU: torch.func (vmap of jacrev) with and without attention, against
a loop of torch.autograd.functional.jacobian (one point at a time) as the baseline.

Run: OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/bench_unet_jacobian.py
Appends a section to benchmarks/RESULTS.md.

Networks: the `cpu` preset's U-Net on 14x14 images (base 32, mult (1, 2), 1 res-block,
d = 196), without attention and with attention at 7x7 and in the middle block (untrained:
the cost does not depend on the weights). 4 points, DDPM step 15, float64.
"""

from __future__ import annotations

import platform
import warnings

import numpy as np
import torch
from _common import append_results, best_time

from geomem.nets.unet import UNet, UNetConfig
from geomem.schedules import DDPM
from geomem.scores.network import NetworkScore
from geomem.spectra import autodiff_jacobian


def score(attention: bool) -> NetworkScore:
    torch.manual_seed(0)
    cfg = UNetConfig((1, 14, 14), 32, (1, 2), 1, (7,) if attention else (), attention)
    return NetworkScore(UNet(cfg), DDPM(), 196)


def autograd_loop(s: NetworkScore, x: torch.Tensor) -> torch.Tensor:
    f = s.at_time(15.0)
    return torch.stack(
        [torch.autograd.functional.jacobian(lambda z: f(z[None])[0], xi) for xi in x]
    )


def main() -> None:
    warnings.filterwarnings("ignore", message="There is a performance drop")
    x = torch.as_tensor(np.random.default_rng(0).uniform(-1, 1, (4, 196)))
    rows = []
    for attention in (False, True):
        s = score(attention)
        J1 = autodiff_jacobian(s, x, 15.0, point_chunk=4, row_chunk=None)
        J2 = autograd_loop(s, x)
        err = float((J1 - J2).abs().max() / J2.abs().max())
        t_func = best_time(lambda s=s: autodiff_jacobian(s, x, 15.0, point_chunk=4), repeat=2)
        t_loop = best_time(lambda s=s: autograd_loop(s, x), repeat=2)
        rows.append((attention, t_func, t_loop, err))
    lines = [
        "",
        f"## U-Net Jacobians, torch.func vs autograd loop ({platform.machine()}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s))",
        "",
        "| attention | torch.func vmap(jacrev) s | autograd.functional loop s "
        "| loop / func | max rel diff |",
        "|---|---|---|---|---|",
    ]
    for attention, tf, tl, err in rows:
        lines.append(
            f"| {'7x7 + mid' if attention else 'none'} | {tf:.2f} | {tl:.2f} | "
            f"{tl / tf:.2f} | {err:.1e} |"
        )
    append_results("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
