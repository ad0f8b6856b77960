"""An experiment whose first attempt kills its own worker process (for the broken-pool test)."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

from geomem.runs.base import Experiment


@dataclass(frozen=True)
class KillConfig:
    n: int = 0
    marker: str = ""  # the run with n == 0 kills its worker unless this file exists


def run_kill(cfg: KillConfig, run_dir: Path, *, progress: bool = False) -> dict:
    if cfg.n == 0 and not Path(cfg.marker).exists():
        Path(cfg.marker).write_text("killed once")
        os.kill(os.getpid(), signal.SIGKILL)
    return {"n": cfg.n}


KILLER = Experiment("killer", KillConfig, run_kill, "kills its worker once")
