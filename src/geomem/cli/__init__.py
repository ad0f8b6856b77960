"""The `geomem` command line: thin wrappers, parse -> config -> one library call.

Commands are registered explicitly below (no import-time registries).
"""

from __future__ import annotations

import functools
import sys

import typer
import typer.main
from typer._click import exceptions as cx
from typer.exceptions import Abort

from geomem.cli import audit as _audit
from geomem.cli import copies as _copies
from geomem.cli import crash
from geomem.cli import demo as _demo
from geomem.cli import experiment as _experiment
from geomem.cli import lid as _lid
from geomem.cli import phase as _phase
from geomem.cli import sample as _sample
from geomem.cli import spectrum as _spectrum
from geomem.cli import sweep as _sweep
from geomem.cli import theory as _theory
from geomem.cli import train as _train
from geomem.cli.errors import PREFIX, command_flags, error_line, is_user_error, usage_line

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Geometric memorization in diffusion models: Jacobian spectra vs theory.",
)
app.command("spectrum")(_spectrum.spectrum)
app.command("demo")(_demo.demo)
app.add_typer(_theory.app, name="theory")
app.command("phase-diagram")(_phase.phase_diagram)
app.command("train")(_train.train)
app.add_typer(_experiment.app, name="experiment")
app.command("sweep")(_sweep.sweep)
app.command("report")(_sweep.report)
app.command("sample")(_sample.sample)
app.command("copies")(_copies.copies)
app.command("audit")(_audit.audit)
app.command("lid")(_lid.lid)

USER_ERRORS = (ValueError, TypeError, OSError, MemoryError, OverflowError)


@functools.cache
def command():
    """The click command tree of ``app``, built once per process (typer rebuilds it from the
    signatures on every ``app(...)`` call, ~15 ms; the tree is stateless between calls)."""
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit code 2, no traceback.

    Always ends with ``SystemExit``: 0 on success, 2 on bad input, 1 on a bug (one line
    ``geomem: internal error: ...``, the traceback in a log file, see ``geomem.cli.crash``) or
    when ``geomem sweep`` finished with failed runs, 130 on Ctrl-C (``geomem: interrupted``).
    A ValueError/TypeError is a user error only when it has the house message
    ``<param>: expected ...``; any other is a bug.
    """
    args = argv if argv is not None else sys.argv[1:]
    try:
        code = command().main(args=argv, standalone_mode=False, prog_name="geomem")
    except cx.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(2)
    except cx.UsageError as exc:
        typer.echo(PREFIX + usage_line(exc, argv if argv is not None else sys.argv[1:]), err=True)
        sys.exit(2)
    except (KeyboardInterrupt, Abort):
        sys.exit(crash.interrupted())
    except USER_ERRORS as exc:
        if not is_user_error(exc):
            sys.exit(crash.internal_error(exc, args))
        typer.echo(PREFIX + error_line(exc, command_flags(command(), args)), err=True)
        sys.exit(2)
    except Exception as exc:  # a bug: one line, the traceback in a log file
        sys.exit(crash.internal_error(exc, args))
    if code == crash.EXIT_INTERRUPTED:  # typer turns a KeyboardInterrupt into Exit(130)
        sys.exit(crash.interrupted())
    sys.exit(code if isinstance(code, int) else 0)
