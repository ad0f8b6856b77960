"""Jacobian spectra of scores and the rules that read a dimension off them."""

from geomem.spectra.dimension import (
    RULES,
    ambiguous_directions,
    dimension,
    gap_dimension,
    is_ambiguous,
    spike_dimension,
    subspace_dimension,
    threshold_dimension,
)
from geomem.spectra.flipd import FLIPDEstimate, flipd
from geomem.spectra.jacobian import autodiff_jacobian, jacobian_spectrum, spectrum_of_matrix
from geomem.spectra.slq import SLQEstimate, slq_dimension
from geomem.spectra.spectrum import Spectrum

__all__ = [
    "RULES",
    "FLIPDEstimate",
    "SLQEstimate",
    "Spectrum",
    "ambiguous_directions",
    "autodiff_jacobian",
    "dimension",
    "flipd",
    "gap_dimension",
    "is_ambiguous",
    "jacobian_spectrum",
    "slq_dimension",
    "spectrum_of_matrix",
    "spike_dimension",
    "subspace_dimension",
    "threshold_dimension",
]
