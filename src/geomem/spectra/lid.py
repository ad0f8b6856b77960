"""``lid``: a score's local intrinsic dimension at points over noise levels, as one table.

Built on :func:`geomem.spectra.measure.measure`: one row per (point, noise level) with every
rule's dimension, FLIPD, a summary of the normalised spectrum r = eig(sym(-v J_VE)) and the
count of ambiguous (half-way) directions; ``multiscale=True`` adds each point's plateau and
knee over the noise grid (``geomem.spectra.multiscale``).
"""

from __future__ import annotations

import numpy as np

from geomem import _validate
from geomem.scores.base import Score
from geomem.spectra.dimension import ambiguous_directions
from geomem.spectra.multiscale import knee, plateau
from geomem.spectra.spectrum import Spectrum

SPIKE_SKIP = 5  # the spike rule drops this many values and needs 3 more: defined for d >= 8
COLUMNS = (
    "point", "noise_var", "t", "route", "threshold", "gap", "spike", "flipd",
    "r_min", "r_median", "r_max", "n_below_half", "ambiguous_count", "ambiguous",
)  # fmt: skip
MULTISCALE_COLUMNS = (
    "plateau_dim", "plateau_levels", "plateau_v_lo", "plateau_v_hi",
    "knee_noise_var", "knee_flipd", "knee_threshold",
)  # fmt: skip


def _pandas():
    try:
        import pandas
    except ImportError:  # an optional dependency (the "report" extra)
        _validate.fail(
            "pandas", "pandas installed for geomem.lid (pip install 'geomem[report]')", None,
            ImportError,
        )  # fmt: skip
    return pandas


def lid(
    score: Score,
    points,
    noise_var,
    *,
    route: str = "auto",
    threshold: float = 0.5,
    with_flipd: bool = True,
    band: tuple[float, float] = (0.2, 0.8),
    multiscale: bool = False,
    rng: np.random.Generator | None = None,
    progress: bool = False,
    **measure_kw,
):
    """Local intrinsic dimension of ``score`` at clean points over noise levels, as a frame.

    Parameters
    ----------
    score : Score
        Any score (``EmpiricalScore`` for the exact score of a training set,
        ``load_model(path).score``, ...).
    points : array, shape (B, d)
        Clean query points x0 (the Jacobian is taken at alpha_t x0, as in ``measure``).
    noise_var : float or sequence of L floats
        VE-equivalent noise variances v = sigma_t^2 / alpha_t^2.
    route : str
        Jacobian route (``geomem.spectra.measure.choose_route``); on the SLQ route only the
        threshold rule is measured (a float estimate) and the spectrum's columns, gap, spike
        and ambiguous are NaN.
    threshold : float
        The threshold rule's level: tangent if r < threshold.
    with_flipd : bool
        Add FLIPD (closed-form trace on exact scores, autodiff or Hutchinson otherwise).
    band : (low, high)
        The ambiguous band: ``ambiguous_count`` = #{low <= r <= high}, ``ambiguous`` = count > 0.
    multiscale : bool
        Add per-point read-outs over the grid (needs distinct levels): the plateau of the
        threshold dimension (``plateau_*``: its value, number of levels, first and last v) and
        the kneedle knee of FLIPD (of the threshold dimension without FLIPD) against log v
        (``knee_noise_var``, ``knee_flipd``, ``knee_threshold``), repeated on each of the
        point's rows. Rules: ``geomem.spectra.multiscale``.
    rng : numpy Generator
        Probes of the SLQ route and of Hutchinson's FLIPD (needed only for those).
    **measure_kw
        Passed to ``measure`` (``dense_max_d``, ``n_probes``, ``lanczos_steps``).

    Returns
    -------
    pandas.DataFrame
        B * L rows ordered by noise level then point, columns ``COLUMNS`` (+
        ``MULTISCALE_COLUMNS``): ``point`` (row index into ``points``), ``noise_var``, ``t``,
        ``route``, ``threshold``, ``gap``, ``spike`` (NaN for d < 8), ``flipd`` (NaN if not
        asked), ``r_min``, ``r_median``, ``r_max``, ``n_below_half`` (#{r < 1/2}),
        ``ambiguous_count``, ``ambiguous``.
    """
    from geomem.spectra.measure import measure

    pd = _pandas()
    low, high = band
    spike = score.d >= SPIKE_SKIP + 3
    rules = ("threshold", "gap", "spike") if spike else ("threshold", "gap")
    res = measure(
        score, points, noise_var, route=route, rules=rules, threshold=threshold,
        with_flipd=with_flipd, rng=rng, progress=progress, **measure_kw,
    )  # fmt: skip
    L, B = res.dimension("threshold").shape
    nan = np.full((L, B), np.nan)
    cols = {
        "point": np.tile(np.arange(B), (L, 1)),
        "noise_var": np.repeat(res.noise_var[:, None], B, 1),
        "t": np.repeat(res.t[:, None], B, 1),
        "route": np.full((L, B), res.route, dtype=object),
        "threshold": res.dimension("threshold"),
        "gap": res.dimensions.get("gap", nan),
        "spike": res.dimensions.get("spike", nan),
        "flipd": nan if res.flipd is None else res.flipd,
    }
    cols.update(_spectrum_columns(res.spectra, res.noise_var, (L, B), low, high))
    frame = pd.DataFrame({k: np.asarray(c).reshape(-1) for k, c in cols.items()})
    for name in ("threshold", "gap", "spike", "n_below_half", "ambiguous_count"):
        col = frame[name].to_numpy(dtype=np.float64)
        if np.all(np.isfinite(col)) and np.all(col == np.round(col)):  # SLQ: float estimates
            frame[name] = col.astype(np.int64)
    return _with_multiscale(frame, pd) if multiscale else frame


def _spectrum_columns(spectra, noise_var, shape, low: float, high: float) -> dict:
    if spectra is None:
        nan = np.full(shape, np.nan)
        keys = ("r_min", "r_median", "r_max", "n_below_half", "ambiguous_count", "ambiguous")
        return dict.fromkeys(keys, nan)
    counts = np.stack(
        [
            ambiguous_directions(Spectrum(r, float(v), "measure"), low, high)
            for r, v in zip(spectra, noise_var, strict=True)
        ]
    )
    return {
        "r_min": spectra.min(2),
        "r_median": np.median(spectra, 2),
        "r_max": spectra.max(2),
        "n_below_half": np.sum(spectra < 0.5, axis=2),
        "ambiguous_count": counts,
        "ambiguous": counts > 0,
    }


def _with_multiscale(frame, pd):
    v = frame["noise_var"].to_numpy()
    if len(np.unique(v)) * frame["point"].nunique() != len(frame):
        _validate.fail("noise_var", "distinct noise levels for the multiscale read-out", "repeats")
    rows = []
    for p, g in frame.sort_values(["point", "noise_var"]).groupby("point", sort=True):
        lv, dim = g["noise_var"].to_numpy(), g["threshold"].to_numpy()
        curve = g["flipd"].to_numpy()
        if np.isnan(curve).all():
            curve = dim.astype(np.float64)
        k = knee(curve, lv)
        rows.append(
            {"point": p, **plateau(dim, lv)}
            | {
                "knee_noise_var": np.nan if k is None else float(lv[k]),
                "knee_flipd": np.nan if k is None else float(g["flipd"].to_numpy()[k]),
                "knee_threshold": np.nan if k is None else float(dim[k]),
            }
        )
    return frame.merge(pd.DataFrame(rows), on="point", how="left", sort=False)
