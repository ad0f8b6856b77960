"""Bad-input rows of the sampling commands and the training-time study (see ``cases.py``).

``geomem sample``, ``geomem copies``, ``geomem experiment copies``, ``geomem experiment
training-time`` and the ensemble options of ``geomem train`` (comma lists in --n-train/--seed,
--checkpoint-grid, --compile, --batch-size). ``cases.py`` merges ``BASE`` into its own and
calls ``rows(add)`` once.
"""

from __future__ import annotations

BASE: dict[str, tuple[str, ...]] = {
    "sample": ("sample", "--out", "{out}/x.npy", "--n-train", "20", "--n-samples", "2"),
    "copies": (
        "copies",
        "--samples",
        "{in}/good.npy",
        "--train",
        "{in}/good.npy",
        "--out",
        "{out}/c.json",
    ),
    "experiment copies": (
        "experiment",
        "copies",
        "--out",
        "{out}/cp",
        "--n-train",
        "20",
        "--models",
        "exact",
        "--n-samples",
        "2",
        "--sampler-steps",
        "1",
        "--noise-var",
        "0.1",
        "--population-n",
        "100",
    ),
    "experiment training-time": (
        "experiment",
        "training-time",
        "--out",
        "{out}/tt",
        "--n-train",
        "20,40",
        "--steps",
        "2",
        "--first-checkpoint",
        "1",
        "--batch-size",
        "8",
        "--noise-var",
        "0.1",
        "--n-points",
        "2",
        "--population-n",
        "100",
        "--panel-n",
        "20",
    ),
}

HUGE = "10000000000000"
DEVICES = ("cuda", "cuda:9", "tpu", "gpu", "", "CPU", "cuda:x", "mps")
ARRAYS = (  # bad .npy/.npz files of fixtures.py; obj.npy is pickled and must not be unpickled
    "nan.npy",
    "empty.npy",
    "trunc.npy",
    "text.npy",
    "obj.npy",
    "three_d.npy",
    "one_d.npy",
    "no_rows.npy",
    "strings.npy",
    "complex.npy",
    "two.npz",
    "garbage.npz",
    "folder.npy",
    "missing.npy",
)
NOT_RUNS = ("not_a_run", "nowhere", "a_file.txt", "run_no_ckpt", "run_bad_json", "run_list_json")
BAD_CKPT = ("run_nan", "run_trunc", "run_empty_ckpt", "run_text_ckpt", "run_foreign")
BAD_NOISE = ("", "abc", "0", "-0.1", "nan", "logspace:1e-4:1:0", "0.1,inf")


def _sample(add) -> None:
    c = "sample"
    for opt in ("--n-samples", "--steps", "--batch-size", "--seed"):
        add(c, "usage", opt, opt, "abc")
    add(c, "usage", "--threshold", "--threshold", "x")
    add(c, "usage", "--sigma-min", "--sigma-min", "")
    add(c, "usage", "--no-denoise", "--no-denoise=3")
    add(c, "usage", "--out", "!--out")
    for v in ("0", "-5"):
        add(c, "values", "n_samples", "--n-samples", v)
        add(c, "values", "steps", "--steps", v)
        add(c, "values", "batch_size", "--batch-size", v)
        add(c, "values", "n_train", "--n-train", v)
    add(c, "values", "seed", "--seed", "-1")
    for v in ("0", "1", "-1", "nan", "inf"):
        add(c, "values", "threshold", "--threshold", v)
    for name in ("nope", "", "HEUN"):
        add(c, "values", "sampler", "--sampler", name)
    add(c, "values", "schedule", "--schedule", "nope")
    add(c, "values", "preset", "--preset", "nope")
    add(c, "values", "--preset/--data", "--preset", "paper", "--data", "{in}/good.npy")
    add(c, "values", "model", "--model", "population", "--data", "{in}/good.npy")
    add(c, "values", "model", "--model", "nope")
    for v in ("0", "-1", "nan", "inf"):
        add(c, "values", "sigma_min", "--sigma-min", v)
    add(c, "values", "sigma_max", "--sigma-min", "1", "--sigma-max", "0.5")
    add(c, "values", "sigma_min", "--sampler", "ddpm", "--sigma-min", "0.1")
    add(c, "values", "--out", "--out", "{out}/x.txt")
    add(c, "sizes", "n_samples", "--n-samples", HUGE)
    add(c, "sizes", "n_train", "--n-train", HUGE)
    add(c, "sizes", "steps", "--steps", HUGE)
    for dev in DEVICES:
        add(c, "devices", "device", "--device", dev)
    for f in ARRAYS:
        add(c, "files", "data", "!--n-train", "--data", "{in}/" + f)
    add(c, "files", "--out", "--out", "{in}/folder.npy")
    add(c, "files", "--out", "--out", "{in}/a_file.txt/x.npy")
    for run in NOT_RUNS:
        add(c, "configs", "model", "--model", "{in}/" + run)
    add(c, "configs", "model", "--model", "{in}/run_ok")  # trained on N = 1000, not 20
    for run in BAD_CKPT:
        add(c, "configs", "checkpoint", "--model", "{in}/" + run, "--n-train", "1000")


def _copies(add) -> None:
    c = "copies"
    add(c, "usage", "--samples", "!--samples")
    add(c, "usage", "--train", "!--train")
    add(c, "usage", "--out", "!--out")
    for opt in ("--k", "--carlini-n", "--chunk-size", "--threshold", "--delta-m"):
        add(c, "usage", opt, opt, "abc")
    add(c, "usage", "arguments", "extra-positional")
    for v in ("0", "1", "-1", "21"):
        add(c, "values", "--k", "--k", v)
    for v in ("0", "1", "-0.5", "nan", "inf"):
        add(c, "values", "--threshold", "--threshold", v)
    for v in ("float16", "", "FLOAT32"):
        add(c, "values", "--dtype", "--dtype", v)
    for v in ("0", "-1"):
        add(c, "values", "carlini_n", "--carlini-n", v)
        add(c, "values", "--chunk-size", "--chunk-size", v)
    for v in ("-1", "nan", "inf"):
        add(c, "values", "delta_m", "--delta-m", v, "--delta-s", "0.1")
        add(c, "values", "delta_s", "--delta-m", "0.1", "--delta-s", v)
    add(c, "values", "preset", "--blocks", "nope")
    add(c, "values", "--blocks", "--blocks", "paper")  # d = 30, the samples have d = 4
    add(c, "sizes", "--k", "--k", HUGE)
    for f in ARRAYS:
        add(c, "files", "--samples", "--samples", "{in}/" + f)
        add(c, "files", "--train", "--train", "{in}/" + f)
    add(c, "files", "--train", "--train", "{in}/wrong_d.npy")
    add(c, "files", "--samples", "--samples", "{in}/run_ok")
    add(c, "files", "--out", "--out", "{in}/folder.npy")
    add(c, "files", "--out", "--out", "{in}/a_file.txt/c.json")


def _experiment_copies(add) -> None:
    c = "experiment copies"
    add(c, "usage", "arguments", "extra-positional")
    add(c, "usage", "--out", "--out")
    for opt in ("--steps", "--n-samples", "--sampler-steps", "--population-n", "--seed"):
        add(c, "usage", opt, opt, "abc")
    for v in ("0", "", ",", "a,b", "20,-3"):
        add(c, "values", "--n-train", "--n-train", v)
    for v in ("nope", "", ",", "exact,nope"):
        add(c, "values", "models", "--models", v)
    add(c, "values", "config", "--models", "network", "--config", "nope")
    add(c, "values", "preset", "--preset", "nope")
    add(c, "values", "sampler", "--sampler", "nope")
    for v in ("0", "-1"):
        add(c, "values", "steps", "--models", "network", "--steps", v)
        add(c, "values", "n_samples", "--n-samples", v)
        add(c, "values", "sampler_steps", "--sampler-steps", v)
        add(c, "values", "population_n", "--population-n", v)
    add(c, "values", "seed", "--seed", "-1")
    add(c, "sizes", "n_train", "--n-train", HUGE)
    add(c, "sizes", "n_samples", "--n-samples", HUGE)
    add(c, "sizes", "population_n", "--models", "population", "--population-n", HUGE)
    add(c, "sizes", "--noise-var", "--noise-var", "logspace:1e-4:1:100000000")
    for dev in DEVICES:
        add(c, "devices", "device", "--device", dev)
    for g in BAD_NOISE:
        add(c, "grids", "noise_var", "--noise-var", g)
    add(c, "files", "--out", "--out", "{in}/a_file.txt")
    for run in (*NOT_RUNS, "run_ok", "run_{N}"):  # run_ok: trained on N = 1000, not 20
        add(c, "configs", "network_run", "--models", "network", "--network-run", "{in}/" + run)


def _training_time(add) -> None:
    c = "experiment training-time"
    add(c, "usage", "arguments", "extra-positional")
    add(c, "usage", "--out", "--out")
    add(c, "usage", "--compile", "--compile=3")
    for opt in ("--steps", "--batch-size", "--first-checkpoint", "--tau-noise-var", "--n-points"):
        add(c, "usage", opt, opt, "abc")
    for v in ("0", "", "20,20", "a,b", "20,-3"):
        add(c, "values", "n_train", "--n-train", v)
    for opt in ("--steps", "--batch-size", "--first-checkpoint", "--n-points", "--population-n"):
        add(c, "values", opt, opt, "0")
    for v in ("0", "-1", "nan", "inf"):
        add(c, "values", "tau_noise_var", "--tau-noise-var", v)
    for v in ("30", "", "a", "20,0"):
        add(c, "values", "panel_n", "--panel-n", v)
    add(c, "values", "seed", "--seed", "-1")
    add(c, "values", "preset", "--preset", "nope")
    add(c, "values", "config", "--config", "nope")
    add(c, "sizes", "n_train", "--n-train", "20," + HUGE)
    add(c, "sizes", "population_n", "--population-n", HUGE)
    add(c, "sizes", "batch_size", "--batch-size", HUGE)
    add(c, "sizes", "--noise-var", "--noise-var", "logspace:1e-4:1:100000000")
    for dev in DEVICES:
        add(c, "devices", "device", "--device", dev)
    for g in BAD_NOISE:
        add(c, "grids", "noise_var", "--noise-var", g)
    add(c, "files", "--out", "--out", "{in}/a_file.txt")
    add(c, "files", "runs_dir", "--runs-dir", "{in}/a_file.txt")
    add(c, "configs", "runs_dir", "--runs-dir", "{in}/ens_bad")
    add(c, "configs", "runs_dir", "--runs-dir", "{in}/ens_other")


def _train(add) -> None:
    c = "train"
    for opt in ("--checkpoint-grid", "--batch-size"):
        add(c, "usage", opt, opt, "abc")
        add(c, "usage", opt, opt, "1.5")
    add(c, "usage", "--compile", "--compile=yes")
    for v in ("20,20", "20,abc", "20,0", ",", "20,,40", "20;40"):
        add(c, "values", "--n-train", "--n-train", v)
    for v in ("0,-1", "0,0", "0,a", "", "0,1.5"):
        add(c, "values", "--seed", "--seed", v)
    for v in ("0", "-1"):
        add(c, "values", "batch_size", "--batch-size", v)
    add(c, "values", "checkpoint_grid", "--checkpoint-grid", "-1")
    add(c, "values", "--compile", "--compile")
    add(c, "values", "config", "--n-train", "20,40", "--config", "nope")
    add(c, "sizes", "n_train", "--n-train", "20," + HUGE)
    add(c, "sizes", "batch_size", "--batch-size", HUGE)
    for dev in ("cuda:9", "tpu", ""):
        add(c, "devices", "device", "--n-train", "20,40", "--device", dev)
    add(c, "files", "out", "--n-train", "20,40", "--out", "{in}/a_file.txt")
    add(c, "configs", "out", "--n-train", "20,40", "--out", "{in}/ens_bad")
    add(c, "configs", "out", "--n-train", "20,40", "--out", "{in}/ens_other")


def rows(add) -> None:
    """Add every row of this module through ``cases.add``."""
    _sample(add)
    _copies(add)
    _experiment_copies(add)
    _training_time(add)
    _train(add)
