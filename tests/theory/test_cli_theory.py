"""`geomem theory ...`: outputs, and bad input -> one line, exit 2, no file."""

import json

import pytest

from geomem.cli import main


def run(argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code


def test_critical_noise(tmp_path):
    out = tmp_path / "c.json"
    assert run(
        [
            "theory",
            "critical-noise",
            "--stds",
            "1,0.3",
            "--dims",
            "2,5",
            "--n-train",
            "1000",
            "--normalized",
            "--out",
            str(out),
        ]
    ) in (0, None)
    res = json.loads(out.read_text())
    assert res["critical_noise_var"] == pytest.approx([0.0723824, 0.00651442], rel=1e-6)
    assert len(res["kept_dimension"]) == len(res["noise_var"])


def test_collapse_time_and_spectrum(tmp_path):
    out = tmp_path / "t.json"
    assert run(
        ["theory", "collapse-time", "--eigvals", "1,1,1", "--load", "0.1", "--out", str(out)]
    ) in (0, None)
    res = json.loads(out.read_text())
    assert res["t_collapse"] == pytest.approx(0.8539, abs=5e-5)
    assert res["noise_var"] == pytest.approx(4.5167, abs=1e-3)
    assert run(
        [
            "theory",
            "collapse-time",
            "--preset",
            "paper",
            "--n-train",
            "1000",
            "--d",
            "30",
            "--out",
            str(tmp_path / "t-preset.json"),  # another request: its own file
        ]
    ) in (0, None)
    out2 = tmp_path / "s.json"
    assert run(
        [
            "theory",
            "spectrum",
            "--preset",
            "paper",
            "--n-train",
            "1000",
            "--noise-var",
            "0.1,0.01",
            "--out",
            str(out2),
        ]
    ) in (0, None)
    assert len(json.loads(out2.read_text())["spectra"]) == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["critical-noise", "--stds", "1,-0.3", "--n-train", "1000"],
        ["critical-noise", "--stds", "1,0", "--n-train", "1000"],
        ["critical-noise", "--stds", "", "--n-train", "1000"],
        ["critical-noise", "--stds", "1,0.3", "--n-train", "1"],
        ["critical-noise", "--stds", "1,0.3", "--dims", "2", "--n-train", "1000"],
        ["collapse-time", "--eigvals", "1", "--load", "0"],
        ["collapse-time", "--eigvals", "1", "--load", "-0.1"],
        ["collapse-time", "--eigvals", "", "--load", "0.1"],
        ["collapse-time", "--eigvals", "1", "--n-train", "1", "--d", "3"],
        ["collapse-time", "--eigvals", "1", "--preset", "paper", "--load", "0.1"],
        ["spectrum", "--preset", "paper", "--n-train", "1", "--noise-var", "0.1"],
        ["spectrum", "--preset", "paper", "--n-train", "100", "--noise-var", "0.1,-1"],
        ["spectrum", "--preset", "nope", "--n-train", "100", "--noise-var", "0.1"],
    ],
)
def test_bad_input_one_line_no_file(tmp_path, capsys, argv):
    out = tmp_path / "bad.json"
    assert run(["theory", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("geomem: error:") and "\n" not in err
    assert not out.exists() and not list(tmp_path.iterdir())
