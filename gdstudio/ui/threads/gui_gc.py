"""Python's cyclic garbage collector runs on the GUI thread only.

CPython runs a collection in whichever thread happens to allocate when a generation fills up.
If that is the training thread and the garbage holds a Qt object from a closed window (a
menu, an action, a plot item in a reference cycle), the object is destroyed in the training
thread: its destructor takes a Qt lock and then waits for the interpreter lock, while the GUI
thread, holding the interpreter lock, waits for that Qt lock to delete a sibling. Both wait
for ever (seen when windows were opened, trained and closed in quick succession).

The remedy is pyqtgraph's ``GarbageCollector`` (pyqtgraph/util/garbage_collector.py), written
here with QtCore alone so that the Qt-Widgets-free controller stays free of it: automatic
collection is switched off and a timer on the GUI thread collects each generation when it is
due, so no other thread ever collects.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QThread, QTimer

#: Seconds between the GUI thread's checks (each is a cheap look at the generation counts).
INTERVAL = 0.5

_collector: QTimer | None = None


def _collect_when_due() -> None:
    """What automatic collection would do, on the GUI thread: collect a generation once its
    count passes its threshold (the older ones only when they are due too)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in range(3):
        if counts[generation] <= thresholds[generation]:
            return
        gc.collect(generation)


def collect_garbage_on_gui_thread() -> None:
    """Make the GUI thread the only one that collects cyclic garbage (idempotent).

    Must be called on the GUI thread; the training session calls it before it starts any
    thread. Without an application object there is no event loop to collect from (a
    controller used headless): automatic collection is left as it is.
    """
    global _collector
    app = QCoreApplication.instance()
    if app is None:
        return
    if QThread.currentThread() is not app.thread():
        raise RuntimeError("collect_garbage_on_gui_thread must run on the GUI thread")
    if _collector is None:
        _collector = QTimer()
        _collector.timeout.connect(_collect_when_due)
        _collector.start(int(INTERVAL * 1000))
    gc.disable()  # again, in case anything switched automatic collection back on
