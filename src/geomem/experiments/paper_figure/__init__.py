"""`geomem experiment paper-figure`: the paper's synthetic figure (theory, exact empirical
score, trained network) by the authors' protocol, beside the same panels read at training
points plus matched noise (docs/science.md §7), and the origin panel's N-independence measured.
"""

from geomem.experiments.paper_figure.config import PaperFigureConfig, resolve_model
from geomem.experiments.paper_figure.run import PAPER_FIGURE, run_paper_figure

__all__ = ["PAPER_FIGURE", "PaperFigureConfig", "resolve_model", "run_paper_figure"]
