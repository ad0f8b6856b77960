"""geomem: geometric memorization in diffusion models.

Data -> score -> Jacobian spectrum -> dimension -> report, with theory beside it. The names
below are the library's front door (``help(geomem.measure)`` and so on); each is imported when
first used, so ``import geomem`` itself is cheap.

Measure the dimension a model keeps at some images::

    import geomem
    model = geomem.load_model("path/to/diffusers-pipeline")       # or a geomem run directory
    result = geomem.measure(model.score, images, noise_var=[1e-3, 1e-2])   # images (B, d)
    result.dimension("threshold")                                  # (L, B)

and of the exact score of a training set X (N, d)::

    score = geomem.EmpiricalScore(X, geomem.VE())
    geomem.measure(score, X[:16], 1e-2).dimension()

Groups: schedules (``VE``, ``VP``, ``DDPM``, ``EDM``, ``get_schedule``); data (``preset``,
``LinearManifold``, ``training_data``); scores (``EmpiricalScore``, ``GaussianScore``,
``NetworkScore``, ``CallableScore``, ``DiffusersScore``, ``population_score``,
``score_source``, ``load_model``, ``model_images``); spectra (``jacobian_spectrum``,
``measure``, ``Measurement``, ``Spectrum``, the rules ``threshold_dimension``,
``gap_dimension``, ``spike_dimension``, ``subspace_dimension``, ``dimension``,
``ambiguous_directions``, ``is_ambiguous``, ``flipd``, ``slq_dimension``, ``lid``: a per-point,
per-noise-level table, ``LIDEstimator``: its fit / transform wrapper); sampling (``sample``,
``SamplerConfig``); copies (``copy_table``); theory (``population_spectrum``,
``kept_dimension``, ``critical_noise_var``, ``critical_n``, ``rem_singular_values``,
``predicted_spectra``, ``theory_curves``, ``collapse_time``, ``speciation_time``).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_WHERE = {
    "geomem.schedules": ("DDPM", "EDM", "VE", "VP", "Schedule", "get_schedule"),
    "geomem.data": ("LinearManifold", "preset"),
    "geomem.data.training": ("training_data",),
    "geomem.scores": ("CallableScore", "EmpiricalScore", "GaussianScore", "population_score"),
    "geomem.scores.network": ("NetworkScore",),
    "geomem.scores.diffusers": ("DiffusersScore",),
    "geomem.scores.sources": ("score_source",),
    "geomem.loading": ("Model", "load_model", "model_images"),
    "geomem.spectra": (
        "Spectrum",
        "ambiguous_directions",
        "dimension",
        "flipd",
        "gap_dimension",
        "is_ambiguous",
        "jacobian_spectrum",
        "slq_dimension",
        "spike_dimension",
        "subspace_dimension",
        "threshold_dimension",
    ),
    "geomem.spectra.measure": ("Measurement", "choose_route", "measure"),
    "geomem.spectra.lid": ("lid",),
    "geomem.spectra.estimator": ("LIDEstimator",),
    "geomem.sampling": ("SamplerConfig", "sample"),
    "geomem.memorization": ("copy_table",),
    "geomem.theory": (
        "collapse_time",
        "critical_n",
        "critical_noise_var",
        "kept_dimension",
        "population_spectrum",
        "predicted_spectra",
        "rem_singular_values",
        "speciation_time",
        "theory_curves",
    ),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = ["__version__", *sorted(_MODULE_OF)]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'geomem' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # import once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
