"""One way to write a figure: a PNG written atomically, then the figure closed."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from geomem import io


def save_png(fig, path: str | Path, *, dpi: int = 110, tight: bool = False) -> None:
    """Write ``fig`` to ``path`` as a PNG through ``geomem.io.atomic_path`` and close it;
    ``tight`` crops to the drawn content (``bbox_inches="tight"``)."""
    with io.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png", bbox_inches="tight" if tight else None)
    plt.close(fig)
