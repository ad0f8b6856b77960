"""The images experiment end to end on a tiny folder of 8x8 PNGs, through the CLI and the
sweep engine; bad input fails with one line and writes nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("diffusers")
from PIL import Image

from geomem.cli import main
from geomem.experiments.images import ImagesConfig, block_average, run_image_sweep
from geomem.experiments.registry import get_experiment
from geomem.runs.executors import make_executor
from geomem.runs.sweep import SweepSpec, run_sweep
from geomem.schedules import DDPM

FAST = dict(dataset="folder", preset="cpu", steps=6, downsample=1, n_points=2, n_heldout=2)


def write_folder(root, n=24, side=8, seed=0):
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        pixels = rng.integers(0, 256, (side, side), dtype=np.uint8)
        Image.fromarray(pixels, mode="L").save(root / f"img{i:03d}.png")
    return root


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("pngs") / "imgs")


@pytest.mark.slow  # > 10 s on 2 cores: `pytest -m slow`
def test_sweep_end_to_end(folder, tmp_path):
    base = ImagesConfig(root=str(folder), n_train=4, **FAST)
    out = tmp_path / "out"
    results = run_image_sweep([4, 8], base, out)
    for name in ("table.md", "dimension_vs_n.png", "spectra.png", "summary.json"):
        assert (out / name).is_file()
    assert [r["N"] for r in results] == [4, 8] and results[0]["d"] == 64
    arr = np.load(out / "N8" / "arrays.npz")
    for model in ("network", "exact"):
        for where in ("train", "heldout"):
            assert arr[f"spectra_{model}_{where}"].shape == (2, 64)
            assert np.all(np.diff(arr[f"spectra_{model}_{where}"], axis=1) >= -1e-12)
    # the exact score of N far-apart images collapses onto the nearest one at step 15:
    # r = 1 - eig(posterior covariance) / v = 1 in every direction, dimension 0
    np.testing.assert_allclose(arr["spectra_exact_train"], 1.0, atol=1e-6)
    assert results[1]["dims"]["exact"]["train"]["threshold"]["mean"] == 0
    assert results[1]["dims"]["network"]["train"]["threshold"]["values"] == list(
        arr["dimension_network_train_threshold"]
    )
    table = (out / "table.md").read_text()
    assert table.count("| 4 |") == 4 and table.count("| 8 |") == 4
    # the same command again finds every run finished and trains nothing
    mtime = (out / "N4" / "train" / "checkpoint.pt").stat().st_mtime_ns
    run_image_sweep([4, 8], base, out)
    assert (out / "N4" / "train" / "checkpoint.pt").stat().st_mtime_ns == mtime


def test_n_larger_than_the_dataset_writes_nothing(folder, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                *("experiment", "images", "--dataset", "folder", "--root", str(folder)),
                *("--n-train", "8,23", "--downsample", "1", "--out", str(out)),
            ]
        )
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and "\n" not in err
    assert "--n-train: expected at most 16 (dataset of 24 images, 8 held out), got 23" in err
    assert not out.exists()


def test_mixed_sizes_and_bad_sizes_write_nothing(tmp_path):
    root = write_folder(tmp_path / "mixed", n=6)
    Image.fromarray(np.zeros((10, 10), np.uint8), mode="L").save(root / "odd.png")
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="size"):
        run_image_sweep([4], ImagesConfig(root=str(root), n_train=4, **FAST), out)
    odd = write_folder(tmp_path / "odd", n=12, side=7)  # 7x7: H not divisible by 2
    with pytest.raises(ValueError, match="image_shape: expected H and W divisible by 2"):
        run_image_sweep([4], ImagesConfig(root=str(odd), n_train=4, **FAST), out)
    with pytest.raises(ValueError, match="downsample: expected a factor dividing"):
        block_average(np.zeros((1, 1, 6, 6), np.float32), 4)
    assert not out.exists()


def test_noise_var_sets_the_step():
    cfg = ImagesConfig(noise_var=0.01)
    assert DDPM().noise_var(cfg.time()) == pytest.approx(0.01, rel=1e-9)
    assert ImagesConfig().time() == 15.0
    with pytest.raises(ValueError, match="route: expected"):
        ImagesConfig(route="dense")


@pytest.mark.slow  # > 10 s on 2 cores: `pytest -m slow`
def test_one_n_runs_through_the_sweep_engine(folder, tmp_path):
    exp = get_experiment("images")
    assert exp.config_cls is ImagesConfig
    spec = SweepSpec(exp, {**FAST, "root": str(folder)}, {"n_train": [4]})
    res = run_sweep(spec, tmp_path / "store", make_executor("inline"), progress=False)
    assert res.ok == 1 and res.failed == 0
    rows = [json.loads(x) for x in (tmp_path / "store" / "results.jsonl").read_text().splitlines()]
    assert rows[0]["metrics"]["dims"]["exact"]["train"]["threshold"]["mean"] == 0


def test_missing_dataset_files_write_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(["experiment", "images", "--root", str(tmp_path), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2 and "\n" not in err
    assert "train-images-idx3-ubyte" in err
    assert not out.exists()
