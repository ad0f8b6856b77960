"""Export the training and held-out images of a `geomem experiment images` run for the audit.

Usage: python docs/results/audit/export_images.py RUN_DIR OUT_DIR [N_HELDOUT]
RUN_DIR is one N of the study (e.g. runs/images-digits/N64, holding config.json); writes
OUT_DIR/train.npy (the N training images, the prefix of the seed's permutation) and
OUT_DIR/heldout.npy (the last N_HELDOUT images of that permutation, in no nested subset).
"""

import json
import sys
from pathlib import Path

import numpy as np

from geomem.experiments.images import ImagesConfig, load_data
from geomem.runs.config import from_dict


def main(run_dir: str, out: str, n_heldout: int = 200) -> None:
    cfg = from_dict(ImagesConfig, json.loads((Path(run_dir) / "config.json").read_text()))
    images, perm = load_data(cfg)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "train.npy", images[perm[: cfg.n_train]])
    np.save(out / "heldout.npy", images[perm[-n_heldout:]])
    print(f"{out}: {cfg.n_train} training and {n_heldout} held-out images {images.shape[1:]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:]))
