"""copy_table and `geomem copies`: one summary, consistent with its per-sample arrays."""

import json

import numpy as np
import pytest

from geomem.cli import main
from geomem.data import preset
from geomem.memorization import copy_table, nearest_neighbors, ratio_test


@pytest.fixture
def sets():
    rng = np.random.default_rng(0)
    m = preset("paper-flat")
    X = m.sample(120, rng)
    S = np.concatenate([X[:6] + 1e-4 * rng.standard_normal((6, 30)), m.sample(14, rng)])
    return S, X


def test_summary_matches_arrays(sets):
    S, X = sets
    m = preset("paper-flat")
    t = copy_table(
        S, X, bases=m.block_bases(), block_names=m.block_labels(), delta_m=0.01, delta_s=1.0
    )
    s = json.loads(json.dumps(t.to_json()))  # JSON-ready without a custom encoder
    assert (s["n_samples"], s["N"], s["d"], s["k"]) == (20, 120, 30, 50)
    a = t.arrays
    np.testing.assert_array_equal(a["copy_ratio"], ratio_test(nearest_neighbors(S, X).distance))
    assert a["copy_ratio"][:6].all()
    assert s["criteria"]["ratio"]["fraction"] == pytest.approx(a["copy_ratio"].mean())
    assert s["criteria"]["carlini"]["fraction"] == pytest.approx(a["copy_carlini"].mean())
    assert sum(s["ratio_histogram"]["counts"]) == 20
    assert [b["name"] for b in s["blocks"]] == m.block_labels()
    assert a["block_copy"].shape == (20, 3)
    assert s["blocks"][0]["fraction"] == pytest.approx(a["block_copy"][:, 0].mean())
    assert a["label"][:6].tolist() == ["memorized"] * 6
    assert sum(s["labels"]["counts"].values()) == 20


def test_carlini_reported_as_null_when_k_is_small(sets):
    S, X = sets
    s = copy_table(S, X, k=2).summary
    assert (
        s["criteria"]["carlini"]["fraction"] is None
        and "k >= n" in s["criteria"]["carlini"]["reason"]
    )


def test_bad_parameters_fail_before_the_search(sets):
    S, X = sets
    with pytest.raises(ValueError, match="threshold: expected a number in"):
        copy_table(S, X, threshold=1.0)
    with pytest.raises(ValueError, match="delta_m/delta_s: expected both or neither"):
        copy_table(S, X, delta_m=0.1)
    with pytest.raises(ValueError, match="block_names: expected 3 names"):
        copy_table(S, X, bases=preset("paper-flat").block_bases(), block_names=["a"])


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_cli_copies(sets, tmp_path, capsys):
    S, X = sets
    np.save(tmp_path / "S.npy", S)
    np.savez(tmp_path / "X.npz", X=X)
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    for train in ("X.npy", "X.npz"):
        out = tmp_path / f"c-{train}.json"  # another request: its own file
        args = ["copies", "--samples", str(tmp_path / "S.npy"), "--train", str(tmp_path / train)]
        code, stdout, _ = run(capsys, *args, "--blocks", "paper-flat", "--out", str(out))
        assert code in (0, None) and stdout.startswith(f"wrote {out}") and stdout.count("\n") == 1
        res = json.loads(out.read_text())
        assert res["N"] == 120 and res["criteria"]["ratio"]["fraction"] >= 6 / 20
        assert len(res["blocks"]) == 3
        arrays = np.load(str(out) + ".arrays.npz", allow_pickle=False)
        assert arrays["block_copy"].shape == (20, 3) and arrays["index"].shape == (20, 50)


@pytest.mark.parametrize(
    ("samples", "train", "extra", "message"),
    [
        ("S.npy", "X29.npy", [], "--train: expected 30 columns"),
        ("S.npy", "Xnan.npy", [], "--train: expected finite values"),
        ("Snan.npy", "X.npy", [], "--samples: expected finite values"),
        ("empty.npy", "X.npy", [], "--samples: expected at least one row"),
        ("S.npy", "empty.npy", [], "--train: expected at least one row"),
        ("S.npy", "X.npy", ["--k", "1"], "--k: expected an integer in [2, N = 120]"),
        ("S.npy", "X.npy", ["--threshold", "1.5"], "--threshold: expected a number in (0, 1)"),
        ("S.npy", "X.npy", ["--blocks", "paper-bogus"], "preset: expected one of"),
        ("S.npy", "missing.npy", [], "--train: expected an existing readable file"),
    ],
)
def test_cli_bad_input(sets, tmp_path, capsys, samples, train, extra, message):
    S, X = sets
    np.save(tmp_path / "S.npy", S)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "X29.npy", X[:, :29])
    bad = X.copy()
    bad[100, 0] = np.inf
    np.save(tmp_path / "Xnan.npy", bad)
    np.save(tmp_path / "Snan.npy", np.where(np.arange(30) == 3, np.nan, S))
    np.save(tmp_path / "empty.npy", np.zeros((0, 30)))
    out = tmp_path / "sub" / "c.json"
    args = ["copies", "--samples", str(tmp_path / samples), "--train", str(tmp_path / train)]
    code, stdout, err = run(capsys, *args, *extra, "--out", str(out))
    assert code == 2 and stdout == ""
    assert err.startswith(f"geomem: error: {message}") and err.count("\n") == 1
    assert not out.parent.exists()
