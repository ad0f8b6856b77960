"""The one score factory of the studies: a model name or run directory -> a ``Score``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import _validate, seeds
from geomem.boundary import read_json
from geomem.data import LinearManifold, preset
from geomem.schedules import Schedule, get_schedule
from geomem.scores.base import Score
from geomem.scores.empirical import EmpiricalScore
from geomem.scores.network import NetworkScore
from geomem.scores.population import population_score

MODELS = ("exact", "population")


def score_source(
    model: str,
    X: np.ndarray | None = None,
    schedule: Schedule | str = "ve",
    *,
    manifold: LinearManifold | None = None,
    seed: int = 0,
    population_n: int = 100_000,
    chunk_size: int = 4096,
    device: str = "cpu",
) -> Score:
    """A ``Score`` by name: the exact score of X, the population reference, or a network.

    Parameters
    ----------
    model : str
        ``"exact"``: ``EmpiricalScore`` of the training set X (N, d) — the score of the
        empirical distribution, which memorizes by construction; ``"population"``: the
        N -> infinity reference of ``manifold`` (closed form when flat, else the exact score of
        ``population_n`` fresh samples drawn with stream ``seeds.POPULATION``); otherwise a
        `geomem train` run directory (its EMA network as a ``NetworkScore``).
    X : ndarray, shape (N, d), optional
        The training set (needed for ``"exact"``).
    schedule : Schedule or str
        The forward process of the exact and population scores (a run keeps its own).
    manifold : LinearManifold, optional
        Needed for ``"population"``.
    seed, population_n, chunk_size, device
        The population draw's seed and size, training points per streamed chunk, device.

    Returns
    -------
    Score
        Callable ``score(x, t)`` on (B, d) with ``.schedule`` and ``.d``.
    """
    sched = get_schedule(schedule) if isinstance(schedule, str) else schedule
    kw = {"chunk_size": chunk_size, "device": device}
    if model == "exact":
        if X is None:
            _validate.fail("X", "a training set (N, d) for the exact score", None)
        return EmpiricalScore(X, sched, **kw)
    if model == "population":
        if manifold is None:
            _validate.fail("manifold", "a LinearManifold for the population score", None)
        rng = seeds.rng(seed, seeds.POPULATION)
        return population_score(manifold, sched, n_samples=population_n, rng=rng, **kw)
    return NetworkScore.from_run(model, device=device)


def check_trained_on(
    run: str | Path, data: dict, name: str = "model", *, also: tuple[str, ...] = MODELS
) -> None:
    """Fail unless ``run`` is a `geomem train` run directory trained on ``data``.

    ``data`` holds the fields that decide the training set (e.g. preset, n_train, seed,
    schedule); the run's ``config.json`` must agree on each. Errors name ``name``; when
    ``also`` is non-empty the message lists those model names as the alternatives."""
    run = Path(run)
    if not (run / "config.json").is_file() or not (run / "checkpoint.pt").is_file():
        what = "a `geomem train` run directory"
        alts = ", ".join(f"'{m}'" for m in also)
        _validate.fail(name, f"{alts} or {what}" if also else what, str(run))
    tcfg = read_json(name, run / "config.json")
    diff = {k: tcfg.get(k) for k, v in data.items() if tcfg.get(k) != v}
    if diff:
        _validate.fail(
            name,
            f"a run trained on the queried data {_short(data)}",
            f"{run} trained with {_short(diff)}",
        )


def _short(fields: dict) -> dict:
    """``fields`` with a sha256 cut to 12 digits, for one readable error line."""
    sha = fields.get("data_sha256")
    return {**fields, "data_sha256": sha[:12] + "..."} if isinstance(sha, str) else fields


def data_fields(cfg) -> dict:
    """The fields of a study config that decide its training set and forward process: its
    preset's (preset, n_train, seed, schedule), or for a data file (``cfg.data_file``) the
    file's sha256, its row count as n_train, and the schedule (``file_fields``)."""
    if getattr(cfg, "data_file", None) is not None:
        return {**file_fields(cfg.data_file), "schedule": cfg.schedule}
    return {
        "preset": cfg.preset,
        "n_train": cfg.n_train,
        "seed": cfg.seed,
        "schedule": cfg.schedule,
    }


def file_fields(path: str | Path, name: str = "data") -> dict:
    """What a `geomem train --data` run must have recorded to be trained on all of the file
    at ``path``: {data_sha256, n_train} (the sha256 of its bytes, its number of rows)."""
    from geomem.data.files import file_sha256, open_array

    rows = open_array(path, name=name).shape[0]
    return {"data_sha256": file_sha256(path, name), "n_train": rows}


def source_of(cfg, X: np.ndarray | None, manifold: LinearManifold | None) -> Score:
    """``score_source`` for a study config with model / schedule / seed / population_n /
    chunk_size / device fields (the spectrum and sample studies)."""
    return score_source(
        cfg.model,
        X,
        cfg.schedule,
        manifold=manifold,
        seed=cfg.seed,
        population_n=cfg.population_n,
        chunk_size=cfg.chunk_size,
        device=cfg.device,
    )


def check_data_and_model(cfg) -> None:
    """The data spec shared by the spectrum and sample studies: exactly one of a preset (with
    N >= 1) or a data file, and a model that is 'exact', 'population' (needs a preset) or a
    run trained on that same data."""
    if (cfg.preset is None) == (cfg.data_file is None):
        _validate.fail(
            "data",
            "exactly one of --preset or --data",
            {"preset": cfg.preset, "data": cfg.data_file},
        )
    if cfg.preset is not None:
        preset(cfg.preset)  # raises for unknown names
        _validate.positive_int("n_train", cfg.n_train)
    _validate.seed("seed", cfg.seed)
    if cfg.model not in MODELS:
        check_trained_on(cfg.model, data_fields(cfg))
    if cfg.model == "population" and cfg.preset is None:
        _validate.fail(
            "model", "a --preset for the population model (a data file has none)", cfg.data_file
        )


def data_run_fields(model: str | Path) -> dict | None:
    """The data-file record ({data_file, data_sha256, data_shape, n_train}) of a `geomem train
    --data` run directory ``model``; None for anything else (a preset run, a diffusers folder,
    a model name)."""
    run = Path(model)
    if not ((run / "config.json").is_file() and (run / "checkpoint.pt").is_file()):
        return None
    cfg = read_json("model", run / "config.json")
    if not isinstance(cfg, dict) or cfg.get("data_sha256") is None:
        return None
    return {k: cfg.get(k) for k in ("data_file", "data_sha256", "data_shape", "n_train")}


def check_data_run(model: str | Path, data: str | Path, name: str = "data") -> None:
    """Fail (one line naming ``name``) when ``model`` is a `geomem train --data` run and the
    file ``data`` is not the one it was trained on (sha256 and number of rows); nothing to
    check for other models. The hook `lid` and `audit` call beside a model and a data file."""
    if data_run_fields(model) is not None:
        check_trained_on(model, file_fields(data, name), name, also=())
