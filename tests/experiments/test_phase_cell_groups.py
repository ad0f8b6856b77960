"""The block-moments route over several level groups (> 128 query rows) and every point-noise
mode gives the library's counts (the scan route: closed-form Jacobian, full eigenbasis)."""

import numpy as np
import pytest

from geomem.experiments.phase.cell import PhaseCellConfig, measure_cell

V = tuple(np.logspace(-4, 0.5, 10).tolist())  # 10 levels x 16 points: two groups


@pytest.mark.parametrize("noise", ["matched", "none", "0.05"])
def test_block_moments_groups_equal_scan(noise):
    base = PhaseCellConfig(V, n_train=120, seed=1, n_points=16, point_noise=noise)
    ref = measure_cell(PhaseCellConfig(**{**base.__dict__, "route": "scan"}))
    got = measure_cell(base)
    assert np.array_equal(got, ref)
    assert got.shape == (10, 16, 3)
