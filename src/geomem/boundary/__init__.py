"""The input boundary shared by every command and the library: one module per kind of input.

Every check raises through ``geomem._validate.fail`` with the one message shape
``<param>: expected <what>, got <value>`` (a ValueError/TypeError/OSError/MemoryError that the
CLI prints as one line, exit code 2):

- ``sizes``: memory a request needs, estimated before anything is allocated;
- ``devices``: ``--device`` against what this torch build and machine offer;
- ``grids``: noise grids (``logspace:``/``linspace:``/lists), counts, bounds, sigma^2 overflow;
- ``files``: ``.npy``/``.npz`` (never pickled), JSON configs, run directories, checkpoints;
- the CLI framework's own usage errors become the same one line in ``geomem.cli.errors``.
"""

from geomem.boundary.devices import check_device
from geomem.boundary.files import read_array, read_json, refuse_other
from geomem.boundary.grids import parse_grid, sigma_to_var
from geomem.boundary.sizes import available_memory, check_fits

__all__ = [
    "available_memory",
    "check_device",
    "check_fits",
    "parse_grid",
    "read_array",
    "read_json",
    "refuse_other",
    "sigma_to_var",
]
