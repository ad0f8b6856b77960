"""`geomem demo`: the paper preset's exact scores at several N beside the population reference.

Exact empirical scores at N = 250, 1000, 20000 and the population reference (the empirical
score of a very large sample, since the sphere-normalised preset has no closed form), 50 noise
levels sigma = 1 .. 0.01 (VE), training-point queries with matched noise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import geomem
from geomem import _validate, io, report
from geomem.data import preset
from geomem.experiments.spectrum import SpectrumConfig, run_spectrum
from geomem.plots import spectra as spectra_plots


@dataclass(frozen=True)
class DemoConfig:
    """The demo's resolved options (written to config.json before anything runs)."""

    preset: str = "paper"  # linear-manifold preset
    n_train: tuple[int, ...] = (250, 1000, 20000)  # training-set sizes N
    population_n: int = 100_000  # sample size of the population reference
    sigma_max: float = 1.0  # largest VE sigma (v = sigma^2)
    sigma_min: float = 0.01  # smallest VE sigma
    n_noise: int = 50  # number of log-spaced noise levels
    n_points: int = 16  # query points per N
    seed: int = 0
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        preset(self.preset)
        for n in self.n_train:
            _validate.positive_int("n_train", n)
        _validate.positive("sigma_min", self.sigma_min)
        if _validate.positive("sigma_max", self.sigma_max) <= self.sigma_min:
            _validate.fail("sigma_max", f"a value > sigma_min = {self.sigma_min}", self.sigma_max)
        _validate.positive_int("n_noise", self.n_noise)

    @property
    def noise_var(self) -> tuple[float, ...]:
        return tuple(np.geomspace(self.sigma_max, self.sigma_min, self.n_noise) ** 2)


def _critical_noise(v: np.ndarray, sub: np.ndarray, dims: list[int]) -> list[float | None]:
    # largest v at which the mean kept count of block k is >= half its dimension
    mean = sub.mean(axis=1)  # (L, K)
    out = []
    for k, m in enumerate(dims):
        kept = v[mean[:, k] >= m / 2]
        out.append(float(kept.max()) if kept.size else None)
    return out


def run_demo(cfg: DemoConfig, out_dir: str | Path, progress: bool = True) -> dict:
    """Run the demo into ``out_dir``: config.json, arrays.npz, metrics.json, PNGs, index.html."""
    out = Path(out_dir)
    io.write_json(out / "config.json", asdict(cfg))
    manifold = preset(cfg.preset)
    labels = manifold.block_labels()
    dims = [b.dim for b in manifold.all_blocks]
    runs = {
        f"N = {n}": SpectrumConfig(
            noise_var=cfg.noise_var,
            preset=cfg.preset,
            n_train=n,
            seed=cfg.seed,
            n_points=cfg.n_points,
        )
        for n in cfg.n_train
    }
    runs["population"] = SpectrumConfig(
        noise_var=cfg.noise_var,
        preset=cfg.preset,
        model="population",
        points="fresh",
        seed=cfg.seed,
        n_points=cfg.n_points,
        population_n=cfg.population_n,
    )
    scans, arrays, metrics = {}, {}, {"blocks": labels, "critical_noise_var": {}}
    for label, sc in runs.items():
        if progress:
            print(
                f"[geomem demo] {label}: {len(sc.noise_var)} noise levels x {sc.n_points} points",
                flush=True,
            )
        _, scan = run_spectrum(sc, progress=progress)
        scans[label] = scan
        key = label.replace("N = ", "N")
        arrays[f"{key}_spectra"] = scan.spectra
        arrays[f"{key}_subspace_dimension"] = scan.subspace_dimension
        metrics["critical_noise_var"][label] = _critical_noise(
            scan.noise_var, scan.subspace_dimension, dims
        )
    np.savez_compressed(out / "arrays.npz", noise_var=np.asarray(cfg.noise_var), **arrays)
    io.write_json(out / "metrics.json", metrics)
    _figures(cfg, scans, labels, dims, out)
    return metrics


def _figures(cfg, scans, labels, dims, out: Path) -> None:
    spectra_plots.save(
        spectra_plots.spectra_by_rank(
            {k: (s.noise_var, s.spectra) for k, s in scans.items()},
            title=f"preset {cfg.preset}: normalised Jacobian spectra of exact scores",
        ),
        out / "spectra.png",
    )
    spectra_plots.save(
        spectra_plots.kept_dimension(
            {k: (s.noise_var, s.subspace_dimension) for k, s in scans.items()},
            labels,
            block_dims=dims,
            title="kept tangent directions per subspace (threshold r < 1/2)",
        ),
        out / "kept_dimension.png",
    )
    crit = [
        [k, *[("-" if c is None else c) for c in v]] for k, v in _crit_rows(scans, dims).items()
    ]
    report.write_page(
        out / "index.html",
        "geomem demo: geometric memorization on a linear manifold",
        f"Preset <code>{cfg.preset}</code> (d = 30; blocks {', '.join(labels)}; each sample "
        "divided by its norm). Exact empirical scores of N training points and the population "
        f"reference (empirical score of {cfg.population_n} samples), VE noise variance v from "
        f"{cfg.sigma_max**2:g} down to {cfg.sigma_min**2:g} ({cfg.n_noise} levels), "
        f"{cfg.n_points} query points (training points plus matched noise; fresh points for the "
        "population).",
        figures=[
            (
                "spectra.png",
                "Median normalised spectrum r = eig(&minus;v J) against rank, one "
                "line per noise level (colour). Normal directions sit at r &asymp; 1, tangent "
                "ones below the dotted 1/2 line. With few points the spectrum jumps back to 1 "
                "at small noise: the score collapses onto training points.",
            ),
            (
                "kept_dimension.png",
                "Kept tangent directions per subspace against noise, "
                "mean &plusmn; 1 std over query points. Memorization shows as a count below "
                "the population line at the same v; the high-variance block is lost at a "
                "larger v than the low-variance one.",
            ),
        ],
        tables=[
            (
                "Critical noise variance (largest v with at least half the block kept)",
                report.table_html(["model", *labels], crit),
            )
        ],
    )


def _crit_rows(scans, dims):
    return {k: _critical_noise(s.noise_var, s.subspace_dimension, dims) for k, s in scans.items()}
