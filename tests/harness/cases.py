"""The bad-input table: (command, class, expected parameter, extra arguments).

Every row is run as ``geomem <BASE[command]> <args>``: ``BASE`` makes every other input of the
command valid (options given twice take the last value; an argument ``!--opt`` drops ``--opt``
and its value from the base), ``{in}`` is the folder of bad files built by ``fixtures.build``
and ``{out}`` an output folder that must stay as it was.

A new command joins with one line in ``BASE`` and one ``add(...)`` line per bad input, e.g.::

    BASE["sample"] = ("sample", "--out", "{out}/x.npy")
    add("sample", "sizes", "--n-samples", "--n-samples", "10000000000000")

Classes: usage (the CLI framework's own errors), values, sizes, devices, grids, files,
configs (JSON/TOML configs, run directories, checkpoints, model folders, stores), outputs
(FIFOs, another config's result).
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.harness import cases_audit, cases_boundary, cases_lid, cases_sampling

CLASSES = ("usage", "values", "sizes", "devices", "grids", "files", "configs", "outputs")


@dataclass(frozen=True)
class Case:
    command: str
    cls: str
    param: str  # must appear in the part of the message before ": expected"
    args: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.command}|{self.cls}|{' '.join(self.args)}"[:120]


BASE: dict[str, tuple[str, ...]] = {
    "spectrum": ("spectrum", "--out", "{out}/s.json", "--noise-var", "0.1", "--n-points", "2"),
    "theory critical-noise": (
        "theory",
        "critical-noise",
        "--stds",
        "1,0.3",
        "--n-train",
        "1000",
        "--out",
        "{out}/c.json",
    ),
    "theory collapse-time": ("theory", "collapse-time", "--out", "{out}/t.json"),
    "theory spectrum": (
        "theory",
        "spectrum",
        "--n-train",
        "1000",
        "--noise-var",
        "0.1",
        "--out",
        "{out}/ts.json",
    ),
    "phase-diagram": (
        "phase-diagram",
        "--out",
        "{out}/phase",
        "--n-train",
        "32",
        "--noise-var",
        "0.1",
        "--seeds",
        "0",
        "--n-points",
        "2",
    ),
    "train": ("train", "--out", "{out}/run", "--steps", "1"),
    "experiment linear-networks": (
        "experiment",
        "linear-networks",
        "--out",
        "{out}/ln",
        "--n-train",
        "50",
        "--steps",
        "1",
        "--noise-var",
        "0.1",
        "--n-points",
        "2",
        "--population-n",
        "100",
    ),
    "experiment images": (
        "experiment",
        "images",
        "--dataset",
        "digits",
        "--n-train",
        "16",
        "--steps",
        "1",
        "--n-points",
        "2",
        "--n-heldout",
        "2",
        "--out",
        "{out}/img",
    ),
    "sweep": ("sweep",),
    "report": ("report",),
    "demo": (
        "demo",
        "--out",
        "{out}/demo",
        "--n-train",
        "50",
        "--n-noise",
        "2",
        "--n-points",
        "2",
        "--population-n",
        "100",
    ),
}
BASE.update(cases_sampling.BASE)  # sample, copies, experiment copies/training-time
BASE.update(cases_audit.BASE)
BASE.update(cases_lid.BASE)
BASE.update(cases_boundary.BASE)

CASES: list[Case] = []


def add(command: str, cls: str, param: str, *args: str) -> None:
    """One row of the table."""
    assert command in BASE and cls in CLASSES, (command, cls)
    CASES.append(Case(command, cls, param, tuple(args)))


HUGE = "10000000000000"  # 1e13: no machine holds 1e13 x d float64

# ---- usage: the CLI framework's own errors, for every command ----------------------------
for cmd in BASE:
    add(cmd, "usage", "--bogus", "--bogus")
    add(cmd, "usage", "--bogus", "--bogus=3")
    add(cmd, "usage", "-z", "-z")
for cmd in (
    "spectrum",
    "theory critical-noise",
    "theory spectrum",
    "phase-diagram",
    "train",
    "experiment linear-networks",
    "experiment images",
    "demo",
):
    add(cmd, "usage", "arguments", "extra-positional")
    add(cmd, "usage", "--out", "--out")
for cmd, opt in [
    ("spectrum", "--n-train"),
    ("spectrum", "--seed"),
    ("spectrum", "--n-points"),
    ("spectrum", "--threshold"),
    ("theory critical-noise", "--n-train"),
    ("theory collapse-time", "--load"),
    ("theory collapse-time", "--d"),
    ("theory spectrum", "--n-train"),
    ("theory spectrum", "--threshold"),
    ("phase-diagram", "--n-points"),
    ("phase-diagram", "--threshold"),
    ("train", "--n-train"),
    ("train", "--steps"),
    ("train", "--seed"),
    ("train", "--checkpoint-every"),
    ("experiment linear-networks", "--steps"),
    ("experiment linear-networks", "--n-points"),
    ("experiment linear-networks", "--population-n"),
    ("experiment linear-networks", "--seed"),
    ("experiment images", "--step"),
    ("experiment images", "--steps"),
    ("experiment images", "--downsample"),
    ("experiment images", "--n-heldout"),
    ("experiment images", "--seed"),
    ("demo", "--n-noise"),
    ("demo", "--n-points"),
    ("demo", "--population-n"),
    ("demo", "--seed"),
]:
    add(cmd, "usage", opt, opt, "abc")
    add(cmd, "usage", opt, opt, "")
for cmd, opt in [
    ("spectrum", "--n-train"),
    ("train", "--n-train"),
    ("demo", "--n-noise"),
    ("phase-diagram", "--n-points"),
    ("experiment images", "--n-points"),
]:
    add(cmd, "usage", opt, opt, "1.5")
    add(cmd, "usage", opt, opt, "1e3")
add("theory critical-noise", "usage", "--normalized", "--normalized=3")
add("theory critical-noise", "usage", "--stds", "--stds")
add("theory critical-noise", "usage", "--n-train", "--n-train")
add("sweep", "usage", "SPEC", "--out", "{out}/store")
add("sweep", "usage", "--out", "{in}/spec_empty.toml")
add("sweep", "usage", "--workers", "{in}/spec_empty.toml", "--out", "{out}/s", "--workers", "x")
add("sweep", "usage", "--retries", "{in}/spec_empty.toml", "--out", "{out}/s", "--retries", "x")
add("sweep", "usage", "arguments", "{in}/spec_empty.toml", "extra", "--out", "{out}/s")
add("report", "usage", "STORE")
add("report", "usage", "arguments", "{in}/store_empty", "extra")
add("report", "usage", "--out", "{in}/store_empty", "--out")
add("train", "usage", "--dry-run", "--dry-run=yes")
add("spectrum", "usage", "--device", "--device")


# ---- values: out-of-range or unknown names -----------------------------------------------
for v in ("0", "-5"):
    add("spectrum", "values", "n_train", "--n-train", v)
    add("spectrum", "values", "n_points", "--n-points", v)
    add("train", "values", "n_train", "--n-train", v)
    add("train", "values", "steps", "--steps", v)
    add("train", "values", "checkpoint_every", "--checkpoint-every", v)
    add("experiment linear-networks", "values", "steps", "--steps", v)
    add("experiment linear-networks", "values", "n_points", "--n-points", v)
    add("experiment linear-networks", "values", "population_n", "--population-n", v)
    add("experiment images", "values", "n_points", "--n-points", v)
    add("experiment images", "values", "n_heldout", "--n-heldout", v)
    add("experiment images", "values", "steps", "--steps", v)
    add("demo", "values", "n_noise", "--n-noise", v)
    add("demo", "values", "n_points", "--n-points", v)
    add("demo", "values", "population_n", "--population-n", v)
    add("phase-diagram", "values", "n_points", "--n-points", v)
    add("theory collapse-time", "values", "--load", "--eigvals", "1,1", "--load", v)
    add("theory spectrum", "values", "threshold", "--threshold", v)
    add("spectrum", "values", "threshold", "--threshold", v)
for v in ("nan", "inf", "-inf"):
    add("spectrum", "values", "threshold", "--threshold", v)
    add("phase-diagram", "values", "threshold", "--threshold", v)
    add("theory critical-noise", "values", "--n-train", "--n-train", v)
    add("theory spectrum", "values", "--n-train", "--n-train", v)
    add("theory collapse-time", "values", "--load", "--eigvals", "1", "--load", v)
    add("experiment images", "values", "step", "--step", v)
for v in ("-1", "-100"):
    add("spectrum", "values", "seed", "--seed", v)
    add("train", "values", "seed", "--seed", v)
    add("demo", "values", "seed", "--seed", v)
    add("experiment linear-networks", "values", "seed", "--seed", v)
    add("experiment images", "values", "seed", "--seed", v)
    add("phase-diagram", "values", "--seeds", "--seeds", v)
for name in ("nope", "", " ", "PAPER"):
    add("spectrum", "values", "preset", "--preset", name)
    add("train", "values", "preset", "--preset", name)
    add("phase-diagram", "values", "preset", "--preset", name)
    add("theory spectrum", "values", "preset", "--preset", name)
    add("experiment linear-networks", "values", "preset", "--preset", name)
    add("theory collapse-time", "values", "preset", "--preset", name, "--load", "0.1")
for opt, param, cmds in [
    ("--points", "points", ("spectrum", "phase-diagram")),
    ("--point-noise", "point", ("spectrum", "phase-diagram")),
    ("--schedule", "schedule", ("spectrum", "train")),
    ("--method", "method", ("spectrum",)),
    ("--route", "route", ("phase-diagram", "experiment images")),
    ("--config", "config", ("train", "experiment linear-networks")),
    ("--parameterization", "parameterization", ("train",)),
    ("--mapping", "mapping", ("theory spectrum",)),
    ("--rule", "rule", ("experiment images",)),
    ("--dataset", "dataset", ("experiment images",)),
    ("--preset", "preset", ("experiment images",)),
]:
    for cmd in cmds:
        add(cmd, "values", param, opt, "nope")
add("spectrum", "values", "point", "--point-noise", "-1")
add("spectrum", "values", "point", "--point-noise", "nan")
add("phase-diagram", "values", "--point-noise", "--point-noise", "nan")
add("phase-diagram", "values", "--seeds", "--seeds", "0,0")
add("phase-diagram", "values", "--n-train", "--n-train", "32,64,32")
add("demo", "values", "--n-train", "--n-train", "20,20")
add("spectrum", "values", "--noise-var/--sigma", "--sigma", "0.1")
add("spectrum", "values", "--preset/--data", "--preset", "paper", "--data", "{in}/good.npy")
add("spectrum", "values", "model", "--model", "population", "--data", "{in}/good.npy")
add("theory critical-noise", "values", "--n-train", "--n-train", "1")
add("theory critical-noise", "values", "dims", "--dims", "1,2,3")
add("theory critical-noise", "values", "--dims", "--dims", "0,1")
add("theory critical-noise", "values", "--dims", "--dims", "a,b")
add("theory collapse-time", "values", "--eigvals/--preset", "--load", "0.1")
add("theory collapse-time", "values", "--eigvals/--preset", "--eigvals", "1", "--preset", "paper")
add("theory collapse-time", "values", "--load/--n-train --d", "--eigvals", "1")
add("theory collapse-time", "values", "--n-train/--d", "--eigvals", "1", "--n-train", "100")
add("theory collapse-time", "values", "--d", "--eigvals", "1", "--n-train", "100", "--d", "0")
add("theory collapse-time", "values", "--n-train", "--eigvals", "1", "--n-train", "1", "--d", "3")
add("theory spectrum", "values", "--n-train", "--n-train", "0.5")
add("phase-diagram", "values", "n_train", "--n-train", "1")
add("phase-diagram", "values", "--n-train", "--n-train", "0,32")
add("phase-diagram", "values", "--n-train", "--n-train", "a,b")
add("phase-diagram", "values", "--n-train", "--n-train", ",")
add("phase-diagram", "values", "--seeds", "--seeds", "")
add("phase-diagram", "values", "--seeds", "--seeds", "a")
add("experiment linear-networks", "values", "--n-train", "--n-train", "0")
add("experiment linear-networks", "values", "--n-train", "--n-train", "x,y")
add("experiment images", "values", "--n-train", "--n-train", "")
add("experiment images", "values", "n_points", "--n-points", "100")
add("experiment images", "values", "step", "--step", "0")
add("experiment images", "values", "step", "--step", "5000")
add("experiment images", "values", "n_train", "--n-train", "100000")
add("experiment images", "values", "rule", "--rule", "spike", "--route", "lanczos")
add("demo", "values", "--n-train", "--n-train", "0")
add("demo", "values", "--n-train", "--n-train", "abc")
add("sweep", "values", "--executor", "{in}/spec_ok.toml", "--out", "{out}/s", "--executor", "nope")
add(
    "sweep", "values", "--workers", "{in}/spec_bad_value.toml", "--out", "{out}/s", "--workers", "0"
)
add(
    "sweep",
    "values",
    "--retries",
    "{in}/spec_bad_value.toml",
    "--out",
    "{out}/s",
    "--retries",
    "-1",
)
add(
    "sweep",
    "values",
    "--scheduler",
    "{in}/spec_bad_value.toml",
    "--out",
    "{out}/s",
    "--scheduler",
    "tcp://x:1",
)

# ---- sizes: requests that cannot fit in memory are refused up front -----------------------
add("spectrum", "sizes", "n_train", "--n-train", HUGE)
add("spectrum", "sizes", "n_points", "--n-points", "1000000000", "--points", "fresh")
add("spectrum", "sizes", "n_train", "--n-train", "3000000000", "--points", "origin")
add("train", "sizes", "n_train", "--n-train", HUGE)
add("phase-diagram", "sizes", "n_train", "--n-train", HUGE)
add("experiment linear-networks", "sizes", "n_train", "--n-train", HUGE)
add("experiment linear-networks", "sizes", "n_train", "--population-n", HUGE)
add("demo", "sizes", "--n-train", "--n-train", HUGE)
add("demo", "sizes", "--n-train", "--population-n", HUGE)
add("demo", "sizes", "--n-noise", "--n-noise", "100000000")
add("theory spectrum", "sizes", "--noise-var", "--noise-var", "logspace:1e-4:1:100000000")
add("theory critical-noise", "sizes", "--noise-var", "--noise-var", "logspace:1e-4:1:100000000")
add("spectrum", "sizes", "--noise-var", "--noise-var", "logspace:1e-4:1:100000000")
add("phase-diagram", "sizes", "--noise-var", "--noise-var", "linspace:0.1:1:100000000")
add(
    "experiment linear-networks", "sizes", "--noise-var", "--noise-var", "logspace:1e-4:1:100000000"
)

# ---- devices ------------------------------------------------------------------------------
for dev in ("cuda", "cuda:0", "cuda:7", "mps", "gpu", "", "CPU", "tpu", "cuda:x"):
    add("spectrum", "devices", "device", "--device", dev)
    add("train", "devices", "device", "--device", dev)
    add("experiment linear-networks", "devices", "device", "--device", dev)
    add("experiment images", "devices", "device", "--device", dev)

# ---- grids --------------------------------------------------------------------------------
BAD_GRIDS = [
    "",
    ",",
    "abc",
    "0.1,abc",
    "logspace:1e-4:1",
    "logspace:1e-4:1:0",
    "logspace:1e-4:1:-3",
    "logspace:1e-4:1:2.5",
    "logspace:0:1:5",
    "logspace:-1:1:5",
    "logspace:a:1:5",
    "linspace:0:1:x",
    "logspace:1e-4:1:5:6",
    "logspace:1e-4:inf:5",
    "nan",
    "inf",
    "0.1,nan",
    "10^abc",
    "10^400",
]
for g in BAD_GRIDS:
    add("spectrum", "grids", "noise", "--noise-var", g)
    add("theory spectrum", "grids", "--noise-var", "--noise-var", g)
for g in ("0", "-0.1", "0.1,-2", "linspace:0:1:3"):
    add("spectrum", "grids", "noise_var", "--noise-var", g)
    add("theory spectrum", "grids", "--noise-var", "--noise-var", g)
    add("theory critical-noise", "grids", "--noise-var", "--noise-var", g)
    add("phase-diagram", "grids", "--noise-var", "--noise-var", g)
    add("experiment linear-networks", "grids", "noise_var", "--noise-var", g)
    add("theory critical-noise", "grids", "--stds", "--stds", g)
    if g != "linspace:0:1:3":  # 0, 0.5, 1: zero eigenvalues are manifold data (accepted)
        add("theory collapse-time", "grids", "--eigvals", "--eigvals", g, "--load", "0.1")
for g in ("", "abc", "logspace:1e-4:1:0", "nan"):
    add("theory critical-noise", "grids", "--noise-var", "--noise-var", g)
    add("phase-diagram", "grids", "--noise-var", "--noise-var", g)
    add("experiment linear-networks", "grids", "--noise-var", "--noise-var", g)
    add("theory critical-noise", "grids", "--stds", "--stds", g)
for g in ("1e200", "1e-200", "0", "-1", "abc", "1e200,0.1"):
    add("spectrum", "grids", "--sigma", "!--noise-var", "--sigma", g)
add("experiment images", "grids", "noise_var", "--noise-var", "-1")
add("experiment images", "grids", "noise_var", "--noise-var", "nan")

# ---- files --------------------------------------------------------------------------------
BAD_ARRAYS = [
    "nan.npy",
    "inf.npy",
    "empty.npy",
    "trunc.npy",
    "header_only.npy",
    "text.npy",
    "obj.npy",
    "three_d.npy",
    "one_d.npy",
    "scalar.npy",
    "no_rows.npy",
    "no_cols.npy",
    "strings.npy",
    "complex.npy",
    "two.npz",
    "nan.npz",
    "garbage.npz",
    "data.txt",
    "folder.npy",
    "missing.npy",
]
for f in BAD_ARRAYS:
    add("spectrum", "files", "data", "--data", "{in}/" + f)
    add("spectrum", "files", "points", "--points", "{in}/" + f, "--data", "{in}/good.npy")
add("spectrum", "files", "points", "--points", "{in}/wrong_d.npy", "--data", "{in}/good.npy")
add("spectrum", "files", "--out", "--out", "{in}/folder.npy")
add("theory critical-noise", "files", "{in}", "--out", "{in}/a_file.txt/c.json")
add("theory spectrum", "files", "{in}", "--out", "{in}/a_file.txt/x.json")
add(
    "theory collapse-time",
    "files",
    "{in}",
    "--eigvals",
    "1",
    "--load",
    "0.1",
    "--out",
    "{in}/a_file.txt/x.json",
)
add("phase-diagram", "files", "out", "--out", "{in}/a_file.txt")
add("train", "files", "out", "--out", "{in}/a_file.txt")
add("experiment linear-networks", "files", "--out", "--out", "{in}/a_file.txt")
add("experiment images", "files", "--out", "--out", "{in}/a_file.txt")
add("demo", "files", "--out", "--out", "{in}/a_file.txt")
add("experiment images", "files", "root", "--dataset", "mnist", "--root", "{in}/nowhere")
add("experiment images", "files", "root", "--dataset", "mnist", "--root", "{in}/not_a_run")
add("report", "files", "{in}/nowhere", "{in}/nowhere")
add("report", "files", "{in}/a_file.txt", "{in}/a_file.txt")
add("report", "files", "store_empty", "{in}/store_empty")

# ---- configs: JSON/TOML configs, run directories, checkpoints, stores ---------------------
for run in (
    "run_no_ckpt",
    "run_bad_json",
    "run_list_json",
    "run_empty_json",
    "run_other_data",
    "not_a_run",
    "nowhere",
    "a_file.txt",
):
    add("spectrum", "configs", "model", "--model", "{in}/" + run)
for run in (
    "run_nan",
    "run_mismatch",
    "run_trunc",
    "run_empty_ckpt",
    "run_text_ckpt",
    "run_foreign",
    "run_missing_tensor",
    "run_bad_shape",
):  # named by their file
    add("spectrum", "configs", "checkpoint", "--model", "{in}/" + run)
for run, param in [
    ("run_nan", "checkpoint"),
    ("run_trunc", "checkpoint"),
    ("run_empty_ckpt", "checkpoint"),
    ("run_text_ckpt", "checkpoint"),
    ("run_foreign", "checkpoint"),
    ("run_bad_json", "out"),
    ("run_list_json", "out"),
    ("run_empty_json", "out"),
    ("run_other_data", "out"),
    ("run_missing_tensor", "checkpoint"),
    ("run_bad_shape", "checkpoint"),
]:
    add("train", "configs", param, "--out", "{in}/" + run, "--steps", "8000")
add("train", "configs", "out", "--out", "{in}/run_ok", "--steps", "5")
add("spectrum", "configs", "model", "--model", "{in}/run_ok", "--n-train", "999")
for spec, param in [
    ("spec_syntax.toml", "spec_syntax.toml"),
    ("spec_empty.toml", "spec_empty.toml"),
    ("spec_unknown_key.toml", "bsae"),
    ("spec_no_such_exp.toml", "experiment"),
    ("spec_exp_type.toml", "experiment"),
    ("spec_grid_field.toml", "grid.n_trian"),
    ("spec_base_field.toml", "base.noise_vr"),
    ("spec_grid_scalar.toml", "grid.seed"),
    ("spec_grid_empty.toml", "grid.seed"),
    ("spec_bad_value.toml", "n_train"),
    ("spec_bad_type.toml", "n_train"),
    ("spec_neg_noise.toml", "noise_var"),
    ("spec_bad_device.toml", "device"),
    ("spec_syntax.json", "spec_syntax.json"),
    ("spec_list.json", "spec_list.json"),
    ("spec_binary.toml", "spec_binary.toml"),
    ("spec_dir.toml", "spec_dir.toml"),
    ("nowhere.toml", "nowhere.toml"),
]:
    add("sweep", "configs", param, "{in}/" + spec, "--out", "{out}/s", "--executor", "inline")
    if spec in ("spec_syntax.toml", "spec_bad_value.toml", "nowhere.toml"):
        add("sweep", "configs", param, "{in}/" + spec, "--out", "{out}/s", "--dry-run")
for store in ("store_bad_meta", "store_old", "store_no_meta"):
    add("report", "configs", store, "{in}/" + store)
    add(
        "sweep",
        "configs",
        store,
        "{in}/spec_ok.toml",
        "--out",
        "{in}/" + store,
        "--executor",
        "inline",
    )

cases_sampling.rows(add)  # with the ensemble options of train
cases_audit.rows(add)
cases_lid.rows(add)
cases_boundary.rows(add)


def argv(case: Case, inputs: str, out: str) -> list[str]:
    """The command line of ``case`` with its placeholders filled in."""
    base = list(BASE[case.command])
    for a in case.args:
        if a.startswith("!"):
            i = base.index(a[1:])
            del base[i : i + 2]
    args = base + [a for a in case.args if not a.startswith("!")]
    return [a.replace("{in}", inputs).replace("{out}", out) for a in args]
