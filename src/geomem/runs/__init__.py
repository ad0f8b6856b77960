"""The run engine every study shares: frozen configs <-> data and their identity hash
(``config``), the ``Experiment`` contract (``base``), the results store (``store``), sweeps
(``sweep``), executors (inline / processes / Dask) and the worker that runs one config
(``executors``, ``worker``), checkpoints and run directories (``checkpoint``) and the store's
HTML page (``report``).

The engine imports no study: callers hand it ``Experiment`` objects (the CLI takes them from
``geomem.experiments.registry``).
"""
