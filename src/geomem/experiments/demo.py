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
from geomem import _validate, io, seeds
from geomem.data import preset, query_points
from geomem.data.training import training_data
from geomem.plots import page
from geomem.plots import spectra as spectra_plots
from geomem.scores.sources import score_source
from geomem.spectra.readout import crossing
from geomem.spectra.scan import NoiseScan, scan_noise
from geomem.theory import orderstat, theory_curves


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
    theory: str = "rem"  # the dashed lines: rem (free) | orderstat (docs/theory.md; its lines
    # cost ~60 s of CPU on the loaded 2-core machine, 12 s of it the N's, the rest N = inf)
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        preset(self.preset)
        if self.theory not in ("orderstat", "rem"):
            _validate.fail("theory", "orderstat or rem", self.theory)
        for n in self.n_train:
            _validate.positive_int("n_train", n)
        if len(set(self.n_train)) != len(self.n_train):
            _validate.fail("n_train", "distinct training-set sizes", list(self.n_train))
        _validate.positive("sigma_min", self.sigma_min)
        if _validate.positive("sigma_max", self.sigma_max) <= self.sigma_min:
            _validate.fail("sigma_max", f"a value > sigma_min = {self.sigma_min}", self.sigma_max)
        _validate.positive_int("n_noise", self.n_noise)
        _validate.positive_int("n_points", self.n_points)
        _validate.positive_int("population_n", self.population_n)
        _validate.seed("seed", self.seed)

    @property
    def noise_var(self) -> tuple[float, ...]:
        return tuple(np.geomspace(self.sigma_max, self.sigma_min, self.n_noise) ** 2)


def _critical_noise(v: np.ndarray, sub: np.ndarray, dims: list[int]) -> list[float | None]:
    # lower edge: going down in v from the peak, where the mean kept count of block k falls
    # below half the block (None: never kept by half, or kept down to the smallest v)
    order = np.argsort(v)
    mean = sub.mean(axis=1)[order]  # (L, K), v ascending
    out = [crossing(mean[:, k], v[order], m / 2) for k, m in enumerate(dims)]
    return [None if np.isnan(c) else c for c in out]


def _scan(cfg: DemoConfig, model: str, points: str, n: int, progress: bool) -> NoiseScan:
    # the exact score of N training points at noised training points, or the population
    # reference at fresh points; the same seed streams as `geomem spectrum`
    X, manifold = training_data(cfg.preset, n, cfg.seed)
    queries = query_points(
        points, cfg.n_points, seeds.rng(cfg.seed, seeds.QUERIES), X_train=X, manifold=manifold
    )
    score = score_source(
        model, X, "ve", manifold=manifold, seed=cfg.seed, population_n=cfg.population_n
    )
    bases = manifold.block_bases()
    return scan_noise(score, queries, cfg.noise_var, bases=bases, progress=progress)


def run_demo(cfg: DemoConfig, out_dir: str | Path, progress: bool = True) -> dict:
    """Run the demo into ``out_dir``: config.json, arrays.npz, metrics.json, PNGs, index.html."""
    out = Path(out_dir)
    io.write_json(out / "config.json", asdict(cfg))
    manifold = preset(cfg.preset)
    labels = manifold.block_labels()
    dims = [b.dim for b in manifold.all_blocks]
    runs = {f"N = {n}": ("exact", "train", n) for n in cfg.n_train}
    runs["population"] = ("population", "fresh", 1000)
    scans, arrays, metrics = {}, {}, {"blocks": labels, "critical_noise_var": {}}
    for label, (model, points, n) in runs.items():
        if progress:
            print(
                f"[geomem demo] {label}: {cfg.n_noise} noise levels x {cfg.n_points} points",
                flush=True,
            )
        scan = _scan(cfg, model, points, n, progress)
        scans[label] = scan
        key = label.replace("N = ", "N")
        arrays[f"{key}_spectra"] = scan.spectra
        arrays[f"{key}_subspace_dimension"] = scan.subspace_dimension
        metrics["critical_noise_var"][label] = _critical_noise(
            scan.noise_var, scan.subspace_dimension, dims
        )
    theory = _theory(cfg, manifold)
    metrics["predicted_critical_noise_var"] = {
        k: [float(c) for c in th.critical_noise_var] for k, th in _rem(cfg, manifold).items()
    }  # the REM's, sigma^2 / (2 ln N), whichever theory is drawn (the figure shows cfg.theory)
    io.save_npz(
        out / "arrays.npz", {"noise_var": np.asarray(cfg.noise_var), **arrays}, compressed=True
    )
    io.write_json(out / "metrics.json", metrics)
    _figures(cfg, scans, theory, metrics, labels, dims, out)
    return metrics


def _rem(cfg: DemoConfig, manifold) -> dict:
    # REM prediction per N (docs/science.md §6)
    return {f"N = {n}": theory_curves(manifold, n, cfg.noise_var) for n in cfg.n_train}


def _theory(cfg: DemoConfig, manifold) -> dict:
    # the dashed lines, label -> (v (L,), kept (L, K)): per N and the population (N = inf).
    # orderstat: own point + order statistics, the population line the sphere's own law at
    # fresh points (docs/theory.md); rem: the REM rule and its N = inf limit (raw stds)
    v = np.asarray(cfg.noise_var)
    if cfg.theory == "rem":
        curves = _rem(cfg, manifold)
        lines = {k: (th.noise_var, th.kept) for k, th in curves.items()}
        lines["population"] = (v, next(iter(curves.values())).kept_population)
        return lines
    rng = seeds.rng(cfg.seed, seeds.THEORY)
    pred = orderstat.predict_kept(manifold, list(cfg.n_train), v, rng=rng)
    pop = orderstat.predict_population(manifold, v, rng=rng)
    lines = {f"N = {n}": (v, pred.mean[i]) for i, n in enumerate(cfg.n_train)}
    lines["population"] = (v, pop.mean[0])
    return lines


def kept_figure(cfg: DemoConfig, measured: dict, theory: dict | None, out: Path) -> None:
    """``kept_dimension.png``: measured kept counts, label -> (v (L,), counts (L, B, K)), with
    the theory's dashed lines (``_theory``; None: computed here). ``scripts/redraw_demo_theory.py``
    redraws the committed figure from its arrays this way."""
    manifold = preset(cfg.preset)
    spectra_plots.save(
        spectra_plots.kept_dimension(
            measured,
            manifold.block_labels(),
            theory=_theory(cfg, manifold) if theory is None else theory,
            block_dims=[b.dim for b in manifold.all_blocks],
            title=f"kept tangent directions per subspace (threshold r < 1/2); dashed: {cfg.theory}"
            " theory",
        ),
        out / "kept_dimension.png",
    )


def _figures(cfg, scans, theory, metrics, labels, dims, out: Path) -> None:
    spectra_plots.save(
        spectra_plots.spectra_by_rank(
            {k: (s.noise_var, s.spectra) for k, s in scans.items()},
            title=f"preset {cfg.preset}: normalised Jacobian spectra of exact scores",
        ),
        out / "spectra.png",
    )
    kept_figure(
        cfg, {k: (s.noise_var, s.subspace_dimension) for k, s in scans.items()}, theory, out
    )
    measured = metrics["critical_noise_var"]
    predicted = metrics["predicted_critical_noise_var"]
    none = [None] * len(labels)
    rows = [
        [k, *[_fmt(x) for j in range(len(labels)) for x in (v[j], predicted.get(k, none)[j])]]
        for k, v in measured.items()
    ]
    header = ["model", *[f"{lab}: {w}" for lab in labels for w in ("measured", "REM")]]
    page.write_page(
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
                "at small noise: the score collapses onto training points. Values below 1e-4 "
                "(negative ones included: directions that push away, between training points) "
                "are drawn at 1e-4.",
            ),
            (
                "kept_dimension.png",
                "Kept tangent directions per subspace against noise, "
                "mean &plusmn; 1 std over query points. Memorization shows as a count below "
                "the population line at the same v. Dashed, same colour: "
                + (
                    "the own-point + order-statistics theory (docs/theory.md), the expected "
                    "kept count of the exact score of N points drawn from the sphere's own law; "
                    "the dashed population line is the population score's count (N = &infin;) "
                    "at fresh points."
                    if cfg.theory == "orderstat"
                    else "the REM heuristic (docs/science.md §6) with the raw block stds, a "
                    "block kept when &sigma;&sup2;/(2 ln N) &lt; v &lt; &sigma;&sup2;; the "
                    "dashed population line is its N &rarr; &infin; limit (it ignores the "
                    "sphere normalisation, which turns one std-1 direction radial)."
                ),
            ),
        ],
        tables=[
            (
                "Critical noise variance per block: measured (going down in v, where the mean "
                "kept count falls below half the block) and predicted (REM, sigma^2 / (2 ln N))",
                page.table_html(header, rows),
            )
        ],
    )


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3g}"
