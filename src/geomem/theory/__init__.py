"""Theory beside measurement (docs/science.md §6), NumPy/SciPy only (never torch).

population  population normalised spectra of linear manifolds, intermediate gaps
rem         the per-direction REM heuristic of Achilli et al. (as their code computes it)
collapse    Biroli et al.'s collapse and speciation times
predict     predicted normalised spectra and kept dimension per block, in the layouts of the
            measurement side (``geomem spectrum`` JSON, phase diagrams, demo curves)
orderstat   own point + order statistics: expected kept count per block of the exact score
"""

from geomem.theory.collapse import (
    collapse_noise_var,
    collapse_time,
    collapse_time_isotropic,
    excess_entropy,
    speciation_time,
)
from geomem.theory.population import (
    gap_peak_noise_var,
    intermediate_gap,
    population_block_spectrum,
    population_spectrum,
)
from geomem.theory.predict import predicted_spectra, theory_curves
from geomem.theory.rem import (
    critical_n,
    critical_noise_var,
    kept_dimension,
    rem_singular_values,
)

__all__ = [
    "collapse_noise_var",
    "collapse_time",
    "collapse_time_isotropic",
    "critical_n",
    "critical_noise_var",
    "excess_entropy",
    "gap_peak_noise_var",
    "intermediate_gap",
    "kept_dimension",
    "population_block_spectrum",
    "population_spectrum",
    "predicted_spectra",
    "rem_singular_values",
    "speciation_time",
    "theory_curves",
]
