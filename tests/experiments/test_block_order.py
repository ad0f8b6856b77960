"""Block-order study: designs, a tiny end-to-end run, input checks."""

import json

import numpy as np
import pytest

from geomem.experiments.block_order.study import BlockOrderConfig, manifold, run_block_order
from geomem.experiments.registry import EXPERIMENTS
from geomem.runs.base import run_in_dir


def test_designs_separate_variance_from_dimension():
    eq = manifold("equal", False)
    assert [b.dim for b in eq.blocks] == [3, 3] and [b.std for b in eq.blocks] == [1.0, 0.3]
    sw = manifold("swapped", True)
    assert [b.dim for b in sw.blocks] == [5, 2] and sw.normalize
    assert EXPERIMENTS["block-order"].config_cls is BlockOrderConfig


def test_tiny_run(tmp_path):
    cfg = BlockOrderConfig(
        designs=("equal",), n_train=(64,), noise_var=(0.01, 0.1, 0.5), seeds=(0,), n_points=2,
        theory_draws=2,
    )  # fmt: skip
    m = run_in_dir(cfg, tmp_path, run_block_order)
    assert [r["manifold"] for r in m["results"]] == ["equal-flat", "equal-sphere"]
    arr = np.load(tmp_path / "arrays.npz")
    assert arr["equal-flat_measured"].shape == (1, 3, 3)
    assert (tmp_path / "block_order.png").exists()
    assert json.loads((tmp_path / "metrics.json").read_text())["results"][0]["lost_first"]


@pytest.mark.parametrize("kw", [{"designs": ("nope",)}, {"n_train": (1,)}, {"threshold": 2.0}])
def test_bad_config(kw):
    with pytest.raises(ValueError, match=": expected"):
        BlockOrderConfig(**kw)
