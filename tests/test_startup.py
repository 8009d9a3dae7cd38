"""Start-up: the window opens before PyTorch has loaded, a run requested meanwhile waits for
it and then starts by itself, and without a display one clear line replaces Qt's abort."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gdstudio.core import torch_loader
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.data.tutorial import tutorial_line
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from gdstudio.core.training.runstate import RunState, RunStatus
from gdstudio.ui.studio.controller import StudioController
from gdstudio.ui.threads.torch_wait import LOADING_MESSAGE
from tests.paths import ROOT
from tests.qt_helpers import in_gui_thread

DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def run_gdstudio(tmp_path, check: str | None, **env_changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARIABLES}
    env.update({"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "PYTHONPATH": str(ROOT)})
    if check:
        env["GDSTUDIO_STARTUP_CHECK"] = check
    env.update(env_changes)
    return subprocess.run([sys.executable, "-m", "gdstudio"], capture_output=True, text=True,
                          env=env, timeout=120)


def lines_starting(text: str, start: str) -> list[str]:
    return [line[len(start):] for line in text.splitlines() if line.startswith(start)]


def test_the_window_is_shown_before_torch_is_imported(tmp_path):
    proc = run_gdstudio(tmp_path, "1", QT_QPA_PLATFORM="offscreen")
    assert proc.returncode == 0, proc.stderr
    assert lines_starting(proc.stdout, "started: ") == ["Ready: press F5 to train."]
    assert lines_starting(proc.stdout, "torch imported when shown: ") == ["no"], proc.stdout


@pytest.mark.slow
def test_train_pressed_at_once_waits_for_torch_then_runs_and_the_window_stays_live(tmp_path):
    proc = run_gdstudio(tmp_path, "train", QT_QPA_PLATFORM="offscreen")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert lines_starting(proc.stdout, "train pressed: ") == [LOADING_MESSAGE]
    (trained,) = lines_starting(proc.stdout, "trained: ")
    done, ticks = trained.split("; timer fired ")
    assert done == "done, 20 epochs"
    # A 10 ms timer of the window kept firing while torch loaded and the run trained (well
    # over a second): the GUI thread was never blocked for long.
    assert int(ticks.split()[0]) >= 20, trained


def test_the_stored_tutorial_line_is_bit_for_bit_noisy_line():
    stored, generated = tutorial_line(), noisy_line()
    assert stored.dtype == generated.dtype == "float32"
    assert stored.x.tobytes() == generated.x.tobytes()
    assert stored.y.tobytes() == generated.y.tobytes()


@pytest.fixture
def torch_not_loaded(monkeypatch):
    """Make the controller see torch as still loading; ``finish()`` ends the "import"."""
    pending = []
    state = {"done": False}
    monkeypatch.setattr(torch_loader, "loaded", lambda: state["done"])

    def start(on_done=None):
        if on_done is not None:
            pending.append(on_done)

    def finish(error=None):
        state["done"] = True
        callbacks = list(pending)
        pending.clear()
        for callback in callbacks:
            callback(error)

    monkeypatch.setattr(torch_loader, "start", start)
    return finish


def test_train_before_torch_has_loaded_says_so_and_starts_once_it_has(qtbot, torch_not_loaded):
    c = StudioController()
    statuses = []
    c.statusReported.connect(lambda text, _ms: statuses.append(text))
    started = []
    c.runStarted.connect(started.append)
    assert c.train() is True
    assert statuses[-1] == LOADING_MESSAGE
    assert c.waiting_for_torch and c.state is RunState.IDLE and not started
    with qtbot.waitSignal(c.runFinished, timeout=20_000) as finished:
        torch_not_loaded()
    assert finished.args[0] is RunStatus.DONE
    assert not c.waiting_for_torch
    assert len(started) == 1
    expected = list(train(noisy_line(), TrainConfig()))
    assert c.history.count == len(expected)
    assert (float(c.history.w[-1]), float(c.history.b[-1])) == (expected[-1].w, expected[-1].b)
    c.shutdown(5000)


def test_a_failed_torch_import_is_reported_and_nothing_starts(qtbot, torch_not_loaded):
    c = StudioController(Dataset.from_points([(0, 1), (1, 2)]))
    started = []
    c.runStarted.connect(started.append)
    c.train()
    with qtbot.waitSignal(c.messageRaised, timeout=5000) as raised:
        torch_not_loaded("PyTorch could not be loaded: no module named torch")
    assert raised.args[:2] == ["Cannot train", "PyTorch could not be loaded: no module named torch"]
    assert not started and c.state is RunState.IDLE
    c.shutdown(5000)


def test_a_drawn_start_is_shown_once_torch_has_loaded(qtbot, torch_not_loaded):
    c = StudioController()
    c.set_settings(TrainConfig(init_w=None, init_b=None, seed=3))
    assert c.start_parameters() is None  # not drawn on the GUI thread while torch loads
    loaded = in_gui_thread(c.torch_loading.torchLoaded, object)
    with qtbot.waitSignal(loaded.relayed, timeout=5000):
        c.torch_loading.start()
        torch_not_loaded()
    w, b = c.start_parameters()
    from gdstudio.core.settings.config import initial_parameters

    assert (w, b) == initial_parameters(TrainConfig(init_w=None, init_b=None, seed=3))


NO_DISPLAY = ("gdstudio: no display found; set DISPLAY, or use `gdstudio train` to train "
              "without a window.")


def test_no_display_prints_one_clear_line_and_exits_with_1(tmp_path):
    proc = run_gdstudio(tmp_path, None)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [NO_DISPLAY]
    assert proc.stdout == ""


def test_an_unreachable_display_prints_one_clear_line_and_exits_with_1(tmp_path):
    number = next(n for n in range(700, 1000) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))
    proc = run_gdstudio(tmp_path, None, DISPLAY=f":{number}")
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"gdstudio: cannot connect to the display ':{number}'; check DISPLAY, or use "
        "`gdstudio train` to train without a window."]


@pytest.mark.parametrize("display", ["garbage", "localhost", ":x"])
def test_a_display_name_that_is_no_display_prints_one_clear_line(tmp_path, display):
    """Qt aborts with a core dump and a page about platform plugins on these."""
    proc = run_gdstudio(tmp_path, None, DISPLAY=display)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"gdstudio: cannot connect to the display {display!r}; check DISPLAY, or use "
        "`gdstudio train` to train without a window."]


def _free_display() -> int:
    return next(n for n in range(700, 1000) if not os.path.exists(f"/tmp/.X11-unix/X{n}"))


@pytest.mark.parametrize("platform", ["xcb", "wayland;xcb", None])
def test_an_unreachable_display_is_said_in_one_line_whatever_qt_would_try(tmp_path, platform):
    """Qt aborts with its page about platform plugins ("xcb-cursor0 is needed") when
    QT_QPA_PLATFORM names xcb, or when a Wayland display is named that is not there either."""
    number = _free_display()
    changes = {"DISPLAY": f":{number}", "WAYLAND_DISPLAY": "wayland-gone",
               "XDG_RUNTIME_DIR": str(tmp_path)}
    if platform is not None:
        changes["QT_QPA_PLATFORM"] = platform
    proc = run_gdstudio(tmp_path, None, **changes)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"gdstudio: cannot connect to the display ':{number}'; check DISPLAY, or use "
        "`gdstudio train` to train without a window."]


def test_an_unreachable_wayland_display_alone_is_named(tmp_path):
    proc = run_gdstudio(tmp_path, None, WAYLAND_DISPLAY="wayland-gone",
                        XDG_RUNTIME_DIR=str(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "gdstudio: cannot connect to the Wayland display 'wayland-gone'; check "
        "WAYLAND_DISPLAY, or use `gdstudio train` to train without a window."]
    proc = run_gdstudio(tmp_path, None, QT_QPA_PLATFORM="wayland")
    assert proc.returncode == 1 and proc.stderr.splitlines() == [NO_DISPLAY]


@pytest.fixture
def x_server_with_a_cookie():
    """An X server of our own that lets in only the holders of its cookie: (its display
    name, an XAUTHORITY file that holds the cookie)."""
    import secrets
    import shutil
    import tempfile
    from pathlib import Path

    if not (shutil.which("Xvfb") and shutil.which("xauth")):
        pytest.skip("needs Xvfb and xauth")
    cookie = secrets.token_hex(16)
    folder = Path(tempfile.mkdtemp(prefix="gdstudio-x-"))  # (the server's, while it runs)
    server_auth = folder / "server-auth"
    subprocess.run(["xauth", "-q", "-f", str(server_auth), "add", ":0", ".", cookie],
                   check=True)
    ready, told = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(told), "-auth", str(server_auth),
                               "-nolisten", "tcp", "-screen", "0", "1024x768x24"],
                              pass_fds=(told,), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    os.close(told)
    try:
        with os.fdopen(ready) as pipe:
            number = pipe.readline().strip()  # (written once the server takes connections)
        assert number.isdigit(), "Xvfb did not start"
        client_auth = folder / "client-auth"
        subprocess.run(["xauth", "-q", "-f", str(client_auth), "add", f":{number}", ".",
                        cookie], check=True)
        yield f":{number}", client_auth
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_display_that_refuses_this_user_is_said_in_one_line(tmp_path, x_server_with_a_cookie):
    """Qt aborts with its page about platform plugins when the X server is there but does
    not let the user in (another user's display, a missing XAUTHORITY)."""
    display, cookie = x_server_with_a_cookie
    proc = run_gdstudio(tmp_path, None, DISPLAY=display,
                        XAUTHORITY=str(tmp_path / "no-such-file"))
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f"gdstudio: the display {display!r} refused the connection (not authorized?); check "
        "DISPLAY and XAUTHORITY, or use `gdstudio train` to train without a window."]
    proc = run_gdstudio(tmp_path, "1", DISPLAY=display, XAUTHORITY=str(cookie))
    assert proc.returncode == 0, proc.stderr  # let in: the window opens there
    assert lines_starting(proc.stdout, "started: ") == ["Ready: press F5 to train."]


def test_gdstudio_train_needs_no_display(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARIABLES}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.run([sys.executable, "-m", "gdstudio", "train", "--epochs", "2"],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_generate_before_torch_has_loaded_waits_for_it_with_the_window_live(
        qtbot, torch_not_loaded):
    """Generating needs torch's random generator: the request waits for the import, and the
    event loop keeps turning meanwhile."""
    from PySide6.QtCore import QTimer

    c = StudioController()
    ticks = []
    ticker = QTimer()
    ticker.timeout.connect(lambda: ticks.append(1))
    ticker.start(5)
    QTimer.singleShot(300, torch_not_loaded)  # the import ends 0.3 s later
    assert c.generate(slope=2.0, intercept=1.0, noise=0.0, x_min=0.0, x_max=1.0, x_step=0.25)
    ticker.stop()
    assert c.dataset.x.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert len(ticks) >= 10
    c.shutdown(5000)


def test_torch_starts_loading_only_once_the_window_is_painted(qtbot, tmp_path, monkeypatch):
    """PyTorch's import holds the interpreter lock for long stretches: started with the
    window, it kept the first frame (the data plot's points) off the screen."""
    from PySide6.QtCore import QEvent, QObject, QSettings

    from gdstudio.app import start_background_work
    from gdstudio.ui.window.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)

    class PaintCount(QObject):
        paints = 0

        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint:
                self.paints += 1
            return False

    points = PaintCount()
    win.plot.viewport().installEventFilter(points)
    started = []  # the data plot's paints when each import was asked for
    monkeypatch.setattr(torch_loader, "start", lambda on_done=None: started.append(points.paints))
    win.show()
    start_background_work(win)
    assert started == []
    qtbot.waitUntil(lambda: len(started) >= 1, timeout=10_000)
    assert min(started) >= 1
