"""The `spectrum` experiment as a sweepable run: arrays.npz, one figure, scalar metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import io
from geomem.experiments.spectrum.config import SpectrumConfig, run_spectrum


def run(config: SpectrumConfig, run_dir: Path, *, progress: bool = False) -> dict:
    """Measure the spectra of ``config`` into ``run_dir``; return the metrics.

    Writes ``arrays.npz`` (noise_var (L,), t (L,), spectra (L, B, d), dimension (L, B),
    points (L, B, d), for presets subspace_dimension (L, B, K), for method probe
    singular_values (L, B, min(K, d) - drop)) and ``dimension.png``.
    """
    result, scan = run_spectrum(config, progress=progress)
    arrays = {
        "noise_var": scan.noise_var,
        "t": scan.t,
        "spectra": scan.spectra,
        "dimension": scan.dimension,
        "points": scan.points,
    }
    if scan.subspace_dimension is not None:
        arrays["subspace_dimension"] = scan.subspace_dimension
    if "singular_values" in result:  # method probe: (L, B, min(K, d) - drop)
        arrays["singular_values"] = np.asarray(result["singular_values"])
    io.save_npz(Path(run_dir) / "arrays.npz", arrays)
    mean_dim = scan.dimension.mean(axis=1)  # (L,)
    _plot(scan.noise_var, mean_dim, config, Path(run_dir) / "dimension.png")
    return {
        "N": result["N"],
        "d": result["d"],
        "n_noise": len(scan.noise_var),
        "dim_low_noise": float(mean_dim[np.argmin(scan.noise_var)]),
        "dim_high_noise": float(mean_dim[np.argmax(scan.noise_var)]),
        "mean_dimension": mean_dim.tolist(),
    }


def _plot(v: np.ndarray, mean_dim: np.ndarray, config: SpectrumConfig, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.semilogx(v, mean_dim, "o-")
    ax.set(
        xlabel="noise_var v",
        ylabel="mean dimension",
        title=f"N={config.n_train} seed={config.seed} {config.model}",
    )
    fig.tight_layout()
    with io.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
