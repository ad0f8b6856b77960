"""The CLI's last line of defence: a bug is one line + a log file (exit 1), Ctrl-C is one line
``geomem: interrupted`` (exit 130) and leaves no partial file.

The interrupt test is a real ``python -m geomem`` subprocess sent SIGINT once its first
checkpoint exists (an event, never a wall-clock deadline).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from geomem.cli import crash, main

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code, capsys.readouterr().err


def _bug(*args, **kwargs):
    return 1 / 0  # a genuine bug raised inside a library call


@pytest.fixture
def logs(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOMEM_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("GEOMEM_DEBUG", raising=False)
    return tmp_path / "logs"


def test_a_bug_is_one_line_exit_1_and_a_log(tmp_path, logs, monkeypatch, capsys):
    import geomem.theory.rem as theory

    monkeypatch.setattr(theory, "critical_noise_var", _bug)
    argv = ["theory", "critical-noise", "--stds", "1,0.3", "--n-train", "100"]
    code, err = _run([*argv, "--out", str(tmp_path / "c.json")], capsys)
    assert code == crash.EXIT_BUG
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("geomem: internal error: ZeroDivisionError: division by zero")
    logged = sorted(logs.glob("internal-error-*.log"))
    assert len(logged) == 1 and str(logged[0]) in lines[0]
    text = logged[0].read_text()
    assert "Traceback" in text and "_bug" in text and "critical-noise" in text
    assert not (tmp_path / "c.json").exists()


def test_debug_shows_the_traceback(tmp_path, logs, monkeypatch, capsys):
    import geomem.theory.rem as theory

    monkeypatch.setattr(theory, "critical_noise_var", _bug)
    monkeypatch.setenv("GEOMEM_DEBUG", "1")
    argv = ["theory", "critical-noise", "--stds", "1", "--n-train", "100"]
    code, err = _run([*argv, "--out", str(tmp_path / "c.json")], capsys)
    assert code == 1 and "Traceback" in err and "ZeroDivisionError" in err


def test_a_foreign_valueerror_is_a_bug_not_a_user_error(tmp_path, logs, monkeypatch, capsys):
    # a ValueError without the house "<param>: expected" message comes from deeper code
    import geomem.theory.rem as theory

    def numpy_like(*args, **kwargs):
        raise ValueError("operands could not be broadcast together")

    monkeypatch.setattr(theory, "critical_noise_var", numpy_like)
    argv = ["theory", "critical-noise", "--stds", "1", "--n-train", "100"]
    code, err = _run([*argv, "--out", str(tmp_path / "c.json")], capsys)
    assert code == 1 and err.startswith("geomem: internal error: ValueError: operands")


def test_log_falls_back_to_tempdir_when_folder_is_unwritable(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("GEOMEM_LOG_DIR", str(blocker / "logs"))  # under a file: cannot exist
    monkeypatch.setattr(crash.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    path = crash._write_log("tb")
    assert path is not None and path.parent == tmp_path / "tmp" / "geomem"


def test_interrupt_in_process(tmp_path, logs, monkeypatch, capsys):
    import geomem.theory.rem as theory

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(theory, "critical_noise_var", ctrl_c)
    argv = ["theory", "critical-noise", "--stds", "1", "--n-train", "100"]
    code, err = _run([*argv, "--out", str(tmp_path / "c.json")], capsys)
    assert code == 130 and err == "geomem: interrupted\n"
    assert not (tmp_path / "c.json").exists()


def test_sigint_leaves_one_line_exit_130_and_no_partial_file(tmp_path, logs):
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "geomem", "train", "--out", str(run), "--n-train", "50"]
    cmd += ["--steps", "100000000", "--checkpoint-every", "1", "--batch-size", "8"]
    env = {**os.environ, "PYTHONPATH": SRC, "GEOMEM_LOG_DIR": str(logs)}
    proc = subprocess.Popen(  # SIGINT as a terminal gives it (a background pytest ignores it)
        cmd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = b""
    try:
        # the event: a progress update on stderr after the first checkpoint was renamed into
        # place (each read blocks until the process writes; its exit ends the wait too)
        while not (run / "checkpoint.pt").exists() or b"loss=" not in seen:
            chunk = proc.stderr.read1(4096)
            assert chunk, seen.decode()  # the run ended before its first checkpoint
            seen += chunk
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = (seen + err).decode()
    assert proc.returncode == 130, text
    assert text.splitlines()[-1] == "geomem: interrupted" and "Traceback" not in text, text
    assert not [p.name for p in run.iterdir() if p.name.endswith(".tmp")]
    from geomem.checkpoints.format import load_checkpoint

    assert load_checkpoint(run / "checkpoint.pt")["step"] >= 1  # whole, loadable
