"""``gdstudio.open``: the studio starts in a process of its own with the data and settings
given, as a new unsaved session, and ``open`` returns at once (the child is held at its very
start here, so the window cannot be up yet when ``open`` has returned); several calls open
several windows; bad settings and no display are refused before anything starts."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import gdstudio
from gdstudio.api import launch
from gdstudio.core.files.session_read import read_session
from tests.paths import ROOT

#: A sitecustomize that holds a Python process at its start until the file named by
#: GDSTUDIO_TEST_GATE exists (two minutes at most).
GATE = textwrap.dedent("""
    import os, time
    _gate = os.environ.get("GDSTUDIO_TEST_GATE")
    _end = time.monotonic() + 120
    while _gate and not os.path.exists(_gate) and time.monotonic() < _end:
        time.sleep(0.02)
""")


def _until(condition, what: str, timeout: float = 120):
    """Wait for a child process's ``condition()`` (a file it writes), at most ``timeout``."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def _lines(log: Path, start: str) -> list[str]:
    return [line[len(start):] for line in log.read_text().splitlines()
            if line.startswith(start)]


@pytest.fixture
def studio_env(monkeypatch, tmp_path):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.delenv("GDSTUDIO_STARTUP_CHECK", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):  # (the studio's own stores)
        monkeypatch.setenv(name, str(tmp_path / "home" / name))
    return monkeypatch


@pytest.mark.slow
def test_open_returns_at_once_and_each_window_has_its_data_and_settings(studio_env, tmp_path):
    env = studio_env
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GATE)
    env.setenv("PYTHONPATH", os.pathsep.join([str(site), str(ROOT)]))
    gate = tmp_path / "go"
    env.setenv("GDSTUDIO_TEST_GATE", str(gate))
    env.setenv("GDSTUDIO_STARTUP_CHECK", "1")
    a = gdstudio.open([0, 1, 2, 3], [1, 3, 5, 7], lr=0.05, epochs=7)
    try:
        # open() has returned while the child is held before it imports anything
        assert a.running and not gate.exists()
        handed = a.log.parent / launch.SESSION_NAME
        assert handed.exists()
        assert os.getsid(a.pid) == a.pid != os.getsid(0)  # (a kernel interrupt misses it)
        assert repr(a) == (f"<StudioProcess pid {a.pid}, running: 4 points, batch, manual "
                           f"autograd, lr=0.05; log {a.log}>")
        # a second window: its own process, both running at once
        env.delenv("GDSTUDIO_STARTUP_CHECK")
        env.delenv("GDSTUDIO_TEST_GATE")
        env.setenv("GDSTUDIO_RECOVERY_INTERVAL_MS", "100")
        x = np.array([-1.5, -0.25, 0.1, 2.0, 1e-9], np.float64)
        labels = [0, 0, 1, 1, 0]
        b = gdstudio.open(x, labels, model="logistic", float64=True, lr=0.5, epochs=9)
        assert a.running and b.running and a.pid != b.pid
        gate.touch()  # the first one goes on
        assert a.wait(120) == 0, a.log.read_text()
    finally:
        a.close()
    assert _lines(a.log, "started: ") == [
        "Opened from Python: 4 points; batch, manual autograd, lr=0.05."]
    assert _lines(a.log, "session: ") == [
        "4 points (float32); title 'Untitled* — Gradient Descent Studio'; settings "
        "learning_rate=0.05, epochs=7, init_w=None, init_b=None"]
    assert not handed.exists()
    try:
        # the second window's unsaved session, in its recovery file: the data bit for bit
        recovery = Path(os.environ["GDSTUDIO_RECOVERY_DIR"]) / f"recovery-{b.pid}.gdstudio"
        _until(recovery.exists, "the second window's recovery file")
        shown = read_session(recovery)
        assert shown.dtype == "float64" and shown.x.tobytes() == x.tobytes()
        assert shown.y.tolist() == labels
        assert (shown.settings.model, shown.settings.loss, shown.settings.learning_rate,
                shown.settings.epochs) == ("logistic", "bce", 0.5, 9)
        assert b.running
    finally:
        assert b.close() == 0, b.log.read_text()  # closed as asked, without a question
    assert not b.running and not recovery.exists()
    assert not (b.log.parent / launch.SESSION_NAME).exists()


@pytest.mark.slow
def test_open_without_data_opens_the_studio_as_gdstudio_does(studio_env):
    studio_env.setenv("GDSTUDIO_STARTUP_CHECK", "1")
    h = gdstudio.open()
    try:
        assert h.wait(120) == 0, h.log.read_text()
    finally:
        h.close()
    assert _lines(h.log, "started: ") == ["Ready: press F5 to train."]
    assert _lines(h.log, "session: ") == [
        "100 points (float32); title 'Gradient Descent Studio'; settings the defaults"]


def _started_nothing(monkeypatch, tmp_path):
    def refused(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", refused)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.mark.parametrize(("args", "settings", "message"), [
    (([0, 1], [1, 2]), {"lr": -1}, "The learning rate must be positive, got -1.0."),
    (([0, 1], [1, 2]), {"lr": 1e39}, "The learning rate 1e+39 is too large for float32 data "
                                     "(at most 3.402823e+38)."),
    (([0, 1], [1, 2]), {"epochs": 2.5}, "argument --epochs: '2.5' is not a whole number"),
    (([0, 1], [1, 2]), {"model": "logistic"}, "y[1]: the label must be 0 or 1, got 2."),
    (([0, 1], [1, 2]), {"learning_rate": 0.1}, "unknown setting 'learning_rate'; the closest "
                                               "is 'lr' (the settings are gdstudio train's "
                                               "options with underscores: see "
                                               "help(gdstudio.train))"),
    (([0, 1], [1, 2, 3]), {}, "x and y must have the same length, a y for each x; got 2 x "
                              "and 3 y"),
    (([0, float("nan")], [1, 2]), {}, "x[1] is NaN; only finite numbers are allowed."),
    (([0, 1], None), {}, "give both x and y (the points), or neither (the tutorial's noisy "
                         "line, or data=FILE.csv, or session=FILE.gdstudio)"),
])
def test_bad_settings_or_data_are_refused_before_anything_starts(monkeypatch, tmp_path, args,
                                                                  settings, message):
    _started_nothing(monkeypatch, tmp_path)
    with pytest.raises(ValueError) as raised:
        gdstudio.open(*args, **settings)
    assert str(raised.value) == message
    assert os.listdir(tmp_path) == []  # (no temporary session written)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11/Wayland only")
def test_without_a_display_open_says_so_in_one_line_and_starts_nothing(monkeypatch, tmp_path):
    _started_nothing(monkeypatch, tmp_path)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    with pytest.raises(RuntimeError) as raised:
        gdstudio.open([0, 1], [1, 2], lr=0.05)
    assert str(raised.value) == ("gdstudio: no display found; set DISPLAY, or use "
                                 "gdstudio.train to train without a window.")
    assert os.listdir(tmp_path) == []


def test_open_loads_neither_qt_nor_torch_in_the_notebook_and_starts_its_own_gdstudio(
        tmp_path):
    """The notebook found gdstudio through sys.path (not PYTHONPATH): the studio started is
    that one."""
    code = textwrap.dedent("""
        import os, subprocess, sys
        sys.path.insert(0, sys.argv[1])
        started = []
        class Fake:
            def __init__(self, args, **kwargs):
                started.append((args, kwargs))
                self.pid = 1
            def poll(self):
                return None
        subprocess.Popen = Fake
        import gdstudio
        h = gdstudio.open([0, 1, 2], [1, 2, 3], lr=0.05)
        args, kwargs = started[0]
        print(args[1:3], args[3])
        print(kwargs["env"]["PYTHONPATH"].split(os.pathsep)[0] == sys.argv[1])
        print(sorted(m for m in ("torch", "PySide6", "numba", "nbformat", "matplotlib")
                     if m in sys.modules))
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True,
                          text=True, env={**env, "QT_QPA_PLATFORM": "offscreen"},
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["['-m', 'gdstudio'] --import-session", "True", "[]"]


def test_the_data_of_a_session_file_opens_with_the_settings_given(monkeypatch, tmp_path):
    from gdstudio.core.files.session import Session, write_session
    from gdstudio.core.settings.config import TrainConfig

    started = []

    class Started:
        def __init__(self, args, **kwargs):
            started.append((args, kwargs))
            self.pid = 4321

        def poll(self):
            return None

    monkeypatch.setattr(subprocess, "Popen", Started)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    x = np.array([0.5, 1.5, 2.5], np.float32)
    mine = tmp_path / "mine.gdstudio"
    write_session(mine, Session(x, 2 * x, settings=TrainConfig(epochs=11, method="sgd")))
    h = gdstudio.open(session=str(mine), lr=0.25)
    ((args, kwargs),) = started
    assert args[:4] == [sys.executable, "-m", "gdstudio", "--import-session"]
    assert kwargs["stdin"] == subprocess.DEVNULL
    assert sys.platform == "win32" or kwargs["start_new_session"]
    handed = read_session(args[4])
    assert handed.x.tobytes() == x.tobytes() and handed.y.tobytes() == (2 * x).tobytes()
    assert handed.settings == TrainConfig(epochs=11, method="sgd", learning_rate=0.25)
    assert handed.runs == [] and handed.lesson is None
    assert repr(h) == (f"<StudioProcess pid 4321, running: 3 points, stochastic, manual "
                       f"autograd, lr=0.25; log {h.log}>")
