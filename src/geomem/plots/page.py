"""The one HTML page writer: static pages of figures with captions, tables and relative links.

No scripts and no absolute paths, so a page opens from the file system and keeps working when
its folder is copied elsewhere. Every geomem page (the demo, a results store, the studies'
reports) is a few calls of this module. Text is escaped here; ``Raw`` marks HTML that the
caller built itself (links, markup in captions).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from geomem import io

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}
figcaption{color:#444;font-size:.95em;margin-top:.4em}table{border-collapse:collapse;
font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3}code{background:#f3f3f3;padding:0 .2em}tr.failed{background:#fdd}
.gallery figure{display:inline-block;margin:6px;text-align:center;vertical-align:top}
.gallery img{max-width:360px}.gallery figcaption{font-size:80%}"""


class Raw(str):
    """HTML the caller built (a link, markup): written as is, never escaped."""


def esc(text: object) -> str:
    """``text`` escaped for HTML text and attribute values (``Raw`` passes through)."""
    return text if isinstance(text, Raw) else html.escape(str(text), quote=True)


def fmt(value: object) -> str:
    """A value for a table cell: floats to 4 significant digits, lists and dicts as short JSON,
    ``None`` as an empty cell."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | dict):
        text = json.dumps(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return "" if value is None else str(value)


def link(href: str, text: object) -> Raw:
    """A relative link ``<a href=...>text</a>``."""
    return Raw(f'<a href="{esc(href)}">{esc(text)}</a>')


def table_html(
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    *,
    row_classes: Sequence[str] | None = None,
) -> str:
    """An HTML table: each cell formatted by ``fmt`` and escaped unless it is ``Raw``;
    ``row_classes`` gives each ``<tr>`` a class (e.g. a run's status)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{esc(row_classes[i])}"' if row_classes is not None else ""
        cells = "".join(f"<td>{_cell(x)}</td>" for x in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body) + "\n</tbody></table>"
    )


def _cell(x: object) -> str:
    return x if isinstance(x, Raw) else esc(fmt(x))


def figure_html(src: str, caption: str, *, href: str | None = None, alt: str | None = None) -> str:
    """A figure: the image at relative path ``src`` (a link to ``href`` when given) and its
    caption, which is HTML (escape user text with ``esc`` first)."""
    img = f'<img src="{esc(src)}" alt="{esc(alt if alt is not None else caption[:80])}">'
    if href is not None:
        img = f'<a href="{esc(href)}">{img}</a>'
    return f"<figure>{img}<figcaption>{caption}</figcaption></figure>"


def gallery_html(figures: Sequence[str]) -> str:
    """Figures (from ``figure_html``) side by side; empty when there are none."""
    return '<div class="gallery">\n' + "\n".join(figures) + "\n</div>" if figures else ""


def page_html(title: str, parts: Sequence[str]) -> str:
    """A whole page: ``<h1>title</h1>`` then the HTML ``parts`` in order."""
    head = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}'
        f"</title><style>{STYLE}</style></head><body>"
    )
    return "\n".join([head, f"<h1>{esc(title)}</h1>", *parts, "</body></html>\n"])


def write_html(path: str | Path, text: str) -> Path:
    """Write a page atomically; returns its path."""
    with io.atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_page(
    path: str | Path,
    title: str,
    intro: str,
    figures: Sequence[tuple[str, str]] = (),
    tables: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write a page of an intro paragraph (HTML), ``figures`` as (relative image path, caption
    HTML) and ``tables`` as (heading, table HTML from ``table_html``)."""
    parts = [f"<p>{intro}</p>"]
    parts += [figure_html(src, caption) for src, caption in figures]
    parts += [f"<h2>{esc(heading)}</h2>{table}" for heading, table in tables]
    return write_html(path, page_html(title, parts))
