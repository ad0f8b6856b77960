"""Bad input files for the harness: arrays, configs, run directories, sweep specs, stores.

``build(root)`` writes them under ``root`` (once per test session) and returns ``root``; the
table in ``cases.py`` refers to them as ``{in}/<name>``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

import geomem
from tests.harness import cases_owndata


def _arrays(d: Path) -> None:
    rng = np.random.default_rng(0)
    good = rng.standard_normal((20, 4))
    np.save(d / "good.npy", good)
    bad = good.copy()
    bad[3, 1] = np.nan
    np.save(d / "nan.npy", bad)
    bad[3, 1] = np.inf
    np.save(d / "inf.npy", bad)
    (d / "empty.npy").write_bytes(b"")
    raw = (d / "good.npy").read_bytes()
    (d / "trunc.npy").write_bytes(raw[: len(raw) // 2])
    (d / "header_only.npy").write_bytes(raw[:128])
    (d / "text.npy").write_text("this is not an array\n")
    np.save(d / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(d / "three_d.npy", np.zeros((2, 3, 4)))
    np.save(d / "one_d.npy", np.zeros(5))
    np.save(d / "scalar.npy", np.float64(1.0))
    np.save(d / "no_rows.npy", np.zeros((0, 4)))
    np.save(d / "no_cols.npy", np.zeros((4, 0)))
    np.save(d / "strings.npy", np.array([["a", "b"], ["c", "d"]]))
    np.save(d / "complex.npy", np.ones((3, 4), dtype=complex))
    np.save(d / "wrong_d.npy", np.zeros((5, 7)))
    np.savez(d / "two.npz", a=good, b=good)
    np.savez(d / "good.npz", X=good)
    np.savez(d / "nan.npz", X=bad)
    (d / "garbage.npz").write_bytes(b"PK\x03\x04 not really a zip")
    np.savetxt(d / "data.txt", good)
    (d / "folder.npy").mkdir()


def _runs(d: Path) -> None:
    from geomem.checkpoints.format import save_checkpoint
    from geomem.train.config import train_preset
    from geomem.train.loop import build_model

    cfg = train_preset("cpu", preset="paper", n_train=1000, seed=0)
    model = build_model(cfg, 30)
    state = model.state_dict()

    def run(name, config=None, model_state=None, raw=None, config_text=None):
        r = d / name
        r.mkdir()
        if config_text is not None:
            (r / "config.json").write_text(config_text)
        else:
            (r / "config.json").write_text(json.dumps(config or cfg.to_json()))
        if raw is not None:
            (r / "checkpoint.pt").write_bytes(raw)
            return
        ms = model_state if model_state is not None else state
        save_checkpoint(
            r / "checkpoint.pt",
            config=config or cfg.to_json(),
            step=1,
            model=ms,
            ema=ms,
            optimizer={},
            rng={},
            losses=[1.0],
        )

    run("run_ok")
    (d / "run_no_ckpt").mkdir()
    (d / "run_no_ckpt" / "config.json").write_text(json.dumps(cfg.to_json()))
    run("run_bad_json", config_text='{"preset": "paper",, }')
    run("run_list_json", config_text="[1, 2, 3]")
    run("run_empty_json", config_text="")
    nan = {k: v.clone() for k, v in state.items()}
    next(iter(nan.values()))[0, 0] = float("nan")
    run("run_nan", model_state=nan)
    run("run_mismatch", config={**cfg.to_json(), "width": 64})
    run("run_other_data", config={**cfg.to_json(), "n_train": 50})
    good = (d / "run_ok" / "checkpoint.pt").read_bytes()
    run("run_trunc", raw=good[: len(good) // 2])
    run("run_empty_ckpt", raw=b"")
    run("run_text_ckpt", raw=b"hello")
    r = d / "run_foreign"
    r.mkdir()
    (r / "config.json").write_text(json.dumps(cfg.to_json()))
    torch.save([1, 2, 3], r / "checkpoint.pt")
    wrong = {k: v for k, v in state.items() if k != "inp.weight"}
    run("run_missing_tensor", model_state=wrong)
    run("run_bad_shape", model_state={**state, "inp.weight": torch.zeros(5)})
    (d / "not_a_run").mkdir()
    for name, text in [  # ensemble folders (n{N}-s{seed}/) whose member n20-s0 is not ours
        ("ens_bad", '{"preset": "paper",, }'),
        ("ens_other", json.dumps(cfg.to_json())),  # N = 1000 in the folder of N = 20
    ]:
        (d / name / "n20-s0").mkdir(parents=True)
        (d / name / "n20-s0" / "config.json").write_text(text)


NV = "experiment = 'spectrum'\n[base]\nnoise_var = [0.1]\n"
SPECS = {
    "spec_syntax.toml": "experiment = 'spectrum'\n[base\n",
    "spec_empty.toml": "",
    "spec_unknown_key.toml": "experiment = 'spectrum'\nbsae = 1\n",
    "spec_no_such_exp.toml": "experiment = 'nope'\n",
    "spec_exp_type.toml": "experiment = 3\n",
    "spec_grid_field.toml": "experiment = 'spectrum'\n[grid]\nn_trian = [1]\n",
    "spec_base_field.toml": "experiment = 'spectrum'\n[base]\nnoise_vr = [0.1]\n",
    "spec_grid_scalar.toml": NV + "[grid]\nseed = 3\n",
    "spec_grid_empty.toml": NV + "[grid]\nseed = []\n",
    "spec_bad_value.toml": "experiment = 'spectrum'\n[base]\nnoise_var = [0.1]\nn_train = 0\n",
    "spec_bad_type.toml": "experiment = 'spectrum'\n[base]\nnoise_var = [0.1]\nn_train = 'x'\n",
    "spec_neg_noise.toml": "experiment = 'spectrum'\n[base]\nnoise_var = [-1.0]\n",
    "spec_bad_device.toml": "experiment = 'spectrum'\n[base]\nnoise_var = [0.1]\ndevice = 'gpu'\n",
    "spec_syntax.json": '{"experiment": "spectrum",, }',
    "spec_list.json": "[1, 2]",
    "spec_binary.toml": "\x00\x01\x02",
    "spec_ok.toml": "experiment = 'spectrum'\n[base]\nnoise_var = [0.1]\nn_points = 2\n"
    "[grid]\nn_train = [20]\n",
}


def _specs(d: Path) -> None:
    for name, text in SPECS.items():
        (d / name).write_text(text)
    (d / "spec_dir.toml").mkdir()


def _stores(d: Path) -> None:
    s = d / "store_bad_meta"
    s.mkdir()
    (s / "store.json").write_text("{not json")
    (s / "results.jsonl").write_text("")
    s = d / "store_old"
    s.mkdir()
    (s / "store.json").write_text(json.dumps({"format": 0, "geomem": "0.0.1"}))
    (s / "results.jsonl").write_text("")
    s = d / "store_no_meta"
    s.mkdir()
    (s / "results.jsonl").write_text("")
    s = d / "store_empty"
    s.mkdir()
    (s / "store.json").write_text(json.dumps({"format": 1, "geomem": geomem.__version__}))
    (d / "a_file.txt").write_text("x")


def build(root: Path) -> Path:
    """Write every bad input under ``root`` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    _arrays(root)
    _runs(root)
    cases_owndata.build(root)  # the data-file run
    _specs(root)
    _stores(root)
    from tests.harness import cases_boundary

    cases_boundary.build(root)  # after _runs: it copies run_ok
    return root
