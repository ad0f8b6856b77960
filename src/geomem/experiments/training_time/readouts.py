"""`geomem experiment paper-network`: the training-time study's read-outs of existing runs,
no training, appended as their snapshots appear (docs/science.md §9).

At each (run, step) of the kept snapshots (``training_time.snapshots``):

(a) geomem's read-out: the kept dimension per block (threshold rule, per-subspace counts) at
    B training points with matched noise, x = y0 + sqrt(v) z, on the study's noise grid plus
    ``tau_noise_var`` (the last level), the same B points and noise at every step; the exact
    score of the run's N points and the population reference are read once per run at the
    same points (``study.reference_kept``). tau per block and N is the training-time study's
    (``read.memorization_times``), and ``read.loss_steps`` gives the same first step at every
    level of the grid.
(b) the authors' network panel (``analyze_spectrum.py``): one fresh noise-free manifold point
    (rng(seed, PAPER_NETWORK, 0), the same for every run and step), scores at x0 + sigma_t q_i
    for the rows of one Haar-orthogonal matrix (rng(seed, PAPER_NETWORK, 1): the same draw at
    every step), singular values, the largest dropped, divided by the max, on their VE time
    grid ``AUTHORS_NETWORK_T``.

The output folder holds ``config.json`` (written first; a folder holding another config is
refused), ``references/<run>.npz`` (written once), ``rows/<run>/step-<step>.npz`` (one per
snapshot, never rewritten) and ``results.jsonl`` (``runs.store``: one appended line per row,
run_id ``<run>@<step>``); a (run, step) already listed is skipped, so a rerun reads only the
snapshots that appeared since. ``summary.json`` and the figures are rebuilt from the rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import geomem
from geomem import _validate, io, seeds
from geomem.data import preset as data_preset
from geomem.data import query_points
from geomem.experiments.training_time.snapshots import Snapshot, folder_config
from geomem.runs.base import check_run_dir

ROWS, REFS = "rows", "references"


@dataclass(frozen=True)
class PaperNetworkConfig:
    """The read-out settings (the run folders are its input, not part of it)."""

    preset: str = "paper"
    noise_var: tuple[float, ...] = tuple(np.geomspace(1e-4, 1.0, 25).tolist())  # the study's
    tau_noise_var: float = 0.02  # the memorization time's noise level (the last level read)
    n_points: int = 8  # B training points (matched noise)
    population_n: int = 100_000  # sample size of the population reference
    seed: int = 0  # queries [seed, 1], population [seed, 2], authors' point/probes [seed, 15]
    device: str = "cpu"
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        data_preset(self.preset)
        _validate.positive_list("noise_var", self.noise_var)
        _validate.positive("tau_noise_var", self.tau_noise_var)
        _validate.positive_int("n_points", self.n_points)
        _validate.positive_int("population_n", self.population_n)
        _validate.seed("seed", self.seed)

    def levels(self) -> np.ndarray:
        """(L + 1,) the noise grid, then ``tau_noise_var``."""
        return np.asarray([*self.noise_var, self.tau_noise_var], dtype=np.float64)


def start_out(cfg: PaperNetworkConfig, out: Path) -> None:
    """Make ``out`` and write config.json first (refused: a folder holding another config)."""
    _validate.out_dir("out", out)
    check_run_dir(cfg, out)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "config.json").exists():
        io.write_json(out / "config.json", asdict(cfg))


def run_inputs(cfg: PaperNetworkConfig, folder: Path):
    """(X (N, d) the run's training points, the B query points at them)."""
    from geomem.train.config import TrainConfig
    from geomem.train.loop import training_set

    X = training_set(TrainConfig.from_json({**folder_config(folder), "device": cfg.device}))
    q = query_points(
        "train", cfg.n_points, seeds.rng(cfg.seed, seeds.QUERIES), X_train=X, noise="matched"
    )
    return X, q


def references(cfg: PaperNetworkConfig, out: Path, run: str, X, queries) -> dict:
    """{"exact", "population"} (L + 1, K) of ``run``: read from references/<run>.npz, or
    measured (``study.reference_kept``) and written once."""
    from geomem.experiments.training_time.study import reference_kept

    path = out / REFS / f"{run}.npz"
    if path.is_file():
        with np.load(path) as f:
            return {k: f[k] for k in ("exact", "population")}
    bases = data_preset(cfg.preset).block_bases()
    refs = reference_kept(cfg, X, queries, bases, cfg.levels())
    path.parent.mkdir(parents=True, exist_ok=True)
    io.save_npz(path, {**refs, "noise_var": cfg.levels(), "N": np.asarray(X.shape[0])})
    return refs


def fresh_point(cfg: PaperNetworkConfig):
    """The authors' query: one noise-free manifold point, the same for every run and step."""
    rng = seeds.rng(cfg.seed, seeds.PAPER_NETWORK, 0)
    return query_points("fresh", 1, rng, manifold=data_preset(cfg.preset), noise="none")


def read_snapshot(cfg: PaperNetworkConfig, snap: Snapshot, queries, fresh) -> dict:
    """The arrays of one row: ``kept_points`` (L + 1, B, K), ``kept`` (L + 1, K) their mean,
    ``authors_t`` (48,), ``authors_noise_var`` (48,), ``authors_values`` (48, d - 1)."""
    from geomem.checkpoints.format import load_checkpoint
    from geomem.scores.network import NetworkScore
    from geomem.spectra.network import AUTHORS_NETWORK_T, probe_scan
    from geomem.spectra.scan import scan_noise

    ck = load_checkpoint(snap.path, map_location=cfg.device)
    if int(ck["step"]) != snap.step:
        _validate.fail("runs", f"a snapshot holding step {snap.step}", f"{snap.path}: {ck['step']}")
    net = NetworkScore.from_checkpoint(ck, device=cfg.device, where=str(snap.path))
    bases = data_preset(cfg.preset).block_bases()
    scan = scan_noise(net, queries, cfg.levels(), bases=bases, method="autodiff")
    sched, ts = net.schedule, AUTHORS_NETWORK_T
    v = np.array([(float(sched.sigma(t)) / float(sched.alpha(t))) ** 2 for t in ts])
    pts = np.stack([fresh.at(float(x)) for x in v])  # (48, 1, d), the same point
    rng = seeds.rng(cfg.seed, seeds.PAPER_NETWORK, 1)
    vals = probe_scan(net, pts, ts, rng=rng, drop=1)[:, 0]
    return {
        "kept_points": scan.subspace_dimension,
        "kept": scan.subspace_dimension.mean(axis=1),
        "authors_t": np.asarray(ts),
        "authors_noise_var": v,
        "authors_values": vals,
    }


def row_file(run: str, step: int) -> str:
    """``rows/<run>/step-<step:07d>.npz``, relative to the output folder."""
    return f"{ROWS}/{run}/step-{int(step):07d}.npz"


def read_new(cfg: PaperNetworkConfig, out, folders, *, progress: bool = False) -> list[dict]:
    """Read every snapshot of ``folders`` not yet in ``out``'s results.jsonl; return the new
    rows. References of each run are measured once (before its first row)."""
    from geomem.experiments.training_time.snapshots import group_folders, run_snapshots
    from geomem.runs.store import append_row, read_rows

    out = Path(out)
    groups = group_folders(folders, cfg.preset)  # refused before anything is written
    start_out(cfg, out)
    done = {r["run_id"] for r in read_rows(out) if r.get("status") == "ok"}
    snaps = run_snapshots(groups)
    fresh, new = fresh_point(cfg), []
    for run, run_folders in groups.items():
        todo = [s for s in snaps if s.run == run and f"{run}@{s.step}" not in done]
        X, queries = run_inputs(cfg, run_folders[0])
        refs = references(cfg, out, run, X, queries)
        for snap in todo:
            arrays = read_snapshot(cfg, snap, queries, fresh)
            (out / ROWS / run).mkdir(parents=True, exist_ok=True)
            io.save_npz(out / row_file(run, snap.step), arrays, compressed=True)
            row = {
                "run_id": f"{run}@{snap.step}",
                "status": "ok",
                "run": run,
                "N": snap.n_train,
                "step": snap.step,
                "source": str(snap.path),
                "file": row_file(run, snap.step),
                "kept_at_tau_noise": arrays["kept"][-1].tolist(),
                "population_at_tau_noise": refs["population"][-1].tolist(),
            }
            append_row(out, row)
            new.append(row)
            if progress:
                print(f"{run} step {snap.step}: kept {row['kept_at_tau_noise']}", flush=True)
    return new
