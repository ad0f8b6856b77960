"""Static HTML pages that show figures with captions and small tables (no scripts, relative
links, so they open from the file system)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from geomem import io

_STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}
figcaption{color:#444;font-size:.95em;margin-top:.4em}table{border-collapse:collapse;
font-size:.9em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3}code{background:#f3f3f3;padding:0 .2em}"""


def table_html(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """An HTML table; floats shown with 4 significant digits."""

    def cell(x):
        return f"{x:.4g}" if isinstance(x, float) else html.escape(str(x))

    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(x)}</td>" for x in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_page(
    path: str | Path,
    title: str,
    intro: str,
    figures: Sequence[tuple[str, str]] = (),
    tables: Sequence[tuple[str, str]] = (),
) -> None:
    """Write an HTML page: ``figures`` are (relative image path, caption), ``tables`` are
    (heading, table HTML from ``table_html``)."""
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p>{intro}</p>",
    ]
    for src, caption in figures:
        parts.append(
            f"<figure><img src='{html.escape(src)}' alt='{html.escape(caption[:80])}'>"
            f"<figcaption>{caption}</figcaption></figure>"
        )
    for heading, table in tables:
        parts.append(f"<h2>{html.escape(heading)}</h2>{table}")
    parts.append("</body></html>\n")
    with io.atomic_path(path) as tmp:
        tmp.write_text("\n".join(parts))
