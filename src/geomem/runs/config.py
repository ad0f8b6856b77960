"""Frozen-dataclass configs as data: dicts, TOML/JSON files and a stable identity hash.

A config class validates itself in ``__post_init__``; this module only moves configs in and out
of plain data. TOML has no null, so fields set to ``None`` are listed under the reserved key
``__null__`` (``__null__ = ["preset"]``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import geomem
from geomem import _validate, io

NULL_KEY = "__null__"


def to_dict(config: Any) -> dict:
    """The config's fields as JSON-ready plain data (tuples become lists).

    Fields a class names in ``LATER_FIELDS`` (added after results were written) are left
    out while at their default, so a config's data, and so its hash, is what it was before.
    """
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        _validate.fail("config", "a dataclass instance", config, TypeError)
    later = getattr(type(config), "LATER_FIELDS", ())
    return {
        f.name: _plain(getattr(config, f.name))
        for f in dataclasses.fields(config)
        if not (f.name in later and getattr(config, f.name) == f.default)
    }


def from_dict(cls: type, data: dict) -> Any:
    """Build ``cls(**data)``; unknown fields fail with one line naming the field.

    Lists become tuples (configs are frozen and hashable); names in ``data["__null__"]``
    are set to ``None``.
    """
    if not isinstance(data, dict):
        _validate.fail(cls.__name__, "a table of config fields", data, TypeError)
    data = dict(data)
    for name in data.pop(NULL_KEY, []):
        data[name] = None
    check_fields(cls, data)
    return cls(**{k: _frozen(v) for k, v in data.items()})


def check_fields(cls: type, names, where: str | None = None) -> None:
    """Fail with one line if any of ``names`` is not a field of ``cls``."""
    known = [f.name for f in dataclasses.fields(cls)]
    for name in names:
        if name not in known:
            _validate.fail(
                f"{where or cls.__name__}.{name}",
                f"a field of {cls.__name__} ({', '.join(known)})",
                name,
            )


def config_hash(config: Any) -> str:
    """Stable sha256 (hex) of the canonical JSON of the resolved config and geomem's version."""
    payload = {
        "class": type(config).__name__,
        "config": to_dict(config),
        "geomem": geomem.__version__,
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no whitespace: equal data gives equal text in any process."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def save_config(config: Any, path: str | Path) -> None:
    """Write ``config`` to ``path`` as TOML (``.toml``) or JSON (anything else), atomically."""
    path = Path(path)
    if path.suffix == ".toml":
        with io.atomic_path(path) as tmp:
            tmp.write_text(dumps_toml(to_dict(config)))
    else:
        io.write_json(path, to_dict(config))


def load_config(cls: type, path: str | Path) -> Any:
    """Read a config of class ``cls`` from a ``.toml`` or ``.json`` file."""
    return from_dict(cls, read_table(path))


def read_table(path: str | Path) -> dict:
    """Parse a TOML or JSON file into a dict; a malformed file fails with one line."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is legitimate UTF-8
    try:
        return tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        _validate.fail(str(path), "a valid TOML/JSON file", str(exc))


def dumps_toml(table: dict) -> str:
    """TOML text of a table of fields (``None`` values go to ``__null__``)."""
    nulls = [k for k, v in table.items() if v is None]
    table = {k: v for k, v in table.items() if v is not None}
    if nulls:
        table[NULL_KEY] = nulls
    try:
        import tomli_w
    except ImportError:
        return _mini_toml(table)
    return tomli_w.dumps(table)


def _mini_toml(table: dict, prefix: str = "") -> str:
    scalars = [f"{_key(k)} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    lines = ([f"[{prefix}]"] if prefix and scalars else []) + scalars
    for k, v in table.items():
        if isinstance(v, dict):
            lines.append(_mini_toml(v, f"{prefix}.{_key(k)}" if prefix else _key(k)))
    return "\n".join(lines) + "\n"


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float | str):
        return json.dumps(v, allow_nan=False)  # JSON numbers and basic strings are valid TOML
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    _validate.fail("toml value", "a bool, number, string or list of them", v, TypeError)


def _plain(v: Any) -> Any:
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return to_dict(v)
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if hasattr(v, "item") and callable(v.item):  # numpy scalars
        return v.item()
    return v


def _frozen(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(_frozen(x) for x in v)
    return v
