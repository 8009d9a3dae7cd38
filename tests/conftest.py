import os
import re
import sys
import tempfile
import threading
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Nothing a test does is written outside temporary folders. The user's folders (QSettings'
# default store, Qt's AppDataLocation with the recovery files, caches) point into one of this
# process's own, made before Qt or any test reads them; each test's recovery files get a
# folder of their own (see _own_recovery_folder).
_HOME = Path(tempfile.mkdtemp(prefix="gdstudio-tests-home-"))
for _name, _sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"),
                    ("XDG_DATA_HOME", ".local/share"), ("XDG_CACHE_HOME", ".cache")):
    os.environ[_name] = str(_HOME / _sub)
    (_HOME / _sub).mkdir(parents=True, exist_ok=True)

import pytest  # noqa: E402
from hypothesis import settings as _hypothesis_settings  # noqa: E402

# Hypothesis keeps no example database in the checkout (.hypothesis/): a run neither writes
# there nor replays what an earlier run found
_hypothesis_settings.register_profile("gdstudio-tests", database=None)
_hypothesis_settings.load_profile("gdstudio-tests")


def pytest_unconfigure(config):
    import shutil

    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The longer tests (marked ``slow``) run first, in the order they had (random with
    pytest-randomly): on several workers (``-n``), none is left to run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


#: Modules whose module fixture is costly (the scripts' child process, a 1.2M-row CSV file,
#: the hardening data, the notebooks' Jupyter kernels): with -n, one worker runs all their
#: tests, so that it is made once.
ONE_WORKER_MODULES = ("tests/core/models/line/test_script.py",
                      "tests/core/models/notebook/test_notebooks_run.py",
                      "tests/ui/studio/test_csv_import.py",
                      "tests/core/settings/test_hardening_lr.py",
                      "tests/core/data/test_hardening_csv.py")

try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # no pytest-xdist: the tests run in one process
    pass
else:
    class _Scheduling(LoadScopeScheduling):
        """xdist's load scheduling (each test to whichever worker is free, the slow first),
        but the tests of ONE_WORKER_MODULES go together. (pytest-xdist's --dist loadgroup
        does this with marks, but its group names no longer reach it with pytest 9.)"""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else nodeid

    def pytest_xdist_make_scheduler(config, log):
        if config.getoption("dist") == "load":  # (-n's default)
            return _Scheduling(config, log)
        return None


@pytest.fixture(autouse=True)
def _own_recovery_folder(request, tmp_path_factory, monkeypatch):
    """Each test's studios write their recovery files into a folder of the test's own (made
    when first written): no window offers another test's file, whatever ran before."""
    name = re.sub(r"[^\w.-]", "_", request.node.nodeid)[-120:]
    folder = tmp_path_factory.getbasetemp() / "recovery" / name
    monkeypatch.setenv("GDSTUDIO_RECOVERY_DIR", str(folder))


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


#: The studio's worker threads that last as long as their process: torch is loaded once, and
#: the compiled loops are loaded (or, in a fresh clone, compiled first: 10 s on a quiet
#: machine, minutes on a busy one) once.
PROCESS_THREADS = ("gdstudio-torch-import", "gdstudio-compiled-loops")
#: How long a worker thread a test started may take to end by itself once the test is over
#: (seconds): the work is done or cancelled by then, only its last statements are left.
THREAD_GRACE = 30


@pytest.fixture(autouse=True)
def _no_thread_left():
    """Fail any test that leaves a thread of the studio running: a training QThread (as
    napari's conftest does), or a worker thread (an import, an export, a recovery write...)
    that does not end by itself once the test is over."""
    before = set(threading.enumerate())
    yield
    try:
        from gdstudio.ui.threads.training_thread import LIVE_THREADS
    except ImportError:  # core-only environments
        LIVE_THREADS = set()
    running = [t for t in list(LIVE_THREADS) if _is_running(t)]
    LIVE_THREADS.clear()
    assert not running, f"{len(running)} training thread(s) left running"
    left = [t for t in threading.enumerate() if t not in before and t.name.startswith(
        "gdstudio-") and t.name not in PROCESS_THREADS]
    for thread in left:
        thread.join(THREAD_GRACE)
    still = [t.name for t in left if t.is_alive()]
    assert not still, f"thread(s) left running: {still}"


def _shown_windows() -> list:
    if "PySide6.QtWidgets" not in sys.modules:
        return []
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    return [] if app is None else [w for w in app.topLevelWidgets() if w.isVisible()]


@pytest.fixture(autouse=True)
def _no_window_left():
    """Close the windows a test left open (pytest-qt closes the ones given to qtbot, but a
    studio with unsaved changes asks first and stays): an open studio, with its timers and
    data, or its question, never reaches the next test."""
    before = set(_shown_windows())
    yield
    from tests.qt_helpers import answer, open_question

    left = [w for w in _shown_windows() if w not in before]
    studios = [w for w in left if hasattr(w, "session_files")]
    for widget in studios + [w for w in left if w not in studios]:
        try:
            if not widget.isVisible():
                continue  # (a studio's question, answered with it)
            widget.close()
            if widget.isVisible() and widget in studios and open_question(widget):
                answer(widget, "Quit")
        except RuntimeError:  # already deleted by Qt
            pass
    _delete_closed_widgets()


def _delete_closed_widgets() -> None:
    """Delete now what the test closed and left to deleteLater() (pytest-qt does so with the
    widgets given to qtbot), as returning to the event loop would: no event loop turns between
    tests, so closed windows, each with hundreds of widgets, would pile up for many tests and
    slow every later one down."""
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _is_running(thread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # already deleted by Qt: not running
        return False
