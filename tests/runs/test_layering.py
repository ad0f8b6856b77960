"""The house's dependency arrows (DESIGN.md): cli -> experiments -> runs, never back; scores
never import train; one module writes HTML pages."""

from __future__ import annotations

import ast
from pathlib import Path

import geomem

SRC = Path(geomem.__file__).parent


def _imports(path: Path) -> set[str]:
    """Every module a source file imports (at top level or inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _package_imports(package: str) -> dict[str, set[str]]:
    return {str(p.relative_to(SRC)): _imports(p) for p in sorted((SRC / package).rglob("*.py"))}


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{f} imports {m}"
        for f, mods in _package_imports(package).items()
        for m in sorted(mods)
        if any(m == b or m.startswith(b + ".") for b in forbidden)
    ]


def test_the_run_engine_imports_no_study_no_cli_no_training():
    assert _package_imports("runs"), "geomem.runs is missing"
    assert _offenders("runs", ("geomem.experiments", "geomem.cli", "geomem.train")) == []


def test_scores_never_import_train_and_nothing_imports_up():
    assert _offenders("scores", ("geomem.train", "geomem.experiments", "geomem.cli")) == []
    for package in ("data", "nets", "spectra", "theory", "train", "plots", "runs"):
        assert _offenders(package, ("geomem.experiments", "geomem.cli")) == [], package


def test_experiments_holds_studies_not_the_engine():
    engine = {"config.py", "store.py", "sweep.py", "executors.py", "worker.py", "report.py"}
    assert not engine & {p.name for p in (SRC / "experiments").glob("*.py")}


def test_one_module_writes_html_pages():
    writers = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "<!DOCTYPE" in p.read_text() or "<html" in p.read_text()
    ]
    assert writers == ["plots/page.py"]
