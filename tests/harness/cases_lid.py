"""Bad-input rows of ``geomem lid`` (see ``cases.py``): the exact score of ``{in}/good.npy``
(20 points in d = 4) at its own points."""

from __future__ import annotations

from tests.harness import cases_owndata

BASE: dict[str, tuple[str, ...]] = {
    "lid": (
        "lid",
        "--data",
        "{in}/good.npy",
        "--points",
        "{in}/good.npy",
        "--noise-var",
        "0.1",
        "--out",
        "{out}/lid.csv",
    ),
    **cases_owndata.BASE,  # training on your own data, registered here
}

FILES = (
    *("nan.npy", "inf.npy", "empty.npy", "trunc.npy", "text.npy", "obj.npy", "no_rows.npy"),
    *("strings.npy", "complex.npy", "two.npz", "garbage.npz", "data.txt", "folder.npy"),
    *("missing.npy", "three_d.npy", "one_d.npy"),
)


def rows(add) -> None:
    """Add the lid command's rows (and ``cases_owndata``'s) through ``cases.add``."""
    cases_owndata.rows(add, FILES)
    for opt in ("--data", "--points"):
        for name in FILES:
            add("lid", "files", opt, opt, "{in}/" + name)
    add("lid", "files", "--points", "--points", "{in}/wrong_d.npy")
    add("lid", "files", "--out", "--out", "{in}/good.npy")
    add("lid", "files", "--out", "--out", "{in}/a_file.txt/x.csv")
    add("lid", "configs", "--model", "--model", "{in}/missing_run")
    add("lid", "configs", "--model", "--model", "{in}")
    for opt, bad in [
        ("--threshold", "0"), ("--threshold", "1.5"), ("--route", "fast"),
        ("--dtype", "float16"), ("--schedule", "cosine"),
    ]:  # fmt: skip
        add("lid", "values", opt, opt, bad)
    add("lid", "values", "--data", "!--data")
    add("lid", "usage", "--threshold", "--threshold", "x")
    for bad in ("0", "-0.1", "nan", "a,b", ""):
        add("lid", "grids", "--noise-var", "--noise-var", bad)
    for bad in ("cuda:9", "tpu", "", "cuda:x"):
        add("lid", "devices", "--device", "--device", bad)
