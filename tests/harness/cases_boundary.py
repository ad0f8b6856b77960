"""Bad-input rows of the one boundary (see ``cases.py``): outputs that are FIFOs or hold
another config's result, run configs `geomem train` would refuse, strictly loaded model
folders (missing, unexpected, mis-shaped, NaN or integer tensors), theory overflow, impossible
step counts and results tables with rows that are not geomem's. The files are built by
``build(root)`` (called from ``fixtures.build``)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "audit"
BASE: dict[str, tuple[str, ...]] = {  # valid dry runs of the two studies' sweeps
    "experiment copies": (
        *("experiment", "copies", "--out", "{out}/copies", "--n-train", "20"),
        *("--models", "exact", "--dry-run"),
    ),
    "experiment training-time": (
        *("experiment", "training-time", "--out", "{out}/tt", "--n-train", "20"),
        *("--panel-n", "20", "--steps", "8", "--dry-run"),
    ),
}
GRIDS = {  # sweep specs whose second grid point a run would refuse
    "grid_huge_n": "n_train = [20, 10000000000000]\n",
    "grid_bad_device": "device = ['cpu', 'cuda:77']\n",
    "grid_huge_population": "model = ['exact', 'population']\npopulation_n = [10000000000000]\n",
}
UNETS = ("unet_missing", "unet_extra", "unet_shape", "unet_nan", "unet_int")


def build(root: Path) -> None:
    """The bad files of these rows under ``root`` (next to ``fixtures.build``'s)."""
    import torch
    from safetensors.torch import load_file, save_file

    import geomem

    os.mkfifo(root / "fifo.json")
    os.mkfifo(root / "fifo.npy")
    (root / "other.json").write_text(json.dumps({"config": {"n_train": 7}, "request": {}}))
    (root / "other.npy").write_bytes(b"")  # beside other.json: another sample's result
    cfg = json.loads((root / "run_ok" / "config.json").read_text())
    for name, over in [("run_wide", {"width": "wide"}), ("run_unknown", {"widht": 64})]:
        shutil.copytree(root / "run_ok", root / name)
        (root / name / "config.json").write_text(json.dumps({**cfg, **over}))
    nv = "experiment = 'spectrum'\n[base]\nnoise_var = [0.1]\nn_points = 2\n[grid]\n"
    for name, grid in GRIDS.items():  # the bad point second: the first would run on main
        (root / f"{name}.toml").write_text(nv + grid)
    ok = root / "store_ok"  # a valid results store (the committed v0.1.0 one)
    shutil.copytree(FIXTURE.parents[1] / "runs" / "fixtures" / "store-v0.1.0", ok)
    ok.joinpath("store.json").write_text(json.dumps({"format": 1, "geomem": geomem.__version__}))
    (ok / "notes.html").write_text("<p>my notes, not a report</p>\n")
    os.mkfifo(ok / "fifo.html")
    s = root / "store_no_status"
    s.mkdir()
    (s / "store.json").write_text(json.dumps({"format": 1, "geomem": geomem.__version__}))
    (s / "results.jsonl").write_text(json.dumps({"run_id": "abc"}) + "\n")
    src = FIXTURE / "tiny-memorizer"
    sd = load_file(src / "unet" / "diffusion_pytorch_model.safetensors")
    first = sorted(sd)[0]
    for name, weights in zip(
        UNETS,
        [
            {k: v for k, v in sd.items() if k != first},
            {**sd, "bogus.weight": torch.zeros(3)},
            {**sd, first: torch.zeros(*sd[first].shape, 2)},
            {**sd, first: torch.full_like(sd[first], float("nan"))},
            {**sd, first: sd[first].to(torch.int32)},
        ],
        strict=True,
    ):
        shutil.copytree(src, root / name)
        save_file(weights, root / name / "unet" / "diffusion_pytorch_model.safetensors")


def rows(add) -> None:
    """Add the boundary's rows through ``cases.add``."""
    ct = ("--eigvals", "1,0.5", "--load", "0.1")
    for cmd, more in [
        ("theory critical-noise", ()),
        ("theory spectrum", ()),
        ("theory collapse-time", ct),
    ]:
        add(cmd, "outputs", "--out", *more, "--out", "{in}/fifo.json")
        add(cmd, "outputs", "--out", *more, "--out", "{in}/other.json")
    add("spectrum", "outputs", "--out", "--out", "{in}/fifo.json")
    add("sample", "outputs", "--out", "--out", "{in}/fifo.npy")
    add("sample", "outputs", "--out", "--out", "{in}/other.npy")
    add("copies", "outputs", "--out", "--out", "{in}/fifo.json")
    add("copies", "outputs", "--out", "--out", "{in}/other.json")
    add("lid", "outputs", "--out", "--out", "{in}/fifo.json")
    add("theory critical-noise", "values", "--stds", "--stds", "1e200")
    add("theory critical-noise", "values", "--stds", "--stds", "1,1e60")
    add("theory critical-noise", "values", "--noise-var", "--noise-var", "1e300")
    add("theory spectrum", "values", "--noise-var", "--noise-var", "1e300")
    add("sample", "values", "--sigma-min", "--sigma-min", "1e-300")
    add("sample", "values", "--sigma-max", "--sigma-max", "1e300")
    add("train", "sizes", "--steps", "--steps", "9223372036854775808")
    add("train", "sizes", "--steps", "--steps", "100000000000000000", "--dry-run")
    for run in ("run_wide", "run_unknown"):
        same = ("--n-train", "1000")  # the data run_ok was trained on: only the config is bad
        add("sample", "configs", "--model", *same, "--model", "{in}/" + run, "--dry-run")
        add("sample", "configs", "--model", *same, "--model", "{in}/" + run)
        add("spectrum", "configs", "--model", "--model", "{in}/" + run)
        add("lid", "configs", "--model", "--model", "{in}/" + run)
    for unet in UNETS:
        add("lid", "configs", "weights", "--model", "{in}/" + unet)
    add("lid", "values", "--seed", "--seed", "-1")  # was an internal error (SeedSequence)
    huge = "100000000000000000000"  # 1e20 steps: the per-step loss log cannot fit
    add("experiment copies", "sizes", "--sampler-steps", "--sampler-steps", huge)
    add("experiment copies", "sizes", "--steps", "--steps", huge)
    add("experiment training-time", "sizes", "--steps", "!--steps", "--steps", huge)
    for name, param in [
        ("grid_huge_n", "n_train"),
        ("grid_bad_device", "device"),
        ("grid_huge_population", "population_n"),
    ]:
        spec = "{in}/" + name + ".toml"
        add("sweep", "sizes", param, spec, "--out", "{out}/s", "--executor", "inline")
        add("sweep", "sizes", param, spec, "--out", "{out}/s", "--dry-run")
    for out in ("{in}/store_ok/notes.html", "{in}/store_ok/fifo.html", "{in}/report.html"):
        add("report", "outputs", "--out", "{in}/store_ok", "--out", out)
    add("report", "outputs", "--out", "{in}/store_ok", "--out", "{in}/store_ok/runs")
    for more in (("--dry-run",), ("--executor", "inline")):
        for out in ("{in}/a_file.txt", "{in}/fifo.json", "{in}/a_file.txt/store"):
            add("sweep", "outputs", "--out", "{in}/spec_ok.toml", "--out", out, *more)
    add("report", "configs", "store_no_status", "{in}/store_no_status")
    add(
        "sweep",
        "configs",
        "store_no_status",
        "{in}/spec_ok.toml",
        "--out",
        "{in}/store_no_status",
        "--executor",
        "inline",
    )
