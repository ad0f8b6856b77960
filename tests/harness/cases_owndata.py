"""Bad-input rows of training on your own data (see ``cases.py``): `geomem train --data` on
``{in}/good.npy`` (20 points in d = 4), and the data-file run ``{in}/run_data`` (``build``)
queried against other data by ``lid``, ``spectrum`` and ``sample``. Registered through
``cases_lid`` (``BASE`` and ``rows``)."""

from __future__ import annotations

import json
from pathlib import Path

BASE: dict[str, tuple[str, ...]] = {
    "train --data": ("train", "--data", "{in}/good.npy", "--out", "{out}/run", "--steps", "1"),
}


def build(d: Path) -> None:
    """``d/run_data``: a one-step `geomem train --data d/good.npy` run (config.json and
    checkpoint.pt), trained on good.npy's bytes only."""
    from geomem.checkpoints.format import save_checkpoint
    from geomem.train.config import data_train_config
    from geomem.train.loop import build_model

    cfg, _ = data_train_config(str(d / "good.npy"), steps=1)
    state = build_model(cfg, cfg.d).state_dict()
    run = d / "run_data"
    run.mkdir()
    (run / "config.json").write_text(json.dumps(cfg.to_json()))
    save_checkpoint(
        run / "checkpoint.pt", config=cfg.to_json(), step=1, model=state, ema=state,
        optimizer={}, rng={}, losses=[1.0],
    )  # fmt: skip


def rows(add, files: tuple[str, ...]) -> None:
    """Add the rows through ``cases.add``; ``files``: the bad array files of ``cases_lid``."""
    for name in files:
        add("train --data", "files", "--data", "!--data", "--data", "{in}/" + name)
    for name in ("nan.npy", "wrong_d.npy", "missing.npy", "obj.npy"):
        add("train --data", "files", "--heldout", "--heldout", "{in}/" + name)
    for opt, bad in [
        ("--n-train", "21"), ("--n-train", "0"), ("--n-train", "5,5"), ("--width", "0"),
        ("--blocks", "0"), ("--noise-min", "-1"), ("--noise-max", "0.0001"),
        ("--sigma-data", "0"), ("--ema-decay", "1.5"), ("--lr", "0"),
    ]:  # fmt: skip
        add("train --data", "values", opt, opt, bad)
    add("train --data", "usage", "--preset/--data", "--preset", "paper")
    add("train", "usage", "--heldout", "--heldout", "{in}/good.npy")
    add("train", "usage", "--width", "--config", "paper", "--width", "64")
    # a data-file run against other data (good.npz holds the same numbers in other bytes)
    add(
        "lid", "configs", "--data", "--model", "{in}/run_data", "!--data", "--data", "{in}/good.npz"
    )
    add("lid", "configs", "--data", "--model", "{in}/run_ok")  # a preset run: no --data
    for command in ("spectrum", "sample"):
        add(command, "configs", "--model", "--model", "{in}/run_data", "--data", "{in}/good.npz")
