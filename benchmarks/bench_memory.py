"""Peak memory of `geomem spectrum --data FILE` against N (rows of d = 30 float64).

Each N runs in a fresh subprocess (8 training points, 1 noise level). A sampler thread reads
/proc/self/status every 20 ms: ``anon`` is the peak of RssAnon (memory the process allocated),
``file`` the peak of RssFile (pages of the memory-mapped data file, shared with the page cache
and reclaimable), ``hwm`` the kernel's peak total RSS (VmHWM). The baseline is the smallest N
of the same run; the claim is that ``anon`` stays flat in N while the file grows.

Run: ``python benchmarks/bench_memory.py [N ...]`` (default 1e5 1e6 4e6; 4e6 needs ~1 GB disk).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import append_results

SRC = str(Path(__file__).resolve().parents[1] / "src")
D = 30
CHILD = """
import sys, threading, time, json, atexit
peak = {"anon": 0, "file": 0}
def read():
    out = {}
    for line in open("/proc/self/status"):
        k, _, v = line.partition(":")
        if k in ("RssAnon", "RssFile", "VmHWM"):
            out[k] = int(v.split()[0]) * 1024
    return out
def sample():
    while True:
        s = read()
        peak["anon"] = max(peak["anon"], s["RssAnon"])
        peak["file"] = max(peak["file"], s["RssFile"])
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
def report():
    s = read()
    peak["anon"] = max(peak["anon"], s["RssAnon"]); peak["file"] = max(peak["file"], s["RssFile"])
    print("PEAK " + json.dumps({**peak, "hwm": s["VmHWM"]}), file=sys.stderr)
atexit.register(report)
from geomem.cli import main
main(sys.argv[1:])
"""


def write_data(path: Path, n: int) -> None:
    arr = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n, D))
    rng = np.random.default_rng(0)
    for i in range(0, n, 1 << 18):
        arr[i : i + (1 << 18)] = rng.standard_normal((min(1 << 18, n - i), D))
    arr.flush()
    del arr


def measure(n: int, tmp: Path) -> dict:
    data = tmp / f"X{n}.npy"
    write_data(data, n)
    out = tmp / f"s{n}.json"
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            "spectrum",
            "--data",
            str(data),
            "--points",
            "train",
            "--n-points",
            "8",
            "--noise-var",
            "0.01",
            "--out",
            str(out),
        ],
        env={**os.environ, "PYTHONPATH": SRC, "OMP_NUM_THREADS": "1"},
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("PEAK "))
    assert proc.returncode == 0, proc.stderr[-2000:]
    data.unlink()
    return {"n": n, "seconds": seconds, **json.loads(line[5:])}


def main(ns: list[int]) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        rows = [measure(n, Path(tmp)) for n in ns]
    base = rows[0]
    mb = 1e6
    lines = [
        "\n## bench_memory: peak memory of `geomem spectrum --data` vs N "
        f"({time.strftime('%Y-%m-%d')})\n",
        f"d = {D} float64, 8 training points, 1 noise level, OMP_NUM_THREADS=1; "
        f"machine: {os.cpu_count()} cores. Baseline: N = {base['n']:,} in the same run.\n",
        "| N | data file MB | peak anon MB | anon / baseline | peak file-backed MB | VmHWM MB "
        "| s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['n'] * D * 8 / mb:.0f} | {r['anon'] / mb:.0f} | "
            f"{r['anon'] / base['anon']:.2f} | {r['file'] / mb:.0f} | {r['hwm'] / mb:.0f} | "
            f"{r['seconds']:.1f} |"
        )
    lines.append(
        "\nThe data file is memory-mapped: its pages show up as file-backed RSS while the "
        "streamed passes read them (reclaimable page cache, not allocations); the process's "
        "own allocations (anon) are what the score's working set costs.\n"
    )
    append_results("\n".join(lines) + "\n")


if __name__ == "__main__":
    main([int(float(a)) for a in sys.argv[1:]] or [100_000, 1_000_000, 4_000_000])
