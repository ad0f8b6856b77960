"""One static HTML page for a results store: summary tables and every figure the runs made.

The page uses relative links only (``runs/<id>/<name>.png``), so it works from the file system
and keeps working when the store directory is copied elsewhere. Written through the one page
writer, ``geomem.plots.page``.
"""

from __future__ import annotations

from pathlib import Path

from geomem import _validate
from geomem.plots.page import (
    esc,
    figure_html,
    fmt,
    gallery_html,
    link,
    page_html,
    table_html,
    write_html,
)
from geomem.runs import store
from geomem.runs.sweep import grid_fields


def write_report(root: str | Path, out: str | Path | None = None) -> Path:
    """Write ``root/report.html`` (or ``out``, a file in ``root``: ``check_report_out``);
    return its path."""
    root = Path(root)
    store.check_store(root)
    if not (root / store.RESULTS).exists():
        raise ValueError(f"{root}: expected a results store with {store.RESULTS}, got none")
    rows = sorted(store.read_rows(root), key=lambda r: (r.get("experiment", ""), r["run_id"]))
    out = Path(out) if out is not None else root / "report.html"
    check_report_out(out, root)
    return write_html(out, render(root, rows))


PAGE_START = "<!doctype html>"  # (case-insensitive) and a geomem results title soon after


def check_report_out(out: Path, root: Path) -> None:
    """``--out`` of a report: an ``.html`` path directly in the store folder (its figures are
    linked by paths relative to it), a regular file or none (no folder, FIFO or device), and
    when it exists a geomem report page (an earlier report is rewritten, any other file is
    refused)."""
    from geomem.boundary.files import check_output

    check_output("--out", out)
    if out.suffix.lower() not in (".html", ".htm"):
        _validate.fail("--out", "a path ending in .html", str(out))
    if out.resolve().parent != root.resolve():
        _validate.fail(
            "--out", f"a file directly in the store {root} (the page links its figures)", str(out)
        )
    if out.exists():
        try:
            head = out.read_bytes()[:400].decode("utf-8", "replace")
        except OSError:
            head = ""
        if not head.lower().startswith(PAGE_START) or "<title>geomem results:" not in head:
            _validate.fail(
                "--out",
                "a new path or an earlier geomem report (delete the file to reuse its name)",
                f"{out} holding something else",
            )


def render(root: Path, rows: list[dict]) -> str:
    """The HTML text of the report for ``rows`` of the store at ``root``."""
    parts = [_counts(rows)]
    for exp in sorted({r.get("experiment", "") for r in rows}):
        sub = [r for r in rows if r.get("experiment", "") == exp]
        axes = grid_fields(sub)
        sub.sort(key=lambda r, axes=axes: [_order(r["config"].get(a)) for a in axes])
        parts += [f"<h2>{esc(exp)}</h2>", _table(sub), _figures(root, sub)]
    return page_html(f"geomem results: {root.name}", parts)


def _counts(rows: list[dict]) -> str:
    ok = sum(r["status"] == "ok" for r in rows)
    return f"<p>{len(rows)} runs: {ok} ok, {len(rows) - ok} failed.</p>"


def _table(rows: list[dict]) -> str:
    axes = grid_fields(rows)
    metrics = _scalar_metrics(rows)
    head = ["run", "status", *axes, *metrics, "seconds", "error"]
    body = [
        [
            link(f"runs/{r['run_id']}/config.json", r["run_id"]),
            r["status"],
            *(r.get("config", {}).get(a) for a in axes),
            *(r.get("metrics", {}).get(m) for m in metrics),
            r.get("timing", {}).get("seconds"),
            r.get("error", ""),
        ]
        for r in rows
    ]
    return table_html(head, body, row_classes=[r["status"] for r in rows])


def _figures(root: Path, rows: list[dict]) -> str:
    axes = grid_fields(rows)
    out = []
    for r in rows:
        for png in sorted(store.run_dir(root, r["run_id"]).glob("*.png")):
            src = png.relative_to(root).as_posix()
            label = ", ".join(f"{a}={fmt(r['config'].get(a))}" for a in axes) or r["run_id"]
            caption = f"{esc(label)}<br>{esc(png.name)}"
            out.append(figure_html(src, caption, href=src, alt=png.name))
    return gallery_html(out)


def _scalar_metrics(rows: list[dict]) -> list[str]:
    names: dict[str, None] = {}
    for r in rows:
        for k, v in r.get("metrics", {}).items():
            if isinstance(v, int | float | str | bool):
                names.setdefault(k)
    return list(names)


def _order(v) -> tuple:
    return (0, v, "") if isinstance(v, int | float) else (1, 0, repr(v))
