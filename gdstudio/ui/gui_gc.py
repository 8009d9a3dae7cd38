"""Python's cyclic garbage collector runs on the GUI thread only.

CPython runs a collection in whichever thread happens to allocate when a generation fills up.
If that is the training thread and the garbage holds a Qt object from a closed window (a
menu, an action, a plot item in a reference cycle), the object is destroyed in the training
thread: its destructor takes a Qt lock and then waits for the interpreter lock, while the GUI
thread, holding the interpreter lock, waits for that Qt lock to delete a sibling. Both wait
for ever (seen when windows were opened, trained and closed in quick succession).

pyqtgraph's ``GarbageCollector`` is the standard remedy: automatic collection is switched off
and a timer on the GUI thread collects each generation when it is due, so no other thread
ever collects.
"""

from __future__ import annotations

import gc

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QCoreApplication, QThread

#: Seconds between the GUI thread's checks (each is a cheap look at the generation counts).
INTERVAL = 0.5

_collector: GarbageCollector | None = None


def collect_garbage_on_gui_thread() -> None:
    """Make the GUI thread the only one that collects cyclic garbage (idempotent).

    Must be called on the GUI thread of an existing ``QApplication``; the training session
    calls it before it starts any thread.
    """
    global _collector
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is not app.thread():
        raise RuntimeError("collect_garbage_on_gui_thread must run on the GUI thread")
    if _collector is None:
        _collector = GarbageCollector(interval=INTERVAL)
    gc.disable()  # again, in case anything switched automatic collection back on
