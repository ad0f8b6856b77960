"""`geomem spectrum`: spectra of an exact score over a noise grid, as one frozen config."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import geomem
from geomem import _validate
from geomem.boundary import check_device, check_fits, read_array
from geomem.boundary.devices import check_form
from geomem.boundary.sizes import matrix_bytes, scan_bytes
from geomem.data import preset, query_points
from geomem.data.queries import _noise
from geomem.data.training import training_data
from geomem.runs.config import to_dict
from geomem.schedules import get_schedule
from geomem.scores.network import NetworkScore
from geomem.scores.sources import check_data_and_model, source_of
from geomem.seeds import QUERIES, SPECTRUM_PROBES, rng
from geomem.spectra.scan import NoiseScan, scan_noise

POINT_KINDS = ("train", "fresh", "origin")
METHODS = ("auto", "closed-form", "gram", "autodiff", "probe")


@dataclass(frozen=True)
class SpectrumConfig:
    """Everything that decides a `geomem spectrum` result."""

    noise_var: tuple[float, ...]  # VE-equivalent noise variances v = sigma^2 / alpha^2
    preset: str | None = "paper"  # linear-manifold preset (or None with data_file)
    data_file: str | None = None  # .npy/.npz training set (N, d) instead of a preset
    n_train: int = 1000  # N, training points drawn from the preset
    seed: int = 0  # training draw uses [seed, 0], query points [seed, 1], population [seed, 2]
    points: str = "train"  # train | fresh | origin | path to a .npy/.npz file
    n_points: int = 16  # B, number of query points
    point_noise: str = "matched"  # matched | none | a std in VE units
    model: str = "exact"  # exact (empirical score of the N points) | population | RUN_DIR
    population_n: int = 100_000  # sample size of the population reference when not closed form
    schedule: str = "ve"  # ve | vp | ddpm | edm; results are reported on the v axis
    method: str = "auto"  # auto | closed-form | gram | autodiff | probe (auto + the authors'
    # orthogonal-probe singular values, spectra.network.probe_singular_values)
    threshold: float = 0.5  # threshold rule: tangent if r < threshold
    chunk_size: int = 4096  # training points per streamed chunk
    device: str = "cpu"
    version: str = field(default=geomem.__version__)
    probes: int = 0  # method probe: K probe directions (0: K = d)
    draws: int = 1  # method probe: R orthogonal draws averaged
    drop: int = 1  # method probe: the k largest singular values dropped
    average: str = "raw"  # method probe: raw (the authors': average, drop, normalise) |
    # normalized (drop and normalise each draw, then average); equal for draws = 1
    # added later: out of to_dict (and the hash) at their defaults, so old hashes hold
    LATER_FIELDS: ClassVar[tuple[str, ...]] = ("probes", "draws", "drop", "average")

    def __post_init__(self):
        _validate.positive_list("noise_var", self.noise_var)
        check_data_and_model(self)
        _validate.positive_int("n_points", self.n_points)
        _validate.positive_int("population_n", self.population_n)
        _validate.seed("seed", self.seed)
        if self.method not in METHODS:
            _validate.fail("method", f"one of {list(METHODS)}", self.method)
        if not isinstance(self.points, str) or not self.points.strip():
            _validate.fail("points", f"one of {list(POINT_KINDS)} or a .npy/.npz file", self.points)
        _noise(self.point_noise)
        _validate.positive("threshold", self.threshold)
        get_schedule(self.schedule)
        check_form("device", self.device)
        check_probes(self)


def check_probes(cfg: SpectrumConfig) -> None:
    """The probe read-out's fields: K >= 0 (0: d), R >= 1, 0 <= drop < min(K, d) (d checked
    by ``spectra.network.probe_singular_values``), the averaging order."""
    from geomem.spectra.network import AVERAGES

    for name, low in (("probes", 0), ("draws", 1), ("drop", 0)):
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            _validate.fail(name, f"an integer >= {low}", value)
    if cfg.probes and cfg.drop >= cfg.probes:
        _validate.fail("drop", f"an integer < probes = {cfg.probes}", cfg.drop)
    if cfg.average not in AVERAGES:
        _validate.fail("average", f"one of {list(AVERAGES)}", cfg.average)


def check_inputs(cfg: SpectrumConfig) -> None:
    """Everything a run would refuse, checked before anything is computed or written (the
    run and ``--dry-run`` both call this): the device, the data and points files (read, not
    copied), the trained run's checkpoint, and the memory the request needs."""
    check_device("device", cfg.device)
    if cfg.data_file is not None:
        X = read_array("data", cfg.data_file)
        n, d = X.shape
        data_bytes = matrix_bytes(n, d, 0.1)  # memory-mapped; chunks and row norms only
    else:
        d, n = preset(cfg.preset).d, cfg.n_train
        data_bytes = matrix_bytes(n, d, 3)
    _validate.positive_int("n_train", n)
    check_fits("n_train", data_bytes, n)
    b = cfg.n_points
    if cfg.points not in POINT_KINDS:
        b = read_array("points", cfg.points, d=d).shape[0]
    elif cfg.points == "origin":
        b = 1
    elif cfg.points == "train":
        b = min(b, n)
    if cfg.model == "population":
        check_fits("population_n", matrix_bytes(cfg.population_n, d, 3), cfg.population_n)
    elif cfg.model != "exact":
        score = NetworkScore.from_run(cfg.model, device=cfg.device)
        if score.d != d:
            _validate.fail("model", f"a network of dimension d = {d}", f"d = {score.d}")
    check_fits("n_points", scan_bytes(len(cfg.noise_var), b, d), b)


def run_spectrum(cfg: SpectrumConfig, progress: bool = False) -> tuple[dict, NoiseScan]:
    """Run a spectrum measurement; returns the JSON-ready result and the scan."""
    check_inputs(cfg)
    X, manifold = training_data(cfg.preset, cfg.n_train, cfg.seed, cfg.data_file)
    d = X.shape[1]
    kind, path = (cfg.points, None) if cfg.points in POINT_KINDS else ("file", cfg.points)
    queries = query_points(
        kind,
        cfg.n_points,
        rng(cfg.seed, QUERIES),
        X_train=X,
        manifold=manifold,
        path=path,
        d=d,
        noise=None if cfg.point_noise == "matched" and kind == "file" else cfg.point_noise,
    )
    score = source_of(cfg, X, manifold)
    bases = manifold.block_bases() if manifold is not None else None
    scan = scan_noise(
        score,
        queries,
        cfg.noise_var,
        bases=bases,
        method="auto" if cfg.method == "probe" else cfg.method,
        threshold=cfg.threshold,
        progress=progress,
    )
    result = {
        "config": to_dict(cfg),
        "N": int(X.shape[0]),
        "schedule": cfg.schedule,
        "model": cfg.model,
        **scan.to_json(),
    }
    if cfg.method == "probe":
        result["singular_values"] = probe_values(cfg, score, scan).tolist()
    if manifold is not None:
        result["blocks"] = manifold.block_labels()
        result["manifold"] = manifold.describe()
    return result, scan


def probe_values(cfg: SpectrumConfig, score, scan: NoiseScan):
    """(L, B, min(K, d) - drop) the authors' read-out at the scan's points and times, probes
    from rng(seed, SPECTRUM_PROBES), averaged in ``cfg.average``'s order
    (``spectra.network.probe_scan``)."""
    from geomem.spectra.network import probe_scan

    return probe_scan(
        score,
        scan.points,
        scan.t,
        rng=rng(cfg.seed, SPECTRUM_PROBES),
        n_probes=cfg.probes or None,
        draws=cfg.draws,
        drop=cfg.drop,
        average=cfg.average,
    )
