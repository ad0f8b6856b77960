"""The authors' network (nets.paper): every layer's shape, 535 198 parameters at d = 30."""

import math

import numpy as np
import pytest
import torch

from geomem.nets.mlp import MLP, MLPConfig
from geomem.nets.paper import PaperNet, PaperNetConfig, paper_embedding


def expected_shapes(d: int) -> dict:
    """DDPMTabular(input_size=d) of synthetic_score_common.py, key by key (its state dict)."""
    shapes = {
        "temb_layer.0.weight": (512, 128),
        "temb_layer.0.bias": (512,),
        "temb_layer.2.weight": (512, 512),
        "temb_layer.2.bias": (512,),
        "layers.0.0.weight": (128, d),
        "layers.0.0.bias": (128,),
    }
    for b in (1, 2):
        p = f"layers.{b}.0."
        shapes |= {
            p + "block_1.0.weight": (128,),  # LayerNorm
            p + "block_1.0.bias": (128,),
            p + "block_1.2.weight": (128, 128),  # Linear after SiLU
            p + "block_1.2.bias": (128,),
            p + "temb_proj.1.weight": (128, 512),  # SiLU -> Linear of the embedding
            p + "temb_proj.1.bias": (128,),
            p + "block_2.0.weight": (128,),  # LayerNorm
            p + "block_2.0.bias": (128,),
            p + "block_2.3.weight": (128, 128),  # Linear after SiLU, Dropout
            p + "block_2.3.bias": (128,),
        }
    shapes |= {
        "out.0.weight": (128,),
        "out.0.bias": (128,),
        "out.2.weight": (d, 128),
        "out.2.bias": (d,),
    }
    return shapes


def test_every_layer_and_the_total_at_d30():
    net = PaperNet(PaperNetConfig(d=30))
    got = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    assert got == expected_shapes(30)
    assert sum(p.numel() for p in net.parameters()) == 535_198
    assert sum(math.prod(s) for s in expected_shapes(30).values()) == 535_198
    assert sum(p.numel() for p in MLP(MLPConfig(d=30)).parameters()) == 140_702  # unchanged


def test_block_layer_types_and_dropout():
    block = PaperNet(PaperNetConfig(d=30)).layers[1][0]
    kinds = [type(m).__name__ for m in block.block_1] + [type(m).__name__ for m in block.block_2]
    assert kinds == ["LayerNorm", "SiLU", "Linear", "LayerNorm", "SiLU", "Dropout", "Linear"]
    assert [type(m).__name__ for m in block.temb_proj] == ["SiLU", "Linear"]
    assert block.block_2[2].p == 0.0


def test_embedding_is_the_authors_formula():
    sigma = torch.tensor([0.01, 1.0, 50.0], dtype=torch.float64)
    k = np.arange(64)
    arg = sigma.numpy()[:, None] * np.exp(-k * np.log(10000) / 63)[None]
    want = np.concatenate([np.sin(arg), np.cos(arg)], axis=1)
    np.testing.assert_allclose(paper_embedding(sigma, 128).numpy(), want, rtol=1e-13)
    assert paper_embedding(sigma, 7).shape == (3, 7)


def test_forward_conditions_on_sigma():
    torch.manual_seed(0)
    net = PaperNet(PaperNetConfig(d=5)).double()
    x, sigma = torch.randn(4, 5, dtype=torch.float64), torch.tensor([0.1, 1.0, 3.0, 40.0])
    sigma = sigma.double()
    e = net.temb_layer(paper_embedding(sigma, 128))
    h = net.layers[0](x)
    for blk in net.layers[1:]:
        r = blk[0]
        h = r.block_2(r.block_1(h) + r.temb_proj(e)) + h
    torch.testing.assert_close(net(x, torch.log(sigma)), net.out(h))


@pytest.mark.parametrize("bad", [{"d": 0}, {"d": 3, "dropout": 1.0}, {"d": 3, "emb_dim": 2}])
def test_bad_sizes_fail(bad):
    with pytest.raises(ValueError):
        PaperNetConfig(**bad)
