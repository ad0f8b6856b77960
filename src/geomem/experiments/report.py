"""One static HTML page for a results store: summary tables and every figure the runs made.

The page uses relative links only (``runs/<id>/<name>.png``), so it works from the file system
and keeps working when the store directory is copied elsewhere.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from geomem import io
from geomem.experiments import store
from geomem.experiments.sweep import grid_fields

STYLE = """body{font-family:sans-serif;margin:2em;max-width:80em}
table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px}
tr.failed{background:#fdd}figure{display:inline-block;margin:6px;text-align:center}
img{max-width:360px;border:1px solid #eee}figcaption{font-size:80%}"""


def write_report(root: str | Path, out: str | Path | None = None) -> Path:
    """Write ``root/report.html`` (or ``out``, which must lie in ``root``); return its path."""
    root = Path(root)
    store.check_store(root)
    if not (root / store.RESULTS).exists():
        raise ValueError(f"{root}: expected a results store with {store.RESULTS}, got none")
    rows = sorted(store.read_rows(root), key=lambda r: (r.get("experiment", ""), r["run_id"]))
    out = Path(out) if out is not None else root / "report.html"
    with io.atomic_path(out) as tmp:
        tmp.write_text(render(root, rows))
    return out


def render(root: Path, rows: list[dict]) -> str:
    """The HTML text of the report for ``rows`` of the store at ``root``."""
    parts = [
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>geomem report: {_e(root.name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>geomem results: {_e(root.name)}</h1>",
        _counts(rows),
    ]
    for exp in sorted({r.get("experiment", "") for r in rows}):
        sub = [r for r in rows if r.get("experiment", "") == exp]
        axes = grid_fields(sub)
        sub.sort(key=lambda r, axes=axes: [_order(r["config"].get(a)) for a in axes])
        parts += [f"<h2>{_e(exp)}</h2>", _table(sub), _figures(root, sub)]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _counts(rows: list[dict]) -> str:
    ok = sum(r["status"] == "ok" for r in rows)
    return f"<p>{len(rows)} runs: {ok} ok, {len(rows) - ok} failed.</p>"


def _table(rows: list[dict]) -> str:
    axes = grid_fields(rows)
    metrics = _scalar_metrics(rows)
    head = ["run", "status", *axes, *metrics, "seconds", "error"]
    out = [
        "<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead>",
        "<tbody>",
    ]
    for r in rows:
        link = f'<a href="runs/{_e(r["run_id"])}/config.json">{_e(r["run_id"])}</a>'
        cells = [link, _e(r["status"])]
        cells += [_e(_fmt(r.get("config", {}).get(a))) for a in axes]
        cells += [_e(_fmt(r.get("metrics", {}).get(m))) for m in metrics]
        cells += [_e(_fmt(r.get("timing", {}).get("seconds"))), _e(r.get("error", ""))]
        out.append(
            f'<tr class="{_e(r["status"])}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
        )
    return "\n".join([*out, "</tbody></table>"])


def _figures(root: Path, rows: list[dict]) -> str:
    axes = grid_fields(rows)
    out = []
    for r in rows:
        for png in sorted(store.run_dir(root, r["run_id"]).glob("*.png")):
            src = png.relative_to(root).as_posix()
            label = ", ".join(f"{a}={_fmt(r['config'].get(a))}" for a in axes) or r["run_id"]
            out.append(
                f'<figure><a href="{_e(src)}"><img src="{_e(src)}" '
                f'alt="{_e(png.name)}"></a><figcaption>{_e(label)}<br>'
                f"{_e(png.name)}</figcaption></figure>"
            )
    return '<div class="figures">\n' + "\n".join(out) + "\n</div>" if out else ""


def _scalar_metrics(rows: list[dict]) -> list[str]:
    names: dict[str, None] = {}
    for r in rows:
        for k, v in r.get("metrics", {}).items():
            if isinstance(v, int | float | str | bool):
                names.setdefault(k)
    return list(names)


def _order(v) -> tuple:
    return (0, v, "") if isinstance(v, int | float) else (1, 0, repr(v))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list | dict):
        text = json.dumps(v)
        return text if len(text) <= 40 else text[:37] + "..."
    return "" if v is None else str(v)


def _e(text) -> str:
    return html.escape(str(text), quote=True)
