"""The DDPM U-Net score: Score contract, time input, Jacobian routes (dense, torch.func with
attention, matrix-free), missing diffusers."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

pytest.importorskip("diffusers")

from geomem.nets.unet import UNet, UNetConfig, require_diffusers
from geomem.schedules import DDPM
from geomem.scores.network import NetworkScore
from geomem.spectra import autodiff_jacobian
from geomem.spectra.dimension import threshold_dimension
from geomem.spectra.jacobian import jacobian_spectrum
from geomem.spectra.lanczos import lanczos_spectrum
from tests.scores.contract import check_score_contract


def tiny(shape=(1, 8, 8), attention=(), mid=False, seed=0) -> NetworkScore:
    torch.manual_seed(seed)
    net = UNet(UNetConfig(shape, 8, (1, 2), 1, attention, mid))
    return NetworkScore(net, DDPM(), int(np.prod(shape)))


def test_unet_score_keeps_the_score_contract():
    score = tiny()
    X = np.random.default_rng(0).uniform(-1, 1, (20, 64))
    check_score_contract(score, X, times=(15.0, 400.0), large_noise=False)


def test_time_input_is_the_ddpm_step():
    net = UNet(UNetConfig((1, 8, 8), 8, (1, 2), 1, (), False))
    k = np.array([0.0, 1.0, 15.0, 15.5, 500.0, 998.0])
    c = 0.5 * torch.log(torch.as_tensor(DDPM().noise_var(k), dtype=torch.float64))
    np.testing.assert_allclose(net.step_of(c).numpy(), k, atol=1e-6)


@pytest.mark.slow  # > 10 s on 2 cores: `pytest -m slow`
def test_exact_route_with_attention_matches_autograd_jacobian():
    # attention falls off torch.func's fast path on CPU (batching fallback) but stays exact
    score = tiny(attention=(4,), mid=True)
    x = torch.as_tensor(np.random.default_rng(1).uniform(-1, 1, (2, 64)))
    J = autodiff_jacobian(score, x, 15.0, point_chunk=1, row_chunk=16)
    ref = torch.stack(
        [torch.autograd.functional.jacobian(lambda z: score(z[None], 15.0)[0], xi) for xi in x]
    )
    torch.testing.assert_close(J, ref, rtol=1e-9, atol=1e-9)


class Shifted:
    """s(x) - x / sigma_t^2: normalised eigenvalues r + 1 (positive, so thresholds apply)."""

    def __init__(self, score):
        self.inner, self.schedule, self.d, self.dtype = score, score.schedule, score.d, score.dtype

    def __call__(self, x, t):
        return self.at_time(t)(x)

    def at_time(self, t):
        f, c = self.inner.at_time(t), 1.0 / float(self.schedule.sigma(t)) ** 2
        return lambda x: f(x) - c * x


@pytest.mark.slow  # > 10 s on 2 cores: `pytest -m slow`
def test_matrix_free_low_end_and_dimension_match_dense():
    score = Shifted(tiny(shape=(1, 16, 16), seed=2))  # d = 256: blocks of 8 stay below d / 5
    x = torch.as_tensor(np.random.default_rng(3).uniform(-1, 1, (2, 256)))
    dense = jacobian_spectrum(score, x, 15.0, method="autodiff")
    # a threshold between the 5th and 6th smallest eigenvalue of the first point
    thr = float(dense.eigvals[0, 4:6].mean())
    mf = lanczos_spectrum(score, x, 15.0, threshold=thr, k=8, tol=1e-9)
    assert mf.method == "lanczos" and mf.eigvals.shape[1] < 256
    k = mf.eigvals.shape[1]
    np.testing.assert_allclose(mf.eigvals, dense.eigvals[:, :k], atol=1e-6)
    np.testing.assert_array_equal(threshold_dimension(mf, thr), threshold_dimension(dense, thr))
    assert threshold_dimension(dense, thr)[0] == 5


def test_missing_diffusers_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "diffusers", None)
    with pytest.raises(ImportError, match=r"^diffusers: expected .*pip install") as exc:
        require_diffusers()
    assert "\n" not in str(exc.value)


def test_bad_sizes_are_refused():
    with pytest.raises(
        ValueError, match=r"image_shape: expected H and W divisible by 2\^\(levels-1\) = 8"
    ):
        UNetConfig((1, 28, 28), channel_mult=(1, 2, 2, 2))
    with pytest.raises(ValueError, match="channel_mult"):
        UNetConfig((1, 8, 8), channel_mult=())
