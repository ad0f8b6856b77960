"""Legitimate input is accepted (a false refusal is a bug too), and the neighbouring bad input is
still refused in one line: zero covariance eigenvalues, cpu:0, one training point, an exact-
duplicate-only memorization threshold, a TOML spec with a byte-order mark."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geomem.cli import main


def _run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    cap = capsys.readouterr()
    return exc.value.code, cap.out, cap.err


def test_zero_eigenvalues_are_manifold_data(tmp_path, capsys):
    out = tmp_path / "ct.json"
    code, _, err = _run(
        capsys, "theory", "collapse-time", "--eigvals", "2,2,0.5,0.1,0,0,0,0", "--load", "0.1",
        "--out", out,
    )  # fmt: skip
    assert code == 0, err
    from geomem.theory import collapse_time

    assert json.loads(out.read_text())["t_collapse"] == pytest.approx(
        collapse_time([2, 2, 0.5, 0.1, 0, 0, 0, 0], 0.1), rel=1e-12
    )


@pytest.mark.parametrize(
    "eigvals,expected",
    [("0,0", "--eigvals: expected finite numbers >= 0"), ("1e308,1e308", "--eigvals: expected")],
)
def test_impossible_eigenvalues_refused_in_one_line(tmp_path, capsys, eigvals, expected):
    out = tmp_path / "ct.json"
    code, _, err = _run(
        capsys, "theory", "collapse-time", "--eigvals", eigvals, "--load", "0.1", "--out", out
    )
    assert code == 2 and err.startswith("geomem: error: " + expected) and len(err.splitlines()) == 1
    assert not out.exists()


def test_cpu_0_is_the_cpu(tmp_path, capsys):
    out = tmp_path / "s.json"
    args = ("spectrum", "--preset", "paper", "--n-train", "20", "--noise-var", "0.01")
    code, _, err = _run(capsys, *args, "--n-points", "2", "--device", "cpu:0", "--out", out)
    assert code == 0, err
    code, _, _ = _run(capsys, *args, "--n-points", "2", "--out", tmp_path / "t.json")
    assert (
        json.loads(out.read_text())["spectra"]
        == json.loads((tmp_path / "t.json").read_text())["spectra"]
    )


def test_sample_with_one_training_point(tmp_path, capsys):
    out = tmp_path / "s.npy"
    code, text, err = _run(
        capsys, "sample", "--preset", "paper", "--n-train", "1", "--n-samples", "3",
        "--steps", "4", "--out", out,
    )  # fmt: skip
    assert code == 0, err
    assert np.load(out).shape == (3, 30) and "no copy test" in text
    assert json.loads((tmp_path / "s.json").read_text())["copies"] is None


def test_delta_m_zero_means_exact_duplicates_only(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 5))
    S = np.vstack([X[:2], rng.standard_normal((3, 5))])  # two exact copies
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "s.npy", S)
    out = tmp_path / "c.json"
    code, _, err = _run(
        capsys, "copies", "--samples", tmp_path / "s.npy", "--train", tmp_path / "x.npy",
        "--out", out, "--delta-m", "0", "--delta-s", "0.1",
    )  # fmt: skip
    assert code == 0, err
    labels = json.loads(out.read_text())["labels"]
    assert labels["counts"]["memorized"] == 2, labels
    code, _, err = _run(
        capsys, "copies", "--samples", tmp_path / "s.npy", "--train", tmp_path / "x.npy", "--out",
        tmp_path / "d.json", "--delta-m", "-1", "--delta-s", "0.1",
    )  # fmt: skip
    assert code == 2 and err.startswith("geomem: error: --delta-m: expected")


def test_toml_spec_with_a_byte_order_mark(tmp_path):
    from geomem.runs.config import read_table

    spec = tmp_path / "spec.toml"
    spec.write_bytes(b"\xef\xbb\xbf" + b'experiment = "spectrum"\n[grid]\nn_train = [20, 40]\n')
    assert read_table(spec) == {"experiment": "spectrum", "grid": {"n_train": [20, 40]}}
