"""Every experiment the sweep engine can run, by name: one explicit dict, one line each."""

from __future__ import annotations

from geomem import _validate
from geomem.experiments.block_order.study import BLOCK_ORDER
from geomem.experiments.copies import COPIES
from geomem.experiments.images import IMAGES
from geomem.experiments.linear_networks import LINEAR_NETWORK
from geomem.experiments.paper_figure import PAPER_FIGURE
from geomem.experiments.phase.cell import PHASE_CELL
from geomem.experiments.phase.diagram import PHASE
from geomem.experiments.spectrum import run as spectrum_run
from geomem.experiments.spectrum.config import SpectrumConfig, check_inputs
from geomem.experiments.training_time.study import TRAINING_TIME
from geomem.runs.base import Experiment

EXPERIMENTS: dict[str, Experiment] = {
    "spectrum": Experiment(
        "spectrum",
        SpectrumConfig,
        spectrum_run.run,
        "Jacobian spectra of an exact score over noise levels",
        check=check_inputs,
    ),
    "phase-cell": PHASE_CELL,
    "phase-diagram": PHASE,
    "linear-network": LINEAR_NETWORK,
    "images": IMAGES,
    "copies": COPIES,
    "training-time": TRAINING_TIME,
    "paper-figure": PAPER_FIGURE,
    "block-order": BLOCK_ORDER,
}


def get_experiment(name: str) -> Experiment:
    """The experiment called ``name``; an unknown name fails with one line listing the known."""
    if name not in EXPERIMENTS:
        _validate.fail("experiment", f"one of {sorted(EXPERIMENTS)}", name)
    return EXPERIMENTS[name]
