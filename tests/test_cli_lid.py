"""`geomem lid`: the CSV equals geomem.lid's frame; bad input is one line, exit 2, nothing
written; another config's output is refused."""

from __future__ import annotations

import numpy as np
import pytest

from geomem.cli import main

pd = pytest.importorskip("pandas")
STDS = np.r_[np.ones(4), np.full(12, 1e-3)]  # a 4-dimensional Gaussian in R^16


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "X.npy", rng.standard_normal((2000, 16)) * STDS)
    np.save(tmp_path / "Q.npy", rng.standard_normal((12, 16)) * STDS)  # fresh points
    return tmp_path


def test_lid_csv_equals_the_library_frame(files, capsys):
    import geomem

    out = files / "lid.csv"
    args = ["lid", "--model", "exact", "--data", files / "X.npy", "--points", files / "Q.npy"]
    code, stdout, _ = run(capsys, *args, "--noise-var", "0.3", "--out", out)
    assert code == 0 and "wrote" in stdout
    got = pd.read_csv(out)
    X, Q = np.load(files / "X.npy"), np.load(files / "Q.npy")
    want = geomem.lid(geomem.EmpiricalScore(X, geomem.VE()), Q, [0.3])
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-10)
    assert np.mean(got["threshold"] == 4) >= 0.75  # the exact score still generalizes here
    code, _, _ = run(capsys, *args, "--noise-var", "0.3", "--out", out)  # same config: rerun
    assert code == 0
    code, _, err = run(capsys, *args, "--noise-var", "0.1", "--out", out)
    assert code == 2 and err.startswith("geomem: error: --out: expected a new path")
    pd.testing.assert_frame_equal(pd.read_csv(out), got)  # kept


def test_lid_multiscale_columns(files, capsys):
    out = files / "m.csv"
    code, _, _ = run(
        capsys, "lid", "--data", files / "X.npy", "--points", files / "Q.npy",
        "--noise-var", "0.03,0.3,3", "--out", out, "--multiscale", "--no-flipd",
    )  # fmt: skip
    frame = pd.read_csv(out)
    assert code == 0 and len(frame) == 36 and frame["flipd"].isna().all()
    assert {"plateau_dim", "plateau_levels", "knee_noise_var"} <= set(frame.columns)
    png = out.with_suffix(".png")  # the multiscale figure beside the CSV, a real PNG
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


@pytest.mark.parametrize(
    "extra, flag",
    [
        (["--noise-var", "-1"], "--noise-var"),
        (["--noise-var", "0.1", "--threshold", "2"], "--threshold"),
        (["--noise-var", "0.1", "--points", "X16.npy"], "--points"),
        (["--noise-var", "0.1", "--model", "nowhere"], "--model"),
        (["--noise-var", "0.1", "--route", "fast"], "--route"),
    ],
)
def test_lid_bad_input_is_one_line_and_writes_nothing(files, capsys, extra, flag):
    np.save(files / "X16.npy", np.zeros((3, 15)))
    args = ["lid", "--data", files / "X.npy", "--points", files / "Q.npy", "--out", files / "o.csv"]
    extra = [str(files / e) if e.endswith(".npy") else e for e in extra]
    if "--model" in extra:
        args = [a for a in args if a not in ("--data", files / "X.npy")]
    code, _, err = run(capsys, *args, *extra)
    assert code == 2 and err.startswith(f"geomem: error: {flag}: expected"), err
    assert len(err.strip().splitlines()) == 1
    assert not (files / "o.csv").exists() and not (files / "o.csv.json").exists()


def test_lid_exact_needs_data(files, capsys):
    args = ["lid", "--points", files / "Q.npy", "--noise-var", "0.1", "--out", files / "o.csv"]
    code, _, err = run(capsys, *args)
    assert code == 2 and err.startswith("geomem: error: --data: expected a training set")
    code, _, err = run(capsys, *args[:-1], files / "o.txt")
    assert code == 2 and "--out: expected a path ending in .csv" in err


@pytest.mark.slow
def test_lid_of_a_diffusers_folder(tmp_path, capsys):
    """--model DIFFUSERS_DIR (the audit's tiny fixture): images as points, autodiff route."""
    from pathlib import Path

    fixture = Path(__file__).resolve().parent / "fixtures" / "audit"
    np.save(tmp_path / "q.npy", np.load(fixture / "train.npy")[:2])
    out = tmp_path / "d.csv"
    code, _, _ = run(
        capsys, "lid", "--model", fixture / "tiny-memorizer", "--points", tmp_path / "q.npy",
        "--noise-var", "0.01", "--out", out, "--no-flipd",
    )  # fmt: skip
    frame = pd.read_csv(out)
    assert code == 0 and len(frame) == 2 and (frame["route"] == "autodiff").all()
    code, _, err = run(
        capsys, "lid", "--model", fixture / "tiny-memorizer", "--data", tmp_path / "q.npy",
        "--points", tmp_path / "q.npy", "--noise-var", "0.01", "--out", tmp_path / "e.csv",
    )  # fmt: skip
    assert code == 2 and "--data: expected no --data with a trained model" in err
