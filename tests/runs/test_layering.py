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


def _studies() -> dict[str, list[Path]]:
    """Each study of geomem.experiments (a module or a subpackage) and its files."""
    root = SRC / "experiments"
    out = {}
    for p in sorted(root.iterdir()):
        if p.name in ("__init__.py", "registry.py", "__pycache__"):
            continue
        if p.is_dir():
            out[p.name] = sorted(p.rglob("*.py"))
        elif p.suffix == ".py":
            out[p.stem] = [p]
    return out


def test_no_study_imports_another_study():
    studies = _studies()
    assert {"audit", "phase", "training_time", "spectrum", "demo"} <= set(studies)
    bad = []
    for name, files in studies.items():
        others = tuple(f"geomem.experiments.{o}" for o in studies if o != name)
        for f in files:
            for m in sorted(_imports(f)):
                if any(m == o or m.startswith(o + ".") for o in others):
                    bad.append(f"{f.relative_to(SRC)} imports {m}")
                if m == "geomem.experiments.registry":
                    bad.append(f"{f.relative_to(SRC)} imports the registry")
    assert bad == []


def test_multi_file_studies_are_subpackages_not_prefixes():
    flat = [p.stem for p in (SRC / "experiments").glob("*.py")]
    prefixes = {s.split("_")[0] for s in flat if "_" in s}
    assert not [s for s in flat if any(s != p and s.startswith(p + "_") for p in flat)], flat
    assert not {"audit", "phase", "spectrum"} & prefixes


def test_scores_import_neither_runs_nor_train_and_the_bottom_floor_nothing_above():
    assert _offenders("scores", ("geomem.runs", "geomem.train", "geomem.loading")) == []
    above = (
        "geomem.scores",
        "geomem.spectra",
        "geomem.train",
        "geomem.runs",
        "geomem.experiments",
        "geomem.cli",
        "geomem.plots",
        "geomem.loading",
    )
    assert _offenders("checkpoints", above) == []
    seeds = [m for m in _imports(SRC / "seeds.py") if m.startswith("geomem")]
    assert seeds == []


def test_plots_never_compute_spectra_or_train():
    assert _offenders("plots", ("geomem.spectra", "geomem.train", "geomem.scores")) == []


def test_the_front_door_imports_nothing_heavy_at_import_time():
    # `import geomem` loads names on first use (module __getattr__): no torch, no studies
    tree = ast.parse((SRC / "__init__.py").read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert all(
        (isinstance(n, ast.Import) and [a.name for a in n.names] == ["importlib"])
        or (isinstance(n, ast.ImportFrom) and n.module == "__future__")
        for n in top
    )


def test_seed_streams_are_distinct():
    from geomem import seeds

    streams = {k: v for k, v in vars(seeds).items() if k.isupper() and isinstance(v, int)}
    assert len(set(streams.values())) == len(streams), streams
