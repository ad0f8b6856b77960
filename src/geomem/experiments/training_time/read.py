"""Read-outs of the training-time study: memorization times tau_k(N), their power-law fit, and
the paper's three panels (theory, exact score, trained network) of normalised spectra per block
against noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from geomem import seeds
from geomem.data import preset as data_preset
from geomem.data import query_points
from geomem.schedules import VE
from geomem.scores import EmpiricalScore
from geomem.scores.network import NetworkScore
from geomem.spectra.jacobian import jacobian_spectrum
from geomem.theory.predict import predicted_block_spectra
from geomem.train.loop import training_set


def memorization_times(members: list[dict]) -> dict:
    """tau per block and N (see ``geomem.experiments.training_time.study``) from measured members.

    Each member has ``N``, ``steps`` (S,), ``network`` (S, L, K) and ``population`` (L, K)
    whose last level is the tau noise level. Returns ``{"N": [...], "tau": K lists over N
    (step or None), "population_kept": K lists, "network_kept": K lists of S values per N}``.
    """
    K = members[0]["population"].shape[1]
    tau, pop, net = [[] for _ in range(K)], [[] for _ in range(K)], [[] for _ in range(K)]
    for m in members:
        for k in range(K):
            p = float(m["population"][-1, k])
            curve = np.asarray(m["network"])[:, -1, k]
            below = [s for s, c in zip(m["steps"], curve, strict=True) if p > 0 and c < p / 2]
            tau[k].append(int(below[0]) if below else None)
            pop[k].append(p)
            net[k].append(curve.tolist())
    return {
        "N": [m["N"] for m in members],
        "tau": tau,
        "population_kept": pop,
        "network_kept": net,
    }


def tau_fit(tau: dict, labels: list[str]) -> list[dict]:
    """Least-squares fit log tau = a + b log N per block over the N where tau is defined
    (b = 1: Bonnaire et al.'s tau ~ N); ``b`` is None with fewer than two such N."""
    out = []
    for label, taus in zip(labels, tau["tau"], strict=True):
        pts = [(n, t) for n, t in zip(tau["N"], taus, strict=True) if t is not None]
        fit = {"block": label, "n_defined": len(pts), "censored_N": []}
        fit["censored_N"] = [n for n, t in zip(tau["N"], taus, strict=True) if t is None]
        if len(pts) >= 2 and len({n for n, _ in pts}) >= 2:
            x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
            b, a = np.polyfit(x, y, 1)
            fit.update(exponent=float(b), prefactor=float(np.exp(a)))
        else:
            fit.update(exponent=None, prefactor=None)
        out.append(fit)
    return out


def panel_grid(levels: int) -> tuple[np.ndarray, np.ndarray]:
    """(t (L,), v (L,)): the paper's VE grid, t from 0.8 down to 1e-5 (sigma 0.01 .. 50)."""
    t = np.linspace(0.8, 1e-5, levels)
    return t, VE().noise_var(t)


def block_eigvals(score, x, t: float, bases, method: str) -> np.ndarray:
    """(sum m_k,) eigenvalues of U_k^T (-v J) U_k, block after block, at one point x (1, d)."""
    sp = jacobian_spectrum(score, x, t, method=method, eigvecs=True)
    return np.concatenate([np.linalg.eigvalsh(M)[0] for M in sp.block_matrices(bases)])


def panels(cfg, run_dirs: dict[int, Path]) -> dict[int, dict[str, np.ndarray]]:
    """The three panels at each N of ``cfg.panel_n``: ``v`` (L,), ``theory`` (L, K),
    ``exact`` and ``network`` (L, sum m_k) at the first training point (matched noise),
    ``block`` (sum m_k,) block index of each column."""
    manifold = data_preset(cfg.preset)
    bases = manifold.block_bases()
    block = np.repeat(np.arange(len(bases)), [b.shape[1] for b in bases])
    t, v = panel_grid(cfg.panel_levels)
    out = {}
    tcfgs = {m.n_train: m for m in cfg.members()}
    for n in cfg.panel_n:
        X = training_set(tcfgs[n])
        q = query_points("train", 1, seeds.rng(cfg.seed, seeds.QUERIES), X_train=X, noise="matched")
        exact = EmpiricalScore(X, VE(), device=cfg.device)
        net = NetworkScore.from_run(run_dirs[n], device=cfg.device)
        rows = {"exact": [], "network": []}
        for ti, vi in zip(t, v, strict=True):
            x = q.at(float(vi))
            rows["exact"].append(block_eigvals(exact, x, float(ti), bases, "auto"))
            rows["network"].append(block_eigvals(net, x, float(ti), bases, "autodiff"))
        out[n] = {
            "v": v,
            "theory": predicted_block_spectra(manifold, n, v),
            "exact": np.asarray(rows["exact"]),
            "network": np.asarray(rows["network"]),
            "block": block,
        }
    return out


def loss_steps(steps, network: np.ndarray, population: np.ndarray) -> list[list[int | None]]:
    """(L, K) the first step of ``steps`` (S,) at which ``network`` (S, L, K) keeps fewer than
    half the directions ``population`` (L, K) keeps, per level and block (None: no step; a
    block the population keeps none of: None). ``memorization_times`` is its last level."""
    net, pop = np.asarray(network), np.asarray(population)
    out = []
    for i in range(pop.shape[0]):
        row = []
        for k in range(pop.shape[1]):
            hit = [s for s, c in zip(steps, net[:, i, k], strict=True) if c < pop[i, k] / 2]
            row.append(int(hit[0]) if hit and pop[i, k] > 0 else None)
        out.append(row)
    return out
