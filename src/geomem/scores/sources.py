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
            name, f"a run trained on the queried data {data}", f"{run} trained with {diff}"
        )


def data_fields(cfg) -> dict:
    """The fields of a study config that decide its training set and forward process."""
    return {
        "preset": cfg.preset,
        "n_train": cfg.n_train,
        "seed": cfg.seed,
        "schedule": cfg.schedule,
    }


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
