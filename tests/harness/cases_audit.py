"""Bad-input rows of ``geomem audit`` (see ``cases.py``), on the committed memorizing fixture.

The model argument is positional and fixed by ``BASE``; bad model folders (not a model, a bare
U-Net without scheduler, pickled weights, latent pipelines) are rows of
``tests/experiments/test_audit.py`` and ``tests/scores/test_diffusers.py``.
"""

from __future__ import annotations

from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "audit"

BASE: dict[str, tuple[str, ...]] = {
    "audit": (
        "audit",
        str(FIXTURE / "tiny-memorizer"),
        "--train",
        str(FIXTURE / "train.npy"),
        "--out",
        "{out}/audit",
        "--n-images",
        "2",
        "--samples",
        "2",
        "--sampler-steps",
        "2",
        "--noise-var",
        "0.01",
    ),
}

FILES = (
    *("good.npy", "nan.npy", "inf.npy", "empty.npy", "trunc.npy", "text.npy", "obj.npy"),
    *("no_rows.npy", "strings.npy", "complex.npy", "wrong_d.npy", "two.npz", "garbage.npz"),
    *("data.txt", "folder.npy", "missing.npy"),
)


def rows(add) -> None:
    """Add the audit's rows through ``cases.add``."""
    for opt in ("--train", "--heldout"):
        for name in FILES:
            add("audit", "files", opt, opt, "{in}/" + name)
    for opt, bad in [
        ("--n-images", "0"), ("--n-images", "-3"), ("--n-images", "x"),
        ("--samples", "-1"), ("--sampler-steps", "0"), ("--probes", "1"),
        ("--lanczos-steps", "0"), ("--route", "fast"), ("--sampler", "euler"),
        ("--threshold", "0"), ("--threshold", "1.5"), ("--copy-rate", "2"),
        ("--alpha", "0"), ("--alpha", "1"), ("--min-drop", "-0.1"), ("--seed", "-1"),
        ("--dtype", "float16"),
    ]:  # fmt: skip
        add("audit", "values" if opt != "--n-images" or bad != "x" else "usage", opt, opt, bad)
    for bad in ("0", "-0.1", "nan", "1e-9", "1e9", "a,b", ""):
        add("audit", "grids", "--noise-var", "--noise-var", bad)
    for bad in ("0", "5000", "-2"):
        add("audit", "grids", "--step", "--step", bad)
    for bad in ("cuda:9", "tpu", "", "cuda:x"):
        add("audit", "devices", "--device", "--device", bad)
    add("audit", "configs", "--scheduler", "--scheduler", "{in}/good.npy")
    add("audit", "files", "--out", "--out", "{in}/good.npy")
