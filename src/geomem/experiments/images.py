"""Dimension against N on images (docs/science.md §7.3): one DDPM U-Net per nested subset of N
images, its Jacobian spectra at a small DDPM step at training and held-out images, beside the
exact empirical score of the same N images.

Query points are alpha_t x0 (the mean of x_t given the image x0) for the first ``n_points``
training images and for ``n_heldout`` images that no subset contains (the last entries of the
seed's permutation). Network spectra are eigenvalues of the symmetric part of -sigma_t^2 J
(exact autodiff, or the matrix-free low end with ``route="lanczos"``: threshold rule only);
exact-score spectra come from its Gram route. Dimensions by the threshold, spike and gap rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

import geomem
from geomem import _validate, io, seeds
from geomem.boundary import check_device
from geomem.data.images import load_images, subset_indices
from geomem.runs.base import Experiment, run_in_dir
from geomem.schedules import DDPM
from geomem.scores import EmpiricalScore
from geomem.spectra.dimension import dimension
from geomem.spectra.jacobian import jacobian_spectrum
from geomem.spectra.lanczos import lanczos_spectrum
from geomem.train.images import ImageTrainConfig, image_score, image_train_preset, train_images

RULES = ("threshold", "spike", "gap")
MODELS = ("network", "exact")
WHERE = ("train", "heldout")


@dataclass(frozen=True)
class ImagesConfig:
    """One N: dataset, training preset, measurement step and points."""

    dataset: str = "fashion-mnist"
    root: str | None = None  # None: the folder a system package installs into
    n_train: int = 256  # N
    preset: str = "cpu"  # training preset: cpu | cpu-mnist | gpu | paper
    steps: int | None = None  # override the preset's training steps
    downsample: int | None = None  # block-average factor (None: the preset's; cpu: 2)
    step: float = 15.0  # DDPM step of the measurement
    noise_var: float | None = None  # measure at this noise variance instead of ``step``
    n_points: int = 8  # training images measured
    n_heldout: int = 8  # held-out images measured
    route: str = "exact"  # network Jacobian: exact | lanczos (threshold rule only)
    seed: int = 0
    device: str = "cpu"
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        for name in ("n_train", "n_points", "n_heldout"):
            _validate.positive_int(name, getattr(self, name))
        if self.n_points > self.n_train:
            _validate.fail("n_points", f"at most n_train = {self.n_train}", self.n_points)
        if not 0 < self.step < DDPM().n_steps:
            _validate.fail("step", "a DDPM step in (0, 1000)", self.step)
        if self.noise_var is not None:
            _validate.positive("noise_var", self.noise_var)
        if self.route not in ("exact", "lanczos"):
            _validate.fail("route", "'exact' or 'lanczos'", self.route)
        self.training((1, 64, 64))  # validates preset, steps, downsample, device

    def time(self) -> float:
        """The DDPM step t of the measurement (from ``noise_var`` when given)."""
        if self.noise_var is None:
            return float(self.step)
        return float(DDPM().t_of_noise_var(float(self.noise_var)))

    def training(self, image_shape) -> ImageTrainConfig:
        return image_train_preset(
            self.preset,
            image_shape=tuple(image_shape),
            dataset=self.dataset,
            n_train=self.n_train,
            steps=self.steps,
            downsample=self.downsample,
            seed=self.seed,
            device=self.device,
        )


def block_average(images: np.ndarray, factor: int) -> np.ndarray:
    """(N, C, H, W) -> (N, C, H/f, W/f): means over f x f pixel blocks (f = 1: unchanged)."""
    if factor == 1:
        return images
    N, C, H, W = images.shape
    if H % factor or W % factor:
        _validate.fail("downsample", f"a factor dividing the image size {H}x{W}", factor)
    return images.reshape(N, C, H // factor, factor, W // factor, factor).mean(axis=(3, 5))


def load_data(cfg: ImagesConfig, ns=None) -> tuple[np.ndarray, np.ndarray]:
    """(images (n_total, C, H, W) downsampled, permutation (n_total,)); every N in ``ns``
    (default cfg.n_train) must leave ``n_heldout`` images out."""
    ds = load_images(cfg.dataset, cfg.root, "train")
    factor = cfg.training(ds.shape).downsample
    images = block_average(ds.images, factor).astype(np.float32)
    n_total = len(images)
    for n in ns if ns is not None else (cfg.n_train,):
        if n + cfg.n_heldout > n_total:
            _validate.fail(
                "n_train",
                f"at most {n_total - cfg.n_heldout} (dataset of {n_total} images, "
                f"{cfg.n_heldout} held out)",
                n,
            )
    cfg.training(images.shape[1:])  # the U-Net must fit this image size
    return images, subset_indices(n_total, n_total, cfg.seed)


def measure(score, x, t: float, route: str, rng: np.random.Generator) -> dict:
    """Spectrum (B, k) and dimensions (B,) per rule at points x (B, d)."""
    if route == "lanczos":
        sp = lanczos_spectrum(score, x, t, rng=rng)
    else:  # Gram route for the exact score, autodiff for the network
        # memory: a vectorised pass holds (points x rows) copies of the U-Net's activations;
        # above d = 196 (14x14) take one point and 196 rows at a time (same numbers)
        chunks = {} if score.d <= 196 else {"point_chunk": 1, "row_chunk": 196}
        sp = jacobian_spectrum(score, x, t, **chunks)
    full = sp.eigvals.shape[1] == score.d
    dims = {r: dimension(sp, r) if full or r == "threshold" else None for r in RULES}
    return {"spectrum": sp.eigvals, "dims": dims, "asymmetry": sp.asymmetry}


def run_images(cfg: ImagesConfig, run_dir: Path, *, progress: bool = False, data=None) -> dict:
    """Train the U-Net of one N and measure network and exact spectra (``Experiment`` contract).
    ``data`` = ``load_data(cfg)`` when the caller has it already."""
    run_dir = Path(run_dir)
    images, perm = data if data is not None else load_data(cfg)
    shape = tuple(images.shape[1:])
    X = images[perm[: cfg.n_train]].reshape(cfg.n_train, -1)
    held = images[perm[-cfg.n_heldout :]].reshape(cfg.n_heldout, -1)
    tcfg = cfg.training(shape)
    train_metrics = train_images(tcfg, X, run_dir / "train", progress=progress)
    t, sched = cfg.time(), DDPM()
    alpha = float(sched.alpha(t))
    points = {"train": alpha * X[: cfg.n_points], "heldout": alpha * held}
    scores = {
        "network": image_score(run_dir / "train", image_shape=shape, device=cfg.device),
        "exact": EmpiricalScore(X, sched, device=cfg.device),
    }
    arrays, dims, asym = {}, {}, {}
    for name, score in scores.items():
        dims[name] = {}
        for where, x in points.items():
            rng = seeds.rng(cfg.seed, seeds.SAMPLER)
            route = cfg.route if name == "network" else "exact"
            res = measure(score, x.astype(np.float64), t, route, rng)
            arrays[f"spectra_{name}_{where}"] = res["spectrum"]
            dims[name][where] = {}
            for rule, v in res["dims"].items():
                if v is None:
                    continue
                arrays[f"dimension_{name}_{where}_{rule}"] = v
                dims[name][where][rule] = _stats(v)
            if name == "network" and res["asymmetry"] is not None:
                asym[where] = float(np.mean(res["asymmetry"]))
    io.save_npz(run_dir / "arrays.npz", arrays)
    return {
        "N": cfg.n_train,
        "d": int(np.prod(shape)),
        "image_shape": list(shape),
        "step": t,
        "noise_var": float(sched.noise_var(t)),
        "dims": dims,
        "asymmetry": asym,
        "train": {k: train_metrics[k] for k in ("steps", "first_loss", "final_loss")},
    }


def _stats(v: np.ndarray) -> dict:
    v = np.asarray(v, dtype=np.float64)
    return {"mean": float(v.mean()), "std": float(v.std()), "values": v.astype(int).tolist()}


IMAGES = Experiment(
    "images", ImagesConfig, run_images, "U-Net vs exact score dimension at one N of images"
)


def check_sweep(n_train, base: ImagesConfig, rule: str = "threshold"):
    """What ``run_image_sweep`` refuses, before anything is written (``--dry-run`` too): the
    device, the rule, the list of N and the dataset; returns (ns, load_data(base, ns))."""
    check_device("device", base.device)
    if rule not in RULES:
        _validate.fail("rule", f"one of {list(RULES)}", rule)
    if rule != "threshold" and base.route == "lanczos":
        _validate.fail("rule", "'threshold' with route 'lanczos' (low end only)", rule)
    ns = [_validate.positive_int("n_train", n) for n in n_train]
    if not ns:
        _validate.fail("n_train", "a non-empty list of N", n_train)
    return ns, load_data(base, ns)


def run_image_sweep(
    n_train, base: ImagesConfig, out: str | Path, *, rule: str = "threshold", progress=False
) -> list[dict]:
    """Every N into ``out/N<n>`` (nested subsets of one permutation), then ``table.md``,
    ``dimension_vs_n.png`` and ``spectra.png`` in ``out`` (N ascending whatever the run order:
    run the N that matter first). All N are checked against the dataset before anything is
    written."""
    from geomem.plots.images import dimension_figure, images_table, spectra_figure

    ns, data = check_sweep(n_train, base, rule)
    out = Path(out)
    results = [
        run_in_dir(
            replace(base, n_train=n), out / f"N{n}", run_images, progress=progress, data=data
        )
        for n in ns
    ]
    results = sorted(results, key=lambda r: r["N"])
    io.write_json(out / "summary.json", results)
    with io.atomic_path(out / "table.md") as tmp:
        tmp.write_text(images_table(results))
    dimension_figure(results, out / "dimension_vs_n.png", rule=rule)
    spectra_figure(out, results, out / "spectra.png")
    return results
