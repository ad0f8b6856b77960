"""The CLI: JSON layout of `geomem spectrum`, one-line errors with no partial output, demo."""

import json

import numpy as np
import pytest

from geomem.cli import main


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_spectrum_json_layout(tmp_path, capsys):
    out = tmp_path / "s.json"
    code, _, _ = run(
        capsys,
        "spectrum",
        "--preset",
        "paper",
        "--n-train",
        "200",
        "--points",
        "train",
        "--n-points",
        "3",
        "--sigma",
        "1,0.1,0.01",
        "--out",
        str(out),
    )
    assert code in (0, None)
    res = json.loads(out.read_text())
    assert res["d"] == 30
    np.testing.assert_allclose(res["noise_var"], [1.0, 0.01, 1e-4])
    spectra = np.asarray(res["spectra"])
    assert spectra.shape == (3, 3, 30) and np.all(np.diff(spectra, axis=2) >= 0)
    dims = np.asarray(res["dimension"])
    assert dims.shape == (3, 3)
    np.testing.assert_array_equal(dims, np.sum(spectra < 0.5, axis=2))
    sub = np.asarray(res["subspace_dimension"])
    assert sub.shape == (3, 3, 3) and np.all(sub.sum(axis=2) <= 30)
    points = np.load(str(out) + ".points.npy")
    assert points.shape == (3, 3, 30)


def test_spectrum_population_and_data_file(tmp_path, capsys):
    out = tmp_path / "p.json"
    code, _, _ = run(
        capsys,
        "spectrum",
        "--preset",
        "paper-flat",
        "--model",
        "population",
        "--points",
        "origin",
        "--noise-var",
        "0.5,0.05",
        "--out",
        str(out),
    )
    assert code in (0, None)
    res = json.loads(out.read_text())
    # closed-form population at the origin: kept counts 0 then (2 std-1 dirs) at v = 0.5 ...
    np.testing.assert_array_equal(
        np.asarray(res["subspace_dimension"])[:, 0, :], [[2, 0, 0], [2, 5, 0]]
    )
    X = np.random.default_rng(0).standard_normal((50, 4))
    np.save(tmp_path / "X.npy", X)
    out2 = tmp_path / "d.json"
    code, _, _ = run(
        capsys,
        "spectrum",
        "--data",
        str(tmp_path / "X.npy"),
        "--points",
        "train",
        "--noise-var",
        "logspace:0.01:1:4",
        "--out",
        str(out2),
    )
    res = json.loads(out2.read_text())
    assert res["d"] == 4 and len(res["noise_var"]) == 4 and "subspace_dimension" not in res


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--preset", "nope", "--noise-var", "0.1"], "preset: expected one of"),
        (["--noise-var", "0.1,-2"], "--noise-var: expected a finite number > 0, got -2.0"),
        (["--noise-var", "0"], "--noise-var: expected a finite number > 0"),
        (["--n-train", "0", "--noise-var", "0.1"], "--n-train: expected an integer >= 1, got 0"),
        (["--noise-var", "abc"], "--noise-var: expected numbers"),
        (["--sigma", "0.1", "--noise-var", "0.1"], "--noise-var/--sigma: expected exactly one"),
        (["--data", "missing.npy", "--noise-var", "0.1"], "expected an existing readable file"),
        (["--points", "nowhere.npy", "--noise-var", "0.1"], "expected an existing readable file"),
        (["--model", "population", "--data", "X.npy", "--noise-var", "0.1"], "model: expected"),
    ],
)
def test_bad_input_one_line_no_output(tmp_path, capsys, monkeypatch, args, needle):
    monkeypatch.chdir(tmp_path)
    np.save(tmp_path / "X.npy", np.zeros((3, 2)))
    code, _, err = run(capsys, "spectrum", *args, "--out", "o.json")
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if ln.strip() and "noise levels" not in ln]
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in err
    assert not (tmp_path / "o.json").exists() and not (tmp_path / "o.json.points.npy").exists()


def test_bad_data_values(tmp_path, capsys):
    bad = np.zeros((5, 3))
    bad[2, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    np.save(tmp_path / "wrongd.npy", np.zeros((2, 7)))
    np.save(tmp_path / "ok.npy", np.ones((5, 3)))
    for args, needle in [
        (["--data", str(tmp_path / "nan.npy")], "data: expected finite values"),
        (
            ["--data", str(tmp_path / "ok.npy"), "--points", str(tmp_path / "wrongd.npy")],
            "points: expected 3 columns",
        ),
    ]:
        code, _, err = run(
            capsys, "spectrum", *args, "--noise-var", "0.1", "--out", str(tmp_path / "o.json")
        )
        assert code == 2 and needle in err
        assert not (tmp_path / "o.json").exists()


def test_demo_small(tmp_path, capsys):
    out = tmp_path / "demo"
    code, _, _ = run(
        capsys,
        "demo",
        "--out",
        str(out),
        "--n-train",
        "50,400",
        "--n-noise",
        "6",
        "--n-points",
        "3",
        "--population-n",
        "3000",
    )
    assert code in (0, None)
    for name in (
        "config.json",
        "metrics.json",
        "arrays.npz",
        "spectra.png",
        "kept_dimension.png",
        "index.html",
    ):
        assert (out / name).is_file(), name
    html = (out / "index.html").read_text()
    assert "spectra.png" in html and "kept_dimension.png" in html
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["critical_noise_var"]) == {"N = 50", "N = 400", "population"}


@pytest.mark.parametrize(
    "args",
    [
        ["demo", "--out", "o"],
        ["spectrum", "--noise-var", "0.1", "--out", "o"],
        ["phase-diagram", "--out", "o"],
        ["train", "--preset", "paper", "--n-train", "10", "--out", "o"],
        ["experiment", "linear-networks", "--out", "o"],
    ],
)
def test_dry_run_prints_config_and_writes_nothing(tmp_path, capsys, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, *args, "--dry-run")
    assert code == 0
    printed = json.loads(out)
    assert len(printed["config_hash"]) == 64 and isinstance(printed["config"], dict)
    assert list(tmp_path.iterdir()) == []
