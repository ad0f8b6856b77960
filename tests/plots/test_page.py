"""The one page writer: escaping, raw HTML, relative figures, atomic write."""

from __future__ import annotations

from html.parser import HTMLParser

from geomem.plots.page import Raw, esc, figure_html, link, page_html, table_html, write_page


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_text_is_escaped_raw_is_not():
    cells = table_html(["a<b", "c"], [["<script>", link("runs/x&y/c.json", "x&y")]])
    p = _Collect()
    p.feed(cells)
    assert "<script>" in "".join(p.text) and not any(t == "script" for t, _ in p.tags)
    assert ("a", {"href": "runs/x&y/c.json"}) in p.tags
    assert esc(Raw("<b>")) == "<b>" and esc("<b>") == "&lt;b&gt;"


def test_cells_are_formatted_and_rows_get_classes():
    html = table_html(["x"], [[0.123456789], [None], [[1, 2]]], row_classes=["ok", "failed", "ok"])
    assert "<td>0.1235</td>" in html and "<td></td>" in html and "<td>[1, 2]</td>" in html
    assert html.count('<tr class="ok">') == 2 and html.count('<tr class="failed">') == 1


def test_page_with_figures_and_tables(tmp_path):
    out = write_page(
        tmp_path / "index.html",
        "T & t",
        "intro <b>bold</b>",
        figures=[("fig.png", "caption <i>x</i>")],
        tables=[("H", table_html(["a"], [[1]]))],
    )
    text = out.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<h1>T &amp; t</h1>" in text
    assert "<b>bold</b>" in text and '<img src="fig.png"' in text and "<h2>H</h2>" in text
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]  # no temp file left
    fig = figure_html("a b.png", "c", href="a b.png")
    assert fig.startswith('<figure><a href="a b.png"><img src="a b.png"')
    assert page_html("x", ["<p>y</p>"]).count("<p>y</p>") == 1
