"""The Score contract over every Score the front door exports (sklearn's common-test idea): a
new Score class must join ``FACTORIES`` or this test fails."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import geomem
from geomem.nets import Precond
from geomem.scores.base import Score
from tests.scores.contract import check_score_contract
from tests.scores.helpers_network import EmpiricalModule

pytestmark = pytest.mark.usefixtures("one_thread")
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "audit" / "tiny-memorizer"


def _data():
    return geomem.preset("paper-flat").sample(200, np.random.default_rng(0))


def _empirical():
    X = _data()
    return geomem.EmpiricalScore(X, geomem.VE()), X, {}


def _gaussian():
    m = geomem.preset("paper-flat")
    return geomem.score_source("population", schedule="ve", manifold=m), _data(), {}


def _network():
    X = _data()
    emp = geomem.EmpiricalScore(X, geomem.VE())
    module = EmpiricalModule(emp, "eps")
    net = geomem.NetworkScore(module, geomem.VE(), 30, precond=Precond(scale_input=False))
    return net, X, {}


def _callable():
    X = _data()
    emp = geomem.EmpiricalScore(X, geomem.VE())
    score = geomem.CallableScore(
        lambda x, t: emp(x, t), geomem.VE(), 30, parameterization="score", dtype=torch.float64
    )
    return score, X, {"rtol_batch": 1e-10}


def _diffusers():
    model = geomem.load_model(FIXTURE)
    X = np.load(FIXTURE.parent / "train.npy").reshape(-1, model.d)[:16].astype(np.float64)
    kw = {"times": (5.0, 50.5), "large_noise": False, "rtol_batch": 1e-4}
    return model.score, X, kw


FACTORIES = {
    "EmpiricalScore": _empirical,
    "GaussianScore": _gaussian,
    "NetworkScore": _network,
    "CallableScore": _callable,
    "DiffusersScore": _diffusers,
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_score_keeps_the_contract(name):
    score, X, kw = FACTORIES[name]()
    assert type(score).__name__ == name and isinstance(score, Score)
    check_score_contract(score, X, **kw)


def test_every_exported_score_class_is_covered():
    exported = {
        n for n in geomem.__all__ if isinstance(getattr(geomem, n), type) and n.endswith("Score")
    }
    assert exported == set(FACTORIES)


def test_measure_works_on_every_score():
    for name, make in FACTORIES.items():
        score, X, _ = make()
        res = geomem.measure(score, X[:2], 1e-2, rules=("threshold",))
        assert res.dimension().shape == (1, 2), name
        assert np.isfinite(res.spectra).all(), name
