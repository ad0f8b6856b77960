"""Every error the CLI reports, as one line ``geomem: error: <param>: expected <what>, got
<value>`` on stderr and exit code 2: the library's boundary errors and the CLI framework's
own usage errors (bad types, unknown options, missing arguments, unknown commands)."""

from __future__ import annotations

import re

from typer._click import exceptions as cx  # typer's own copy of click's exceptions

from geomem._validate import _show

PREFIX = "geomem: error: "
_NOT_VALID = re.compile(r"^'?(?P<got>.*?)'? is not (?:a valid |one of )(?P<what>.+?)\.?$", re.S)


def _param_name(param, fallback: str) -> str:
    if param is None:
        return fallback
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    if opts:
        return max(opts, key=len)
    name = getattr(param, "human_readable_name", None) or getattr(param, "name", None)
    return str(name or fallback).upper()


def _commands(ctx) -> list[str]:
    cmd = getattr(ctx, "command", None)
    if hasattr(cmd, "list_commands"):
        return sorted(cmd.list_commands(ctx))
    return []


def _given(argv: list[str] | None, name: str) -> str | None:
    # the value the user typed for option ``name`` (click's message does not carry it)
    args = list(argv or [])
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a[len(name) + 1 :]
    return None


def usage_line(exc: cx.UsageError, argv: list[str] | None = None) -> str:
    """One line ``<param>: expected <what>, got <value>`` for a click usage error."""
    msg = " ".join(exc.format_message().split())
    if isinstance(exc, cx.NoSuchOption):
        known = ", ".join(sorted(exc.possibilities or [])) or "see --help"
        return f"{exc.option_name}: expected a known option ({known}), got {exc.option_name!r}"
    if isinstance(exc, cx.MissingParameter):
        name = _param_name(exc.param, exc.param_hint or "argument")
        return f"{name}: expected a value (it is required), got nothing"
    if isinstance(exc, cx.BadOptionUsage):
        if "does not take a value" in msg:
            given = next(
                (a.split("=", 1)[1] for a in argv or [] if a.startswith(exc.option_name + "=")), ""
            )
            return f"{exc.option_name}: expected no value (it is a flag), got {given!r}"
        return f"{exc.option_name}: expected a value after it, got nothing"
    if isinstance(exc, cx.BadParameter):
        name = _param_name(exc.param, str(exc.param_hint or "parameter"))
        raw = " ".join(str(exc.message).split())
        m = _NOT_VALID.match(raw)
        if m:
            return f"{name}: expected a valid {m['what']}, got {_show(m['got'])}"
        m = re.match(r"^Input should be (?P<what>[^,]+)", raw)
        what = m["what"] if m else "a valid value"
        given = _given(argv, name)
        return f"{name}: expected {what}, got {_show(given if given is not None else raw)}"
    m = re.match(r"No such command '(.*)'", msg)
    if m:
        cmds = ", ".join(_commands(exc.ctx)) or "see --help"
        return f"command: expected one of {cmds}, got {m[1]!r}"
    m = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", msg)
    if m:
        return f"arguments: expected no extra arguments, got {m[1]!r}"
    return f"arguments: expected a valid command line (see --help), got {_show(msg)}"


def command_flags(cmd, argv: list[str]) -> dict[str, str]:
    """{library parameter name: the flag or argument that sets it} for the command ``argv``
    names in the click command tree ``cmd``: option ``noise_var`` -> ``--noise-var``,
    argument ``model`` -> ``MODEL``."""
    for word in argv:
        sub = getattr(cmd, "commands", {}).get(word)
        if sub is None:
            break
        cmd = sub
    out = {}
    for param in getattr(cmd, "params", []):
        longs = [o for o in getattr(param, "opts", []) if o.startswith("--")]
        out[param.name] = max(longs, key=len) if longs else param.name.upper()
    return out


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` reports bad input: an OSError/MemoryError/OverflowError (the machine or
    the request), or a ValueError/TypeError carrying the house ``<param>: expected`` message
    (one from deeper in numpy/torch without it is a bug, reported as an internal error)."""
    if isinstance(exc, OSError | MemoryError | OverflowError):
        return True
    return ": expected " in str(exc)


def error_line(exc: BaseException, flags: dict[str, str] | None = None) -> str:
    """The one-line report of a boundary error (its message, newlines folded); a library
    parameter name at its head is shown as the command's flag (``flags``)."""
    text = " ".join(str(exc).split())
    head, sep, rest = text.partition(": expected ")
    if sep and flags and head in flags:
        text = f"{flags[head]}: expected {rest}"
    if isinstance(exc, OSError) and ": expected " not in text:
        where = exc.filename or "file"
        why = exc.strerror or text
        return f"{where}: expected a writable/readable file system location, got {why!r}"
    if isinstance(exc, OverflowError) and ": expected " not in text:
        return f"input: expected numbers within the float range, got {_show(text)}"
    if isinstance(exc, MemoryError) and ": expected " not in text:
        return f"memory: expected a request that fits in memory, got {_show(text or 'MemoryError')}"
    if ": expected " not in text:
        return f"input: expected a valid value, got {_show(text or type(exc).__name__)}"
    return text
