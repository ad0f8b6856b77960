"""CallableScore: a plain function predicting eps, x0, score or v gives back the exact score."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from geomem import schedules as S
from geomem.scores import CallableScore, EmpiricalScore
from geomem.spectra import autodiff_jacobian
from tests.scores.contract import check_score_contract

PARAMS = ("eps", "x0", "score", "v")


def exact(schedule):
    X = np.random.default_rng(0).standard_normal((30, 12))
    return EmpiricalScore(X, schedule), X


def as_prediction(emp: EmpiricalScore, parameterization: str, image_shape=None):
    """fn(x, t) predicting ``parameterization`` from the exact score (t a (B,) tensor)."""

    def fn(x, t):
        assert t.shape == (x.shape[0],)
        flat = x.reshape(x.shape[0], -1)
        a = torch.as_tensor(emp.schedule.alpha(t.double()))[:, None]
        s = torch.as_tensor(emp.schedule.sigma(t.double()))[:, None]
        sc = emp(flat, t.double())
        out = {
            "eps": S.eps_from_score(sc, s),
            "x0": S.denoiser_from_score(sc, flat, a, s),
            "score": sc,
            "v": S.v_from_score(sc, flat, a, s),
        }[parameterization]
        return out.reshape(x.shape)

    return fn


@pytest.mark.parametrize("parameterization", PARAMS)
@pytest.mark.parametrize(
    "schedule", [S.VE(), S.VP(), S.DDPM(beta_schedule="squaredcos_cap_v2")], ids=lambda s: s.name
)
def test_every_parameterization_gives_the_exact_score(parameterization, schedule):
    emp, X = exact(schedule)
    score = CallableScore(
        as_prediction(emp, parameterization), schedule, 12,
        parameterization=parameterization, dtype=torch.float64,
    )  # fmt: skip
    t = 60.0 if schedule.name == "ddpm" else 0.4
    x = torch.as_tensor(X[:4] + 0.1, dtype=torch.float64)
    torch.testing.assert_close(score(x, t), emp(x, t))
    torch.testing.assert_close(score.at_time(t)(x), emp(x, t))
    torch.testing.assert_close(autodiff_jacobian(score, x, t), emp.jacobian(x, t))


def test_images_reach_fn_as_images_and_contract_holds():
    emp, X = exact(S.VE())
    seen = []
    inner = as_prediction(emp, "eps")

    def fn(img, t):
        seen.append(tuple(img.shape[1:]))
        return inner(img, t)

    score = CallableScore(fn, S.VE(), 12, image_shape=(3, 2, 2), dtype=torch.float64)
    check_score_contract(score, X, rtol_batch=1e-10)
    assert set(seen) == {(3, 2, 2)}


def test_bad_arguments():
    emp, _ = exact(S.VE())
    fn = as_prediction(emp, "eps")
    with pytest.raises(ValueError, match="parameterization: expected one of"):
        CallableScore(fn, S.VE(), 12, parameterization="flow")
    with pytest.raises(ValueError, match="image_shape: expected a shape with 12 entries"):
        CallableScore(fn, S.VE(), 12, image_shape=(1, 3, 3))
    with pytest.raises(TypeError, match="fn: expected a callable"):
        CallableScore(42, S.VE(), 12)
    bad = CallableScore(lambda x, t: x[:, :3], S.VE(), 12, dtype=torch.float64)
    with pytest.raises(ValueError, match="fn output: expected a tensor with B \\* d = 24"):
        bad(torch.zeros(2, 12, dtype=torch.float64), 0.5)
