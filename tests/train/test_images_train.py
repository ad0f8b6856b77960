"""U-Nets through the shared training loop: loss falls on 8x8 digits, spectra have the right
shape, resume is bit-identical, checkpoints of another image size are refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("diffusers")

from geomem.data.images import load_images, subset
from geomem.spectra.jacobian import jacobian_spectrum
from geomem.train.images import (
    ImageTrainConfig,
    image_score,
    load_image_run,
    train_images,
)

SMALL = dict(base_channels=8, channel_mult=(1, 2), layers_per_block=1, batch_size=16, lr=2e-3)


def blobs(n: int, seed: int = 0, side: int = 8) -> np.ndarray:
    """(n, 1, side, side) float32 in [-1, 1]: one Gaussian bump per image at a random place."""
    rng = np.random.default_rng(seed)
    g = np.arange(side)
    c = rng.uniform(1.5, side - 2.5, (n, 2))
    d2 = (g[None, :, None] - c[:, 0, None, None]) ** 2 + (
        g[None, None, :] - c[:, 1, None, None]
    ) ** 2
    return (2 * np.exp(-d2 / 4.0) - 1).astype(np.float32)[:, None]


def cfg(**kw) -> ImageTrainConfig:
    base = dict(image_shape=(1, 8, 8), n_train=32, steps=60, checkpoint_every=20, **SMALL)
    return ImageTrainConfig(**{**base, **kw})


def digits(n: int, seed: int = 0) -> np.ndarray:
    """(n, 1, 8, 8) real handwritten digits (scikit-learn's file) in [-1, 1]."""
    return subset(load_images("digits"), n, seed).images


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run = tmp_path_factory.mktemp("unet") / "run"
    metrics = train_images(cfg(ema_decay=0.9), digits(32), run)
    return run, metrics


@pytest.mark.slow  # > 10 s on 2 cores: `pytest -m slow`
def test_short_training_lowers_the_loss_and_spectrum_has_shape(trained):
    run, metrics = trained
    assert len(metrics["losses"]) == 3
    assert metrics["final_loss"] < 0.7 * metrics["first_loss"]
    score = image_score(run, image_shape=(1, 8, 8))
    x = torch.as_tensor(digits(3, seed=1).reshape(3, -1), dtype=torch.float64)
    sp = jacobian_spectrum(score, x, 15.0, method="autodiff")
    assert sp.eigvals.shape == (3, 64)
    assert np.all(np.isfinite(sp.eigvals)) and np.all(np.diff(sp.eigvals, axis=1) >= 0)
    assert sp.asymmetry is not None and np.all(sp.asymmetry < 1.0)


@pytest.mark.slow  # > 10 s on 2 cores: `pytest -m slow`
def test_resume_after_a_crash_is_bit_identical(tmp_path, monkeypatch):
    import geomem.train.loop as loop

    X, c = blobs(32), cfg(steps=20, checkpoint_every=10)
    train_images(c, X, tmp_path / "once")
    real = loop._one_step

    def crash_at_15(cfg_, model, ema, opt, X_, step):
        if step == 15:
            raise KeyboardInterrupt
        return real(cfg_, model, ema, opt, X_, step)

    monkeypatch.setattr(loop, "_one_step", crash_at_15)
    with pytest.raises(KeyboardInterrupt):
        train_images(c, X, tmp_path / "crashed")
    assert load_image_run(tmp_path / "crashed")[2] == 10  # the step-10 checkpoint survived
    monkeypatch.setattr(loop, "_one_step", real)
    train_images(c, X, tmp_path / "crashed")  # same command again: resumes at step 10
    for ema in (True, False):
        a = load_image_run(tmp_path / "once", ema=ema)[0].state_dict()
        b = load_image_run(tmp_path / "crashed", ema=ema)[0].state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.slow  # > 10 s on 2 cores: `pytest -m slow`
def test_checkpoint_of_another_image_size_is_refused(trained, tmp_path):
    run, _ = trained
    with pytest.raises(ValueError, match=r"checkpoint: expected a model of image shape \(1, 16"):
        load_image_run(run, image_shape=(1, 16, 16))
    with pytest.raises(ValueError, match="out: expected an empty directory") as exc:
        train_images(cfg(image_shape=(1, 16, 16), ema_decay=0.9), blobs(32, side=16), run)
    assert "image_shape" in str(exc.value)


def test_images_of_the_wrong_size_or_count_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"images: expected shape \(N, \(1, 8, 8\)\)"):
        train_images(cfg(), blobs(32, side=16), tmp_path / "a")
    with pytest.raises(ValueError, match="images: expected 32 images"):
        train_images(cfg(), blobs(20), tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"device": "gpu"}, "device: expected 'cpu', 'cuda', 'cuda:K' or 'mps'"),
        ({"optimizer": "sgd"}, r"optimizer: expected one of \['radam', 'adam'\]"),
        ({"seed": -1}, "seed: expected an integer >= 0"),
        ({"threads": -2}, "threads: expected an integer >= 0"),
    ],
)
def test_image_and_vector_configs_share_one_check(kw, match):
    from geomem.train.config import TrainConfig, TrainingFields

    assert issubclass(ImageTrainConfig, TrainingFields)
    for make in (TrainConfig, cfg):
        with pytest.raises(ValueError, match=match):
            make(**kw)
