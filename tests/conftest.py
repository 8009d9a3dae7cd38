import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Recovery files of the studios the tests start (in this process or launched) go to a
# folder of their own, never the user's (see gdstudio/ui/recovery.py)
if "GDSTUDIO_RECOVERY_DIR" not in os.environ:
    import tempfile

    os.environ["GDSTUDIO_RECOVERY_DIR"] = tempfile.mkdtemp(prefix="gdstudio-recovery-")

import pytest


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown main window with its own settings file (the user's store is never touched)."""
    from PySide6.QtCore import QSettings

    from gdstudio.ui.window.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"),
                                        QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.speed.setCurrentIndex(0)  # tests train as fast as possible (a first launch does not)
    win.show()
    qtbot.waitExposed(win)
    # The window loads torch in the background; a test of the window's behaviour starts once
    # it has (the wait for it has tests of its own), whatever ran before it
    from gdstudio.core import torch_loader

    torch_loader.start()
    assert torch_loader.wait(120)
    yield win
    win.close()
    if win.isVisible():  # it asked first (kept runs would be lost): the test is over, quit
        from tests.qt_helpers import answer

        answer(win, "Quit")


@pytest.fixture(autouse=True)
def _no_training_thread_left():
    """Fail any test that leaves a training QThread running (as napari's conftest does)."""
    yield
    try:
        from gdstudio.ui.threads.training_thread import LIVE_THREADS
    except ImportError:  # core-only environments
        return
    running = [t for t in list(LIVE_THREADS) if _is_running(t)]
    LIVE_THREADS.clear()
    assert not running, f"{len(running)} training thread(s) left running"


def _is_running(thread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # already deleted by Qt: not running
        return False
