"""Training configurations: frozen dataclasses, written to ``config.json`` before training.

``TrainingFields`` is the block of fields every training run has (steps, batch, optimizer,
EMA, noise law, checkpoints, device), checked once by ``check_training``; ``TrainConfig``
(vector data, an MLP) and ``geomem.train.images.ImageTrainConfig`` (a U-Net) add their own.
A config is stored flat (one table of fields), so config.json files of any version read back.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass, field

import geomem
from geomem import _validate
from geomem.boundary.devices import check_form
from geomem.data import preset as data_preset
from geomem.nets.arch import check_arch
from geomem.nets.precond import check_parameterization
from geomem.schedules import get_schedule

OPTIMIZERS = ("radam", "adam")
# fields added after runs were written, left out of the identity at their default, so
# checkpoints and config.json files written before them still match their runs
LATER_DEFAULTS = (
    ("arch", "mlp"),
    ("data_file", None),
    ("data_sha256", None),
    ("data_shape", None),
)


class RunConfig:
    """``config.json`` round trip shared by the training configs (frozen dataclasses)."""

    # fields that do not change the weights, so two runs differing only in them are one run
    # (a data file's path is where it lies now; its sha256 is its identity)
    NOT_IDENTITY = (
        "device", "checkpoint_every", "threads", "data_file", "heldout_file", "heldout_sha256",
    )  # fmt: skip

    def to_json(self) -> dict:
        return json.loads(json.dumps(asdict(self)))  # tuples as lists, as config.json has them

    def identity(self) -> dict:
        """The fields two runs must share to be the same run (all but ``NOT_IDENTITY``)."""
        return identity_of(self.to_json())

    @classmethod
    def from_json(cls, obj: dict):
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(obj) - names)
        if unknown:
            _validate.fail("config", f"only {cls.__name__} fields", f"unknown keys {unknown}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in obj.items()})


def identity_of(config_json: dict) -> dict:
    """The run-identity fields of a config as stored in config.json or a checkpoint."""
    later = dict(LATER_DEFAULTS)
    return {
        k: v
        for k, v in config_json.items()
        if k not in RunConfig.NOT_IDENTITY and not (k in later and v == later[k])
    }


@dataclass(frozen=True)
class TrainingFields(RunConfig):
    """The fields of every training run, shared by vector and image training (subclasses
    change defaults by declaring a field again). Validated by ``check_training``."""

    n_train: int = 1000  # N training points
    steps: int = 10_000  # optimizer steps
    seed: int = 0  # data draw [seed, TRAIN]; init [seed, INIT]; step k [seed, STEP, k]
    batch_size: int = 128
    lr: float = 1e-4
    optimizer: str = "radam"  # radam | adam
    ema_decay: float = 0.9999  # EMA of the weights, used for evaluation
    grad_clip: float = 1.0  # max global grad norm (0 disables)
    parameterization: str = "eps"  # eps | x0 | score (scaled score, NCSN)
    schedule: str = "ve"  # ve | vp | ddpm | edm: the forward process x_t = alpha x0 + sigma z
    noise_min: float = 0.01  # training noise: log(sigma/alpha) uniform in [log min, log max]
    noise_max: float = 50.0  # (the paper's VE range 0.01 .. 50)
    sigma_data: float = 1.0  # c_in = 1 / sqrt(sigma_data^2 + v)
    checkpoint_every: int = 1000  # steps between checkpoints
    device: str = "cpu"  # device, checkpoint_every and threads are not part of the identity
    threads: int = 0  # torch threads of the run (0: unset; training records this machine's)
    version: str = field(default=geomem.__version__)

    def __post_init__(self):
        check_training(self)


def check_training(cfg: TrainingFields) -> None:
    """Fail with one line (``geomem._validate.fail``) on the first bad training field of
    ``cfg``: sizes, seed, optimizer, EMA, clipping, noise law, device form, threads."""
    for name in ("n_train", "steps", "batch_size", "checkpoint_every"):
        _validate.positive_int(name, getattr(cfg, name))
    _validate.seed("seed", cfg.seed)
    _validate.positive("lr", cfg.lr)
    if cfg.optimizer not in OPTIMIZERS:
        _validate.fail("optimizer", f"one of {list(OPTIMIZERS)}", cfg.optimizer)
    if not 0 <= cfg.ema_decay < 1:
        _validate.fail("ema_decay", "a number in [0, 1)", cfg.ema_decay)
    if cfg.grad_clip < 0:
        _validate.fail("grad_clip", "a number >= 0", cfg.grad_clip)
    check_parameterization(cfg.parameterization)
    get_schedule(cfg.schedule)
    _validate.positive("noise_min", cfg.noise_min)
    if not cfg.noise_max > cfg.noise_min:
        _validate.fail("noise_max", f"a number > noise_min = {cfg.noise_min}", cfg.noise_max)
    _validate.positive("sigma_data", cfg.sigma_data)
    check_form("device", cfg.device)
    if isinstance(cfg.threads, bool) or not isinstance(cfg.threads, int) or cfg.threads < 0:
        _validate.fail("threads", "an integer >= 0", cfg.threads)


@dataclass(frozen=True)
class TrainConfig(TrainingFields):
    """Everything that decides a training run on vector data (and so its final weights):
    the training fields, the data (a preset, or a user's file named by its sha256) and the
    network (``arch`` and the MLP's sizes).

    A data-file run has ``preset=None`` and trains on the file's first ``n_train`` rows
    (nested training sets across N; the seed then decides only initialisation and steps).
    ``heldout_*`` name a held-out file for later comparisons; they do not change the weights.
    """

    preset: str | None = "paper"  # linear-manifold preset: preset.sample(N, rng(seed, TRAIN))
    arch: str = "mlp"  # mlp (geomem's MLP, sizes below) | paper (the authors' DDPMTabular:
    # fixed sizes, so width / n_blocks / emb_dim are unused; x fed unscaled, so sigma_data too)
    width: int = 128  # MLP width
    n_blocks: int = 2  # MLP residual blocks
    emb_dim: int = 128  # sinusoidal embedding size
    # a user's data file instead of a preset (added later: out of the identity while None)
    data_file: str | None = None  # .npy/.npz (N_file, d) as given to `geomem train --data`
    data_sha256: str | None = None  # sha256 of the file's bytes: the data's identity
    data_shape: tuple[int, ...] | None = None  # (N_file, d) of the file
    heldout_file: str | None = None  # held-out .npy/.npz (M, d), recorded with its sha256
    heldout_sha256: str | None = None

    # left out of config.json while None, so a preset run's config.json is what it was
    DATA_FIELDS = ("data_file", "data_sha256", "data_shape", "heldout_file", "heldout_sha256")
    LATER_FIELDS = DATA_FIELDS  # and out of runs.config.to_dict (config_hash) at their default

    def to_json(self) -> dict:
        obj = super().to_json()
        return {k: v for k, v in obj.items() if not (k in self.DATA_FIELDS and v is None)}

    def __post_init__(self):
        super().__post_init__()
        if self.data_file is None:
            data_preset(self.preset)
        else:
            check_data_fields(self)
        check_arch(self.arch)
        for name in ("width", "n_blocks", "emb_dim"):
            _validate.positive_int(name, getattr(self, name))

    @property
    def d(self) -> int:
        """The data dimension: the file's columns, or the preset's d."""
        return int(self.data_shape[1]) if self.data_file is not None else data_preset(self.preset).d


def check_data_fields(cfg: TrainConfig) -> None:
    """A data-file run: no preset, a 64-hex sha256, a (N_file, d) shape, n_train <= N_file."""
    if cfg.preset is not None:
        _validate.fail("preset", "no preset with a data file (one of the two)", cfg.preset)
    sha = cfg.data_sha256
    if not isinstance(sha, str) or len(sha) != 64 or set(sha) - set("0123456789abcdef"):
        _validate.fail("data_sha256", "the 64 hex digits of the data file's sha256", sha)
    shape = cfg.data_shape
    if not isinstance(shape, tuple) or len(shape) != 2 or min(shape, default=0) < 1:
        _validate.fail("data_shape", "the data file's (N, d), both >= 1", shape)
    if cfg.n_train > shape[0]:
        _validate.fail("n_train", f"at most the data file's N = {shape[0]} rows", f"{cfg.n_train}")


# sigma at the authors' smallest training time t = 1e-5 of sigma(t) = 0.01 (50 / 0.01)^t: their
# t ~ U[1e-5, 1] is log sigma uniform on [log of this, log 50] (synthetic_score_common.py)
PAPER_SIGMA_MIN = 0.01 * (50.0 / 0.01) ** 1e-5

# Presets: "paper" is the authors' train_spectrum.py (docs/science.md §7.2): their network, RAdam
# (no weight decay, no clipping), lr 1e-4, batch 128, EMA 0.9999, eps loss, VE sigma(t) with
# t ~ U[1e-5, 1]; "cpu" is a small budget that trains in minutes on 2 cores (geomem's MLP,
# larger lr, shorter EMA, fewer steps): its networks are *under-trained* relative to the paper.
PRESETS = {
    "paper": {
        "arch": "paper",
        "steps": 2_000_000,
        "batch_size": 128,
        "lr": 1e-4,
        "optimizer": "radam",
        "ema_decay": 0.9999,
        "grad_clip": 0.0,
        "parameterization": "eps",
        "schedule": "ve",
        "noise_min": PAPER_SIGMA_MIN,
        "noise_max": 50.0,
        "checkpoint_every": 10_000,
    },
    "cpu": {
        "steps": 8_000,
        "batch_size": 256,
        "lr": 2e-3,
        "optimizer": "radam",
        "ema_decay": 0.999,
        "checkpoint_every": 1_000,
    },
}


def train_preset(name: str, **overrides) -> TrainConfig:
    """TrainConfig of the named training preset (``paper`` or ``cpu``), with overrides."""
    if name not in PRESETS:
        _validate.fail("config", f"one of {sorted(PRESETS)}", name)
    kw = {**PRESETS[name], **{k: v for k, v in overrides.items() if v is not None}}
    if kw.get("data_file") is not None:  # a data file replaces the preset
        kw["preset"] = None
    return TrainConfig(**kw)


def data_train_config(
    data_file: str, name: str = "data", heldout: str | None = None, config: str = "cpu", **kw
) -> tuple[TrainConfig, dict]:
    """The TrainConfig of a run on a user's data file, and the data's scale.

    Records the file's path, sha256 and shape (``geomem.data.training.data_file_fields``; N
    defaults to all its rows), the held-out file's sha256, and fills the noise range and
    sigma_data the caller left None from the data's scale
    (``geomem.data.files.scale_defaults``). ``kw``: any TrainConfig field (None: default).

    Returns
    -------
    (TrainConfig, dict)
        The config and ``data_scale`` of the file (``total_var``, ``top_std``, ``rms``).
    """
    from geomem.data.files import data_scale, file_sha256, load_array, scale_defaults
    from geomem.data.training import data_file_fields

    fields = data_file_fields(data_file, name=name)
    X = load_array(data_file, name=name)
    if heldout is not None:
        held = "--heldout" if name.startswith("--") else "heldout"
        load_array(heldout, name=held, d=X.shape[1])
        kw.update(heldout_file=str(heldout), heldout_sha256=file_sha256(heldout, held))
    scale = data_scale(X)
    chosen = scale_defaults(scale)
    for k in ("noise_min", "noise_max", "sigma_data"):
        if kw.get(k) is None:
            kw[k] = chosen[k]
    if kw.get("n_train") is None:
        kw["n_train"] = fields["data_shape"][0]
    return train_preset(config, **fields, **kw), scale


def scale_line(cfg: TrainConfig, scale: dict) -> str:
    """One line reporting the data's scale and the noise law chosen from it."""
    N, d = cfg.data_shape
    top = ", ".join(f"{s:.3g}" for s in scale["top_std"][:5])
    return (
        f"data {cfg.data_file}: N = {N}, d = {d}, total variance {scale['total_var']:.4g}, "
        f"top principal stds {top}, coordinate RMS {scale['rms']:.3g}; training sigma in "
        f"[{cfg.noise_min:.3g}, {cfg.noise_max:.3g}], sigma_data {cfg.sigma_data:.3g}"
    )
