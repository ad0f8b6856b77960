"""geomem: geometric memorization in diffusion models.

Data -> score -> Jacobian spectrum -> dimension -> report, with theory beside it.
"""

from geomem.schedules import DDPM, EDM, VE, VP, Schedule, get_schedule

__version__ = "0.1.0"

__all__ = ["DDPM", "EDM", "VE", "VP", "Schedule", "__version__", "get_schedule"]
