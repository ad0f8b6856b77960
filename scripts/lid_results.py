"""Regenerate docs/results/lid/: geomem's LID rules on manifolds of known dimension.

    OMP_NUM_THREADS=1 nohup python scripts/lid_results.py > lid.log 2>&1 &   # ~40 min, 2 cores
    python scripts/lid_results.py --quick --out /tmp/lid --work /tmp/lid-runs  # smoke test

For each manifold (resumable: one ``OUT/<name>.json`` each, skipped when present; networks are
`geomem train --data` runs in ``WORK/<name>/``, resumed): skdim's MLE, TwoNN and lPCA on the
training set; the exact score's threshold dimension (median over fresh query points) against
v for several N and the window of v where it equals the true dimension; a trained network's
per-point LID by every rule over the same grid (``geomem.lid``, multiscale); for spheres the
eigenvector of the (k+1)-th smallest eigenvalue against the radial direction. Then the
figure ``lid.png`` and the README's tables, from the JSON files alone.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import geomem
from geomem import io
from geomem.data.files import data_scale

RULES = ("threshold", "gap", "spike", "flipd")
SKDIM = {  # name -> (skdim BenchmarkManifolds name, intrinsic k, ambient d)
    "helix-1-in-3": ("M5a_Helix1d", 1, 3),
    "swiss-roll-2-in-3": ("M7_Roll", 2, 3),
    "paraboloid-3-in-12": ("Mp1_Paraboloid", 3, 12),
    "nonlinear-4-in-8": ("M4_Nonlinear", 4, 8),
    "sphere-10-in-11": ("M1_Sphere", 10, 11),
}
ID_DIFF = {"sphere-10-in-R100": 11, "sphere-50-in-R100": 51}  # Stanczuk et al. 2024, Table 1
FULL = {"n_exact": (1000, 4000, 16000), "n_net": 10_000, "steps": 3000, "width": 256}
SMALL = {"n_exact": (1000, 4000), "n_net": 4000, "steps": 2000, "width": 128}
QUICK = {"n_exact": (300,), "n_net": 300, "steps": 50, "width": 32}
N_QUERY = 16


def sphere(k: int, n: int, rng) -> np.ndarray:
    """n points of the unit k-sphere in R^(k+1), isometrically embedded in R^100 by a random
    orthonormal (100, k+1) frame (ID-diff's construction)."""
    z = rng.standard_normal((n, k + 1))
    frame = np.linalg.qr(np.random.default_rng(1234 + k).standard_normal((100, k + 1)))[0]
    return (z / np.linalg.norm(z, axis=1, keepdims=True)) @ frame.T


def manifold(name: str, n: int, seed: int) -> np.ndarray:
    """n points (n, d) of manifold ``name``; seed 0 trains, seed 1 gives the query points."""
    if name in ID_DIFF:
        return sphere(ID_DIFF[name] - 1, n, np.random.default_rng(seed))
    import skdim

    key, k, d = SKDIM[name]
    gen = skdim.datasets.BenchmarkManifolds(random_state=seed)
    return np.asarray(gen.generate(name=key, n=n, dim=d, d=k), dtype=np.float64)


def true_dim(name: str) -> int:
    return ID_DIFF[name] - 1 if name in ID_DIFF else SKDIM[name][1]


def skdim_estimates(X: np.ndarray) -> dict:
    import skdim

    out = {}
    for est in ("MLE", "TwoNN", "lPCA"):
        try:
            out[est] = float(getattr(skdim.id, est)().fit(X).dimension_)
        except Exception as exc:  # report an estimator's failure, keep the others
            out[est] = f"failed: {type(exc).__name__}"
    return out


def exact_curves(X_all, Q, grid, k) -> dict:
    """Median threshold dimension of the exact score of the first N rows at Q over the grid,
    and the window of v where it equals k, for each N."""
    out = {}
    for n in sorted({min(n, len(X_all)) for n in SIZE["n_exact"]}):
        score = geomem.EmpiricalScore(X_all[:n], geomem.VE())
        frame = geomem.lid(score, Q, grid, with_flipd=True)
        med = frame.groupby("noise_var")[["threshold", "gap", "flipd"]].median()
        hit = [v for v, d in zip(med.index, med["threshold"], strict=True) if d == k]
        out[str(n)] = {
            "threshold": med["threshold"].tolist(),
            "gap": med["gap"].tolist(),
            "flipd": med["flipd"].tolist(),
            "window": [min(hit), max(hit)] if hit else None,
        }
    return out


def network(name, X, Q, grid, work: Path) -> tuple[dict, object]:
    from geomem.train.config import data_train_config
    from geomem.train.loop import train

    run = work / name
    run.mkdir(parents=True, exist_ok=True)
    path = run / "data.npy"
    if not path.exists():
        io.save_npy(path, X)
    kw = dict(steps=SIZE["steps"], width=SIZE["width"], batch_size=256, ema_decay=0.995)
    cfg, _ = data_train_config(str(path), checkpoint_every=500, **kw)
    t0 = time.time()
    metrics = train(cfg, run / "run")
    score = geomem.NetworkScore.from_run(run / "run")
    frame = geomem.lid(score, Q, grid, multiscale=True, rng=np.random.default_rng(0))
    med = frame.groupby("noise_var")[[*RULES, "ambiguous_count"]].median()
    first = frame.groupby("point").first()
    return {
        "config": {k: getattr(cfg, k) for k in ("n_train", "steps", "width", "n_blocks")}
        | {"noise_min": cfg.noise_min, "noise_max": cfg.noise_max, "ema": cfg.ema_decay},
        "final_loss": metrics["final_loss"],
        "seconds": round(time.time() - t0, 1),
        **{r: med[r].tolist() for r in RULES},
        "ambiguous_count": med["ambiguous_count"].tolist(),
        "plateau_dim": float(first["plateau_dim"].median()),
        "plateau_v": [float(first["plateau_v_lo"].median()), float(first["plateau_v_hi"].median())],
        "knee_noise_var": float(first["knee_noise_var"].median()),
        "knee_flipd": float(first["knee_flipd"].median()),
    }, score


def radial(score, Q, grid, k) -> dict:
    """At each v: the (k+1)-th smallest eigenvalue r_{k+1} and |<u_{k+1}, x/|x|>| (median over
    points), and how much of the radial direction lies in the threshold rule's tangent space."""
    from geomem.spectra.jacobian import jacobian_spectrum

    out = {"r_k+1": [], "overlap": [], "radial_in_tangent": []}
    u = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    for v in grid:
        t = float(score.schedule.t_of_noise_var(v))
        s = jacobian_spectrum(score, Q, t, method="autodiff", eigvecs=True)
        r, E = np.asarray(s.eigvals), np.asarray(s.eigvecs)
        out["r_k+1"].append(float(np.median(r[:, k])))
        out["overlap"].append(float(np.median(np.abs(np.einsum("bd,bd->b", E[:, :, k], u)))))
        tan = [np.sum((E[b][:, r[b] < 0.5].T @ u[b]) ** 2) for b in range(len(Q))]
        out["radial_in_tangent"].append(float(np.median(tan)))
    return out


def one(name: str, out: Path, work: Path) -> None:
    path = out / f"{name}.json"
    if path.exists():
        print(f"{name}: kept {path}", flush=True)
        return
    k = true_dim(name)
    X_all = manifold(name, max(max(SIZE["n_exact"]), SIZE["n_net"]), seed=0)
    Q = manifold(name, N_QUERY, seed=1)
    s1 = data_scale(X_all)["top_std"][0]
    grid = [float(v) for v in np.geomspace(1e-4 * s1**2, 10 * s1**2, 11)]
    t0 = time.time()
    res = {"name": name, "k": k, "d": X_all.shape[1], "noise_var": grid, "n_query": N_QUERY}
    res["id_diff"] = ID_DIFF.get(name)
    res["skdim"] = skdim_estimates(X_all[: SIZE["n_net"]])
    res["exact"] = exact_curves(X_all, Q, grid, k)
    res["network"], score = network(name, X_all[: SIZE["n_net"]], Q, grid, work)
    if name in ID_DIFF:
        res["radial"] = radial(score, Q, grid, k)
    res["seconds"] = round(time.time() - t0, 1)
    io.write_json(path, res)
    print(f"{name}: wrote {path} in {res['seconds']} s", flush=True)


def main() -> None:
    global SIZE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/results/lid"))
    ap.add_argument("--work", type=Path, default=Path("runs/lid-results"))
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    ap.add_argument("--only", nargs="*", help="manifold names (default: all)")
    ap.add_argument("--report-only", action="store_true", help="figure and tables only")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    names = [*ID_DIFF, *SKDIM] if not a.only else a.only
    if not a.report_only:
        for name in names:
            SIZE = QUICK if a.quick else (FULL if name in ID_DIFF else SMALL)
            one(name, a.out, a.work)
    from lid_report import report  # the figure and tables, beside this script

    report(a.out, [*ID_DIFF, *SKDIM])


SIZE = FULL
if __name__ == "__main__":
    main()
