import numpy as np
import pytest
import torch

from geomem.data import preset
from geomem.nets import MLP, MLPConfig, Precond
from geomem.schedules import VE, VP
from geomem.scores import EmpiricalScore, GaussianScore
from geomem.scores.network import NetworkScore
from tests.scores.contract import check_score_contract
from tests.scores.helpers_network import EmpiricalModule

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data():
    return preset("paper").sample(200, np.random.default_rng(0))


@pytest.mark.parametrize("param", ["eps", "x0", "score"])
@pytest.mark.parametrize("sched", [VE(), VP()], ids=["ve", "vp"])
def test_adapter_recovers_exact_score(data, param, sched):
    emp = EmpiricalScore(data, sched)
    net = NetworkScore(
        EmpiricalModule(emp, param),
        sched,
        30,
        parameterization=param,
        precond=Precond(scale_input=False),
    )
    x = torch.as_tensor(data[:6] + 0.1 * np.random.default_rng(1).standard_normal((6, 30)))
    for t in (0.05, 0.4):
        torch.testing.assert_close(net(x, t), emp(x, t), rtol=1e-10, atol=1e-10)


def test_contract_network_of_exact_score(data):
    emp = EmpiricalScore(data, VE())
    net = NetworkScore(EmpiricalModule(emp, "eps"), VE(), 30, precond=Precond(scale_input=False))
    check_score_contract(net, data)


def test_contract_exact_scores(data):
    check_score_contract(EmpiricalScore(data, VE()), data)
    check_score_contract(
        GaussianScore.from_manifold(preset("paper-flat"), VE()),
        preset("paper-flat").sample(500, np.random.default_rng(2)),
    )


def test_contract_random_mlp():
    mlp = MLP(MLPConfig(d=30, width=32, emb_dim=16))
    X = np.random.default_rng(3).standard_normal((50, 30))
    score = NetworkScore(mlp, VE(), 30, parameterization="x0")
    # an x0-network's score at large noise is (D - x)/sigma^2 with |D| << |x|: the limit holds
    check_score_contract(score, X, rtol_large=0.05)


def test_bad_parameterization():
    with pytest.raises(ValueError, match="parameterization: expected"):
        NetworkScore(torch.nn.Identity(), VE(), 3, parameterization="v")
