import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _no_training_thread_left():
    """Fail any test that leaves a training QThread running (as napari's conftest does)."""
    yield
    try:
        from gdstudio.ui.training import LIVE_THREADS
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
