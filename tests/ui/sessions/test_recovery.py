"""The recovery file: the real studio in a subprocess makes a change, writes its recovery
file, is killed with SIGKILL; the next launch offers it and restores the data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gdstudio.core.files.session_read import read_session
from tests import forked
from tests.paths import ROOT

#: Runs the studio as ``gdstudio [ARG]`` does, and once the window is up (and the session
#: and recovery offer handled) either edits the data ("edit") or prints what it shows
#: ("report") and exits at once.
DRIVER = r"""
import json, os, sys
from PySide6.QtCore import QTimer
from gdstudio.ui.window import main_window

mode = os.environ["DRIVER_MODE"]
show = main_window.MainWindow.show

def report(win):
    c = win.controller
    print("REPORT " + json.dumps({
        "points": len(c.dataset), "last": [float(c.dataset.x[-1]), float(c.dataset.y[-1])],
        "title": win.windowTitle(), "dirty": win.session_files.state.dirty,
        "kept": len(c.kept_runs), "lr": win.panel.learning_rate.text(),
        "questions": [b.windowTitle() for b in win.messages.boxes],
        "status": win.statusBar().currentMessage()}), flush=True)
    os._exit(0)

def edit(win):
    win.controller.add_point(1.25, 2.5)
    win.panel.learning_rate.setText("0.0625")
    print("EDITED", flush=True)

def shown(self):
    show(self)
    QTimer.singleShot(0, lambda: (edit if mode == "edit" else report)(self))

main_window.MainWindow.show = shown
from gdstudio.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def environment(tmp_path: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GDSTUDIO_")}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_RUNTIME_DIR=str(tmp_path / "run"),
               PYTHONPATH=str(ROOT), GDSTUDIO_RECOVERY_INTERVAL_MS="200", **extra)
    for key in ("home", "data", "config", "cache", "run"):
        (tmp_path / key).mkdir(exist_ok=True, mode=0o700)
    return env


def recovery_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data").rglob("recovery-*.gdstudio"))


def launch(tmp_path: Path, mode: str, *args, **extra) -> forked.Popen:
    """The studio in a process of its own (forked from one that has imported torch and Qt:
    see tests/forked.py)."""
    return forked.Popen("-c", DRIVER, *args, cwd=tmp_path,
                        env=environment(tmp_path, DRIVER_MODE=mode, **extra),
                        preload=forked.STUDIO)


def report(tmp_path: Path, *args, **extra) -> dict:
    proc = launch(tmp_path, "report", *args, **extra)
    out, err = proc.communicate(timeout=120)
    lines = [line for line in out.splitlines() if line.startswith("REPORT ")]
    assert lines, f"no report:\n{out}\n{err}"
    return json.loads(lines[0][len("REPORT "):])


def crash_with_changes(tmp_path: Path) -> Path:
    """Start the studio, change the data and a setting, wait for the recovery file, then
    kill the studio outright."""
    proc = launch(tmp_path, "edit")
    try:
        assert proc.stdout.readline().strip() == "EDITED"
        deadline = time.monotonic() + 60
        found = []
        while time.monotonic() < deadline:
            found = recovery_files(tmp_path)
            if found:
                try:
                    if read_session(found[0]).settings.learning_rate == 0.0625:
                        break  # the whole change is in it
                except Exception:
                    pass
            time.sleep(0.05)
        assert found, "no recovery file was written"
        assert found[0].name == f"recovery-{proc.pid}.gdstudio"
        assert "gdstudio" in str(found[0].parent)  # AppDataLocation
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    return found[0]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_killed_studio_offers_its_unsaved_session(tmp_path):
    recovered = crash_with_changes(tmp_path)
    asked = report(tmp_path)  # no answer given: the offer is asked
    assert asked["questions"] == ["Restore unsaved session?"]
    assert asked["points"] == 100 and recovered.exists()

    shown = report(tmp_path, GDSTUDIO_RECOVERY_ANSWER="restore")
    assert shown["points"] == 101 and shown["last"] == [1.25, 2.5]
    assert shown["lr"] == "0.0625"
    assert shown["dirty"] and shown["title"] == "Untitled* — Gradient Descent Studio"
    assert shown["status"].startswith("Restored the unsaved session")
    assert not recovered.exists()  # restored: offered once


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_discarding_the_offer_removes_the_recovery_file(tmp_path):
    recovered = crash_with_changes(tmp_path)
    shown = report(tmp_path, GDSTUDIO_RECOVERY_ANSWER="discard")
    assert shown["points"] == 100 and not shown["dirty"] and shown["questions"] == []
    assert not recovered.exists()


@pytest.mark.timeout(300)
def test_gdstudio_opens_a_session_file_given_on_the_command_line(tmp_path):
    from gdstudio.core.files.session import Session, write_session

    path = tmp_path / "lesson.gdstudio"
    write_session(path, Session([0.5, 1.5], [2.0, 4.0]))
    shown = report(tmp_path, str(path))
    assert shown["points"] == 2 and shown["title"] == "lesson.gdstudio — Gradient Descent Studio"
    assert not shown["dirty"]
    bad = tmp_path / "bad.gdstudio"
    bad.write_text('{"format": "gdstudio-session", "version": 2}')
    shown = report(tmp_path, str(bad))
    assert shown["points"] == 100 and shown["questions"] == ["Cannot open the session"]


def test_only_files_of_processes_no_longer_running_are_offered(tmp_path):
    from gdstudio.ui.sessions.recovery import left_behind

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = tmp_path / f"recovery-{os.getpid()}.gdstudio"
    theirs = tmp_path / f"recovery-{dead.pid}.gdstudio"
    torn = tmp_path / f".recovery-{dead.pid}.gdstudio.1a2b3c4d.tmp"
    writing = tmp_path / f".recovery-{os.getpid()}.gdstudio.1a2b3c4d.tmp"
    for p in (mine, theirs, torn, writing, tmp_path / "recovery-x.gdstudio"):
        p.write_text("{}")
    assert left_behind(tmp_path) == [theirs]
    assert not torn.exists() and writing.exists() and mine.exists()
