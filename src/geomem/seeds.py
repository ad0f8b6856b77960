"""Named seed streams: the one way geomem turns (seed, purpose, ...) into a generator.

Every random draw in geomem comes from ``rng(seed, STREAM, *words)`` (numpy) or a torch
generator seeded by ``derive_seed(seed, STREAM, *words)``, so two purposes never share a
stream and a run is a function of its seed alone. The stream numbers are part of the result
format: changing one changes every committed number that uses it.
"""

from __future__ import annotations

import numpy as np

TRAIN = 0  # the training draw of a preset: preset.sample(N, rng(seed, TRAIN))
QUERIES = 1  # query points (and the held-out choice of an audit)
POPULATION = 2  # the population reference sample, and training points chosen for queries
INIT = 3  # network initialisation (torch generator)
STEP = 4  # per-step minibatch indices, noise and noise levels (torch generator), + step
SAMPLER = 5  # reverse-time sampler noise (torch generator); images: Jacobian probes
LEVEL_PROBES = 7  # audit: probes of the dimension at image group g, noise level i
FLIPD_PROBES = 8  # audit: FLIPD's Hutchinson probes at image group g
DENOISE = 9  # audit: the noise of the model-sanity denoising check
LID_PROBES = 10  # geomem lid: SLQ and Hutchinson probes
SPECTRUM_PROBES = 11  # `geomem spectrum --method probe`: orthogonal probes, levels in order
THEORY = 12  # the order-statistics theory's Monte Carlo draws (+ 1: phase-diagram bootstrap)
PAPER_FIGURE = 13  # `geomem experiment paper-figure`: query points and probes, per panel
PAPER_NETWORK = 15  # `geomem experiment paper-network`: the fresh point (0), its probes (1)


def rng(seed: int, stream: int, *words: int) -> np.random.Generator:
    """``numpy.random.default_rng([seed, stream, *words])``: the generator of one purpose.

    Parameters
    ----------
    seed : int
        The run's seed.
    stream : int
        One of the named streams of this module.
    *words : int
        Further integers that pick a sub-stream (an image group, a noise level, ...).
    """
    return np.random.default_rng([int(seed), int(stream), *map(int, words)])


def derive_seed(*words: int) -> int:
    """A 63-bit integer seed from a list of words through NumPy's SeedSequence: the one way
    geomem turns (seed, purpose, step, ...) into a torch generator seed."""
    return int(np.random.SeedSequence(list(words)).generate_state(1, dtype=np.uint64)[0] >> 1)


def cell_rng(seed: int, n_train: int, stream: int) -> np.random.Generator:
    """``default_rng([seed, n_train, stream])``: a phase-diagram cell's generators, keyed by N
    too, so the draws of two N of one seed are independent (the committed phase diagrams'
    scheme)."""
    return np.random.default_rng([int(seed), int(n_train), int(stream)])
