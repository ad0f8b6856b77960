"""`geomem spectrum --method probe`: the authors' orthogonal-probe read-out, and origin noise."""

import dataclasses
import hashlib
import json

import numpy as np
import pytest
import torch

import geomem
from geomem.cli import main
from geomem.data.training import training_data
from geomem.experiments.spectrum.config import SpectrumConfig
from geomem.runs.config import canonical_json, config_hash, to_dict
from geomem.scores.sources import source_of
from geomem.seeds import SPECTRUM_PROBES, rng
from geomem.spectra.network import probe_scan, probe_singular_values

pytestmark = pytest.mark.usefixtures("one_thread")
SIGMAS = (2.0, 0.3, 0.02)


def flat_population():
    cfg = SpectrumConfig(noise_var=(1.0,), preset="paper-flat", model="population", n_train=10)
    X, manifold = training_data(cfg.preset, cfg.n_train, cfg.seed, cfg.data_file)
    return source_of(cfg, X, manifold)


def exact_values(score, t, drop):
    """Singular values of the (constant) Jacobian, descending, ``drop`` dropped, / max."""
    x = torch.zeros(score.d, dtype=torch.float64)
    J = torch.autograd.functional.jacobian(lambda y: score(y[None], t)[0], x)
    sv = torch.linalg.svdvals(J.to(torch.float64))[drop:]
    return (sv / sv.max()).numpy()


# K a multiple of d: the probe rows form a tight frame, so the values are exact
@pytest.mark.parametrize("K, R, drop", [(None, 1, 1), (60, 3, 2), (90, 2, 0)])
def test_probes_on_a_linear_score_equal_its_jacobian(K, R, drop):
    score = flat_population()
    assert type(score).__name__ == "GaussianScore"
    origin = np.zeros((1, score.d))
    for s in SIGMAS:
        t = float(score.schedule.t_of_noise_var(s**2))
        got = probe_singular_values(
            score, origin, t, rng=np.random.default_rng(3), n_probes=K, draws=R, drop=drop
        )
        assert got.shape == (1, score.d - drop)
        np.testing.assert_allclose(got[0], exact_values(score, t, drop), rtol=0, atol=1e-8)
        assert np.all(np.diff(got[0]) <= 1e-12) and got[0, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("bad", [{"drop": 30}, {"drop": -1}, {"draws": 0}, {"n_probes": 0}])
def test_bad_probe_arguments_fail(bad):
    score = flat_population()
    with pytest.raises(ValueError):
        probe_singular_values(score, np.zeros((1, 30)), 0.5, rng=np.random.default_rng(0), **bad)


def spectrum_cli(capsys, out, *extra):
    sig = ",".join(str(s) for s in SIGMAS)
    args = ["spectrum", "--preset", "paper-flat", "--model", "population", "--n-train", "10"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--sigma", sig, "--out", str(out), *extra])
    capsys.readouterr()
    assert exc.value.code in (0, None)
    return json.loads(out.read_text()) if out.exists() else None


def test_cli_probe_route_equals_the_library_call(tmp_path, capsys):
    out = tmp_path / "s.json"
    extra = ["--points", "origin", "--method", "probe", "--probes", "60", "--draws", "3"]
    res = spectrum_cli(capsys, out, *extra, "--drop", "2")
    sv = np.asarray(res["singular_values"])
    assert sv.shape == (3, 1, 28)
    score = flat_population()
    points = np.load(str(out) + ".points.npy")
    assert not points.any()  # the origin, no noise
    lib = probe_scan(
        score, points, res["t"], rng=rng(0, SPECTRUM_PROBES), n_probes=60, draws=3, drop=2
    )
    np.testing.assert_array_equal(sv, lib)
    for i, t in enumerate(res["t"]):
        np.testing.assert_allclose(sv[i, 0], exact_values(score, t, 2), atol=1e-8)
    assert (res["config"]["probes"], res["config"]["draws"], res["config"]["drop"]) == (60, 3, 2)


def test_origin_gets_no_noise_unless_asked(tmp_path, capsys):
    a = spectrum_cli(capsys, tmp_path / "a.json", "--points", "origin")
    assert a["config"]["point_noise"] == "none" and "singular_values" not in a
    assert not np.load(str(tmp_path / "a.json") + ".points.npy").any()
    spectrum_cli(capsys, tmp_path / "b.json", "--points", "origin", "--point-noise", "matched")
    assert np.load(str(tmp_path / "b.json") + ".points.npy").any()
    c = spectrum_cli(capsys, tmp_path / "c.json", "--points", "fresh", "--n-points", "2")
    assert c["config"]["point_noise"] == "matched"


def test_new_fields_leave_old_configs_and_hashes_as_they_were():
    cfg = SpectrumConfig(noise_var=(0.1, 0.01))
    later = ("probes", "draws", "drop", "average")
    assert not set(later) & set(to_dict(cfg))
    old = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in later}
    old["noise_var"] = list(old["noise_var"])
    payload = {"class": "SpectrumConfig", "config": old, "geomem": geomem.__version__}
    assert config_hash(cfg) == hashlib.sha256(canonical_json(payload).encode()).hexdigest()
    probe = dataclasses.replace(cfg, method="probe", probes=60)
    assert to_dict(probe)["probes"] == 60 and config_hash(probe) != config_hash(cfg)
    for bad in ({"draws": 0}, {"drop": -1}, {"probes": 2, "drop": 2}, {"probes": True}):
        with pytest.raises(ValueError):
            dataclasses.replace(cfg, **bad)


def small_empirical(n=40, d=6, seed=5):
    """A non-linear score: the empirical score of n points (VE), and its data."""
    from geomem.schedules import VE
    from geomem.scores import EmpiricalScore

    X = np.random.default_rng(seed).standard_normal((n, d)) * np.linspace(1.0, 0.1, d)
    return EmpiricalScore(X, VE()), X


def authors_formula(X, x0, v, Qs, drop):
    """The notebook's read-out re-implemented in numpy: s_avg += sv(scores(x0 + sigma Q) /
    sigma) over the draws, s_avg / R, then ``[drop:] / max`` (empirical score of X, VE)."""
    sigma = np.sqrt(v)
    s_avg = 0.0
    for Q in Qs:
        P = x0[None, :] + sigma * Q  # (K, d)
        logw = -((P[:, None, :] - X[None, :, :]) ** 2).sum(-1) / (2 * v)
        w = np.exp(logw - logw.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        scores = (w @ X - P) / v
        s_avg = s_avg + np.linalg.svd(scores / sigma, compute_uv=False)
    s = (s_avg / len(Qs))[drop:]
    return s / s.max()


def test_raw_averaging_equals_an_independent_authors_formula():
    from geomem.spectra.network import orthogonal_probes

    score, X = small_empirical()
    x0 = X[3] + 0.05
    for v, R, drop in [(0.05, 5, 1), (0.3, 3, 2), (0.01, 1, 0)]:
        t = float(score.schedule.t_of_noise_var(v))
        g = np.random.default_rng(11)
        Qs = [orthogonal_probes(6, 6, g) for _ in range(R)]  # the draws the call will make
        got = probe_singular_values(
            score, x0[None], t, rng=np.random.default_rng(11), draws=R, drop=drop
        )
        np.testing.assert_allclose(got[0], authors_formula(X, x0, v, Qs, drop), rtol=1e-10)


def test_the_two_orders_coincide_for_one_draw_and_differ_for_several():
    score, X = small_empirical()
    x0 = X[:2] + 0.05
    t = float(score.schedule.t_of_noise_var(0.05))

    def call(R, average):
        return probe_singular_values(
            score, x0, t, rng=np.random.default_rng(2), draws=R, drop=1, average=average
        )

    np.testing.assert_array_equal(call(1, "raw"), call(1, "normalized"))
    raw, norm = call(4, "raw"), call(4, "normalized")
    assert np.abs(raw - norm).max() > 1e-5  # the order matters (round-off is ~1e-15)
    assert raw[:, 0] == pytest.approx(1.0) and norm[:, 0] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        call(2, "mean")


def test_cli_average_option_reaches_the_library(tmp_path, capsys):
    out = tmp_path / "n.json"
    extra = ["--points", "origin", "--method", "probe", "--draws", "2"]
    res = spectrum_cli(capsys, out, *extra, "--average", "normalized")
    assert res["config"]["average"] == "normalized"
    points = np.load(str(out) + ".points.npy")
    lib = probe_scan(
        flat_population(),
        points,
        res["t"],
        rng=rng(0, SPECTRUM_PROBES),
        draws=2,
        drop=1,
        average="normalized",
    )
    np.testing.assert_array_equal(np.asarray(res["singular_values"]), lib)
    with pytest.raises(ValueError):
        SpectrumConfig(noise_var=(0.1,), method="probe", average="mean")
