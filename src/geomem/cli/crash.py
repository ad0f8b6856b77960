"""What the CLI does with an exception that is not a user error: a bug or Ctrl-C.

A bug prints one line ``geomem: internal error: <Type>: <msg> (please report; traceback in
<log>)`` on stderr and exits 1; the traceback goes to a log file, never to stderr unless
``GEOMEM_DEBUG=1``. The log folder is ``$GEOMEM_LOG_DIR``, else ``$XDG_STATE_HOME/geomem``,
else ``~/.local/state/geomem``, falling back to the system temp folder when that cannot be
written. Ctrl-C prints ``geomem: interrupted`` and exits 130 (128 + SIGINT).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

INTERRUPTED = "geomem: interrupted"
EXIT_BUG = 1
EXIT_INTERRUPTED = 130


def log_dir() -> Path:
    """The folder internal-error logs go to (see the module docstring)."""
    if os.environ.get("GEOMEM_LOG_DIR"):
        return Path(os.environ["GEOMEM_LOG_DIR"])
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(state) / "geomem"


def _write_log(text: str) -> Path | None:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name = f"internal-error-{stamp}-{os.getpid()}.log"
    for folder in (log_dir(), Path(tempfile.gettempdir()) / "geomem"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text)
            return path
        except OSError:
            continue
    return None


def internal_error(exc: BaseException, argv: list[str]) -> int:
    """Report a bug in one stderr line, the traceback in a log file; returns exit code 1."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    path = _write_log(f"geomem {' '.join(argv)}\n\n{tb}")
    msg = " ".join(str(exc).split())[:200]
    where = f"traceback in {path}" if path else "traceback could not be written"
    print(
        f"geomem: internal error: {type(exc).__name__}: {msg} (please report; {where})",
        file=sys.stderr,
    )
    if os.environ.get("GEOMEM_DEBUG") == "1":
        print(tb, file=sys.stderr, end="")
    return EXIT_BUG


def interrupted() -> int:
    """Report Ctrl-C in one stderr line; returns exit code 130."""
    print(INTERRUPTED, file=sys.stderr)
    return EXIT_INTERRUPTED
