"""The snapshot folders a read-only training-time read-out reads (``geomem experiment
paper-network``): `geomem train` run folders grouped into runs, every kept snapshot step.

A *run* is named ``n{N}-s{seed}`` from a folder's config.json. Several folders may hold one
run (a deterministic replay of its early steps beside the long training): their configs must
agree in every field but ``steps`` (the run's planned length), else the folder is refused in
one line naming the fields that differ. The steps of a run are the union of its folders'
kept snapshots ``checkpoints/step-*.pt`` (``geomem.checkpoints.snapshots``); a step kept in
two folders is read from the first folder listed. ``checkpoint.pt`` is not read: a training
still running rewrites it, so its step is not fixed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from geomem import _validate
from geomem.checkpoints.snapshots import list_checkpoints

FREE_KEYS = ("steps",)  # the config fields two folders of one run may differ in


@dataclass(frozen=True)
class Snapshot:
    """One kept checkpoint of a run: ``run`` (``n{N}-s{seed}``), N, step, file, folder."""

    run: str
    n_train: int
    step: int
    path: Path
    folder: Path


def folder_config(folder: str | Path) -> dict:
    """The config.json of a `geomem train` run folder (refused in one line when missing)."""
    path = Path(folder) / "config.json"
    if not path.is_file():
        _validate.fail("runs", "`geomem train` run folders holding config.json", str(folder))
    try:
        conf = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        _validate.fail("runs", "a folder whose config.json is valid JSON", str(path))
    if not isinstance(conf, dict) or "n_train" not in conf or "seed" not in conf:
        _validate.fail("runs", "a `geomem train` config.json (n_train, seed)", str(path))
    return conf


def run_name(conf: dict) -> str:
    """``n{N}-s{seed}``: the run a folder's config belongs to."""
    return f"n{int(conf['n_train'])}-s{int(conf['seed'])}"


def group_folders(folders, preset: str) -> dict[str, list[Path]]:
    """{run name: its folders, in the order given}. Refused: no folder, a folder trained on
    another preset, and a folder whose config differs from an earlier folder of the same run
    in anything but ``steps``."""
    folders = [Path(f) for f in folders]
    if not folders:
        _validate.fail("runs", "at least one run folder", folders)
    groups: dict[str, list[Path]] = {}
    core: dict[str, dict] = {}
    for folder in folders:
        conf = folder_config(folder)
        if conf.get("preset") != preset:
            _validate.fail(
                "runs", f"runs trained on preset {preset!r}", f"{folder}: {conf.get('preset')!r}"
            )
        name = run_name(conf)
        mine = {k: v for k, v in conf.items() if k not in FREE_KEYS}
        if name in core and core[name] != mine:
            keys = sorted(set(mine) | set(core[name]))
            diff = [k for k in keys if mine.get(k) != core[name].get(k)]
            _validate.fail(
                "runs",
                f"folders of run {name} whose configs differ only in {list(FREE_KEYS)}",
                f"{diff} different in {folder} (from {groups[name][0]})",
            )
        core.setdefault(name, mine)
        if folder not in groups.setdefault(name, []):
            groups[name].append(folder)
    return groups


def run_snapshots(groups: dict[str, list[Path]]) -> list[Snapshot]:
    """Every kept snapshot of every run, by run then step (a step once, from its first folder)."""
    out = []
    for name, folders in groups.items():
        n = int(folder_config(folders[0])["n_train"])
        seen: dict[int, Snapshot] = {}
        for folder in folders:
            for step, path in list_checkpoints(folder):
                seen.setdefault(step, Snapshot(name, n, step, path, folder))
        out.extend(seen[s] for s in sorted(seen))
    return out
