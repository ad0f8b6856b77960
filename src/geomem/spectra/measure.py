"""One call to measure a score's dimension: ``measure`` picks the Jacobian route and returns one
result type, with per-point dimensions for every rule (and FLIPD) at every noise level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from geomem import _validate
from geomem.scores.base import HasGram, HasJacobian, Score
from geomem.spectra.dimension import RULES, dimension
from geomem.spectra.jacobian import _check_points, jacobian_spectrum

ROUTES = ("auto", "gram", "closed-form", "autodiff", "slq")
DENSE_MAX_D = 1024  # auto: dense autodiff Jacobians up to this d, SLQ beyond


def choose_route(score: Score, d: int, route: str = "auto", dense_max_d: int = DENSE_MAX_D) -> str:
    """The Jacobian route for ``score`` at dimension ``d``: the given one, or for ``"auto"``
    the exact Gram route when the score has one (exact empirical scores), else its closed form,
    else a dense autodiff Jacobian up to ``dense_max_d``, else stochastic Lanczos quadrature."""
    if route not in ROUTES:
        _validate.fail("route", f"one of {list(ROUTES)}", route)
    if route != "auto":
        return route
    if isinstance(score, HasGram):
        return "gram"
    if isinstance(score, HasJacobian):
        return "closed-form"
    return "autodiff" if d <= dense_max_d else "slq"


@dataclass(frozen=True)
class Measurement:
    """Dimensions of a score at B points over L noise levels.

    ``dimensions[rule]`` is (L, B) for each rule asked (the SLQ route gives the threshold rule
    only, as an estimate with standard error ``se``); ``spectra`` is (L, B, d) ascending
    normalised eigenvalues r = eig(sym(-v J_VE)) on dense routes, None on SLQ; ``flipd`` is
    (L, B) FLIPD estimates at the clean points when asked."""

    noise_var: np.ndarray  # (L,) v = sigma_t^2 / alpha_t^2, as given
    t: np.ndarray  # (L,) the schedule's own times
    route: str  # gram | closed-form | autodiff | slq
    dimensions: dict[str, np.ndarray]  # rule -> (L, B)
    se: np.ndarray  # (L, B) standard error of the dimension (0 on exact/dense routes)
    spectra: np.ndarray | None = None  # (L, B, d)
    flipd: np.ndarray | None = None  # (L, B)

    @property
    def rules(self) -> tuple[str, ...]:
        """The rules measured (the SLQ route: the threshold rule only)."""
        return tuple(self.dimensions)

    def dimension(self, rule: str = "threshold") -> np.ndarray:
        """(L, B) dimension by ``rule``."""
        if rule not in self.dimensions:
            _validate.fail("rule", f"one of the measured rules {list(self.dimensions)}", rule)
        return self.dimensions[rule]


def measure(
    score: Score,
    points,
    noise_var,
    *,
    route: str = "auto",
    rules: tuple[str, ...] = ("threshold", "gap"),
    threshold: float = 0.5,
    with_flipd: bool = False,
    rng: np.random.Generator | None = None,
    dense_max_d: int = DENSE_MAX_D,
    n_probes: int = 8,
    lanczos_steps: int = 30,
    progress: bool = False,
) -> Measurement:
    """Dimension of ``score`` at clean points over noise levels, by every rule asked.

    At each noise variance v the Jacobian is taken at x = alpha_t x0 (the point's own place on
    the forward process, as FLIPD and the audit read it); for the schedule-free axis see
    ``docs/science.md``.

    Parameters
    ----------
    score : Score
        Any score (``EmpiricalScore``, ``GaussianScore``, ``NetworkScore``, ``CallableScore``,
        a diffusers adapter, ``load_model(path).score``).
    points : array, shape (B, d)
        Clean query points x0 (images flattened).
    noise_var : float or sequence of L floats
        VE-equivalent noise variances v = sigma_t^2 / alpha_t^2.
    route : {"auto", "gram", "closed-form", "autodiff", "slq"}
        See ``choose_route``.
    rules : tuple of str
        Dimension rules (``geomem.spectra.RULES``) on dense routes.
    threshold : float
        The threshold rule's level (tangent if r < threshold).
    with_flipd : bool
        Also FLIPD at each level (exact trace up to d = 2000, Hutchinson beyond).
    rng : numpy Generator
        Probes of the SLQ route and of Hutchinson's FLIPD (required for those).
    dense_max_d, n_probes, lanczos_steps
        Where ``auto`` switches to SLQ; SLQ probes per point and Lanczos steps per probe.

    Returns
    -------
    Measurement
        ``.dimension(rule)`` (L, B), ``.spectra`` (L, B, d), ``.flipd`` (L, B).
    """
    x0 = _check_points(points, score.d).double().numpy()
    v_all = np.atleast_1d(np.asarray(noise_var, dtype=np.float64))
    _validate.positive_list("noise_var", list(v_all))
    for rule in rules:
        if rule not in RULES:
            _validate.fail("rules", f"names from {list(RULES)}", rule)
    chosen = choose_route(score, score.d, route, dense_max_d)
    if chosen == "slq" and rng is None:
        _validate.fail("rng", "a numpy Generator for the SLQ route's probes", None, TypeError)
    sched = score.schedule
    ts, dims, se, spectra, lids = [], {r: [] for r in rules}, [], [], []
    for v in tqdm(v_all, desc="noise levels", disable=not progress, leave=False):
        t = float(sched.t_of_noise_var(float(v)))
        x = float(sched.alpha(t)) * x0
        ts.append(t)
        if chosen == "slq":
            from geomem.spectra.slq import slq_dimension

            est = slq_dimension(
                score, x, t, n_probes=n_probes, m=lanczos_steps, threshold=threshold, rng=rng
            )
            dims.setdefault("threshold", []).append(est.dimension)
            se.append(est.se)
        else:
            sp = jacobian_spectrum(score, x, t, method=chosen)
            spectra.append(sp.eigvals)
            for rule in rules:
                kw = {"threshold": threshold} if rule == "threshold" else {}
                dims[rule].append(dimension(sp, rule, **kw).astype(np.float64))
            se.append(np.zeros(len(x0)))
        if with_flipd:
            from geomem.spectra.flipd import flipd

            lids.append(flipd(score, x0, t, rng=rng).lid)
    dims = {r: np.stack(vals) for r, vals in dims.items() if vals}
    return Measurement(
        v_all,
        np.asarray(ts),
        chosen,
        dims,
        np.stack(se),
        np.stack(spectra) if spectra else None,
        np.stack(lids) if lids else None,
    )
