"""Order-statistics theory: limits, a brute-force route, the laws' importance samples."""

import numpy as np
import pytest

from geomem.data import LinearManifold, preset
from geomem.theory.orderstat import (
    OrderStatOptions,
    basis_variances,
    predict_kept,
    predict_population,
)
from geomem.theory.orderstat import energies as en
from geomem.theory.orderstat.counts import prior_draw
from geomem.theory.orderstat.laws import FlatLaw, SphereLaw

FAST = OrderStatOptions(draws=8, per_tilt=48)


def _query(mf, v, R, rng):
    s, _ = basis_variances(mf)
    y0 = prior_draw(s, mf.normalize, (R,), rng)
    return s, y0 + np.sqrt(v) * rng.standard_normal(y0.shape)


def test_infinite_n_gives_the_population_count():
    # N -> inf: the cloud carries all weight, C -> v s / (v + s): block k kept iff s_k > v
    v = [1e-3, 0.03, 0.3, 3.0]
    got = predict_kept("paper-flat", [10**18], v, rng=np.random.default_rng(0), options=FAST)
    want = [[2, 5, 0], [2, 5, 0], [2, 0, 0], [0, 0, 0]]
    assert np.array_equal(got.mean[0], want)
    assert np.all(got.spread[0] == 0)


@pytest.mark.parametrize("name", ["paper", "paper-flat"])
def test_one_point_keeps_nothing(name):
    got = predict_kept(name, [1], np.logspace(-4, 0, 5), rng=np.random.default_rng(1))
    assert np.all(got.mean == 0)


@pytest.mark.parametrize("normalize", [False, True])
def test_single_block_matches_brute_force(normalize):
    # one block: the order statistics + cloud give the count of N points drawn directly
    mf = LinearManifold.from_stds(4, [3], [1.0], thickness=0.05, normalize=normalize)
    v, N = [0.02, 0.1, 0.4], [3000]
    opts = OrderStatOptions(draws=48, per_tilt=64)
    os_ = predict_kept(mf, N, v, rng=np.random.default_rng(2), options=opts)
    exact = OrderStatOptions(draws=48, per_tilt=64, n_exact=N[0])
    bf = predict_kept(mf, N, v, rng=np.random.default_rng(3), options=exact)
    assert np.abs(os_.mean - bf.mean).max() < 0.35
    assert bf.mean[0, :, 0].max() > 0.5  # the comparison is not between zeros


def test_rotation_does_not_change_the_prediction():
    axis = preset("paper")
    haar = LinearManifold(**{**axis.__dict__, "embedding": "haar", "basis_seed": 4})
    a, b = (
        predict_kept(mf, [64, 4096], [0.01, 0.1], rng=np.random.default_rng(5), options=FAST)
        for mf in (axis, haar)
    )
    assert np.array_equal(a.mean, b.mean)


@pytest.mark.parametrize("law", [FlatLaw, SphereLaw])
def test_importance_weights_are_normalised(law):
    # the raw ratios p / q of the mixture of tilts have mean 1 (the law's normalisation,
    # the half-normal factor 2 of the sphere's tilts included)
    mf = preset("paper" if law is SphereLaw else "paper-flat")
    s, x = _query(mf, 0.01, 3, np.random.default_rng(6))
    _, _, w = law(s, x, 0.01).weighted_sample(400, np.random.default_rng(7), normalise=False)
    assert np.allclose(w.mean(axis=1), 1.0, atol=0.1)


@pytest.mark.parametrize("v", [0.003, 0.056])
def test_sphere_sample_matches_direct_monte_carlo(v):
    # the importance sample's lower tail and posterior covariance are the sphere law's own
    rng = np.random.default_rng(8)
    s, x = _query(preset("paper"), v, 2, rng)
    law = SphereLaw(s, x, v)
    E, Y, p = law.weighted_sample(1000, rng)
    Yd = law.prior(2, 200_000, rng)
    Ed = law.energy(Yd)
    for r in range(2):
        for q, rel in ((1e-3, 0.4), (1e-2, 0.25), (0.2, 0.1)):
            e = np.quantile(Ed[r], q)
            assert p[r][E[r] <= e].sum() == pytest.approx(q, rel=rel)
        c, cd = p[r] * np.exp(-(E[r] - Ed[r].min())), np.exp(-(Ed[r] - Ed[r].min()))
        C = _cov(Y[r], c)
        Cd = _cov(Yd[r], cd)
        # the direct route's own noise: a variance from ess ~ 10-300 weighted draws
        ess = cd.sum() ** 2 / np.sum(cd**2)
        rel = max(0.15, 3 * np.sqrt(2 / ess))
        for a, b in ((0, 2), (2, 7)):
            assert np.trace(C[a:b, a:b]) == pytest.approx(np.trace(Cd[a:b, a:b]), rel=rel)


@pytest.mark.parametrize("law", [FlatLaw, SphereLaw])
def test_moments_from_reduced_coordinates_match_the_positions(law):
    # two routes to the points' mean and second moment: law.moments from (alpha, q) alone and
    # the positions themselves (exact for every trace and every projection on e_g, whatever
    # the directions; the full matrices agree once the directions are averaged over)
    mf = preset("paper" if law is SphereLaw else "paper-flat")
    s, x = _query(mf, 0.03, 2, np.random.default_rng(12))
    L = law(s, x, 0.03)
    rng = np.random.default_rng(13)
    E, al, q, p = L.sample(200, rng)
    c = p * np.exp(-(E - E.min(axis=1, keepdims=True)))
    c /= c.sum(axis=1, keepdims=True)
    m, S2 = L.moments(np.einsum("rm,rmf->rf", c, L.features(al, q)))
    Y = L.positions(al, q, L.directions(rng.standard_normal((*E.shape, s.size))))
    mY = np.einsum("rm,rmd->rd", c, Y)
    S2Y = np.einsum("rm,rmi,rmj->rij", c, Y, Y)
    for i, (a, b) in enumerate(L.groups):
        e = L.e[i]
        assert np.allclose(
            np.einsum("rd,rd->r", m[:, a:b], e), np.einsum("rd,rd->r", mY[:, a:b], e)
        )
        tr, trY = (np.trace(M[:, a:b, a:b], axis1=1, axis2=2) for M in (S2, S2Y))
        assert np.allclose(tr, trY)
    noise = rng.standard_normal((200, *E.shape, s.size))
    reps = [L.positions(al, q, L.directions(n)) for n in noise]
    S2Y = np.mean([np.einsum("rm,rmi,rmj->rij", c, Yr, Yr) for Yr in reps], axis=0)
    assert np.abs(S2Y - S2).max() < 0.05 * np.abs(S2).max()


def _cov(Y, c):
    w = c / c.sum()
    m = w @ Y
    return (Y * w[:, None]).T @ Y - np.outer(m, m)


def test_flat_sample_matches_lugannani_rice():
    # two routes to the flat counting function: importance sample and saddle point
    rng = np.random.default_rng(9)
    s, x = _query(preset("paper-flat"), 0.03, 1, rng)
    E, _, p = FlatLaw(s, x, 0.03).weighted_sample(1500, rng)
    order = np.argsort(E[0])
    F, Es = np.cumsum(p[0][order]), E[0][order]
    for q in (1e-4, 1e-2, 0.2):
        e = np.interp(q, F, Es)
        assert np.exp(en.log_cdf(e, s, x[0], 0.03)) == pytest.approx(q, rel=0.2)
    # the tilted mean energy is -psi'(beta): finite differences of psi
    b, h = 2.0, 1e-5
    dpsi = (en.psi(b + h, s, x[0], 0.03) - en.psi(b - h, s, x[0], 0.03)) / (2 * h)
    assert -dpsi == pytest.approx(en.mean_energy(b, s, x[0], 0.03), rel=1e-6)


@pytest.mark.parametrize(
    "kw",
    [
        {"points": "nowhere"},
        {"n_train": [0]},
        {"n_train": [2.5]},
        {"rng": 3},
        {"manifold": 3},
        {"noise_var": [-1.0]},
    ],
)
def test_bad_input(kw):
    args = {"manifold": "paper", "n_train": [8], "noise_var": [0.1]}
    args.update({k: kw[k] for k in kw if k in args})
    extra = {k: kw[k] for k in kw if k not in args}
    rng = extra.pop("rng", np.random.default_rng(0))
    with pytest.raises((ValueError, TypeError), match=": expected"):
        predict_kept(args["manifold"], args["n_train"], args["noise_var"], rng=rng, **extra)


def test_population_count_flat_is_the_rule_and_sphere_loses_the_radius():
    v = [1e-3, 0.03, 0.3, 3.0]
    flat = predict_population("paper-flat", v, rng=np.random.default_rng(10), options=FAST)
    assert np.array_equal(flat.mean[0], [[2, 5, 0], [2, 5, 0], [2, 0, 0], [0, 0, 0]])
    # on the sphere one std-1 direction is radial: about one of the two is kept at v = 0.03
    sph = predict_population("paper", [0.03], rng=np.random.default_rng(11), options=FAST)
    assert 0.5 < sph.mean[0, 0, 0] < 1.5 and sph.mean[0, 0, 1] > 4
