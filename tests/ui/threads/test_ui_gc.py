"""Cyclic garbage holding Qt objects is collected on the GUI thread, never in a worker.

A Qt object destroyed in the training thread while the GUI thread deletes a sibling
deadlocks the studio (both threads wait for each other's lock); see gdstudio/ui/gui_gc.py.
"""

from __future__ import annotations

import gc
import itertools
import threading

from PySide6.QtCore import QObject, Qt

from gdstudio.ui.threads.training_thread import TrainingSession


def test_worker_allocations_never_collect_qt_garbage(qtbot):
    session = TrainingSession()
    assert not gc.isenabled(), "automatic collection would run in whatever thread allocates"
    gui = threading.get_ident()
    destroyed_in: list[int] = []
    for _ in range(20):
        holder = QObject()
        holder.me = holder  # a reference cycle: only the cyclic collector frees it
        holder.destroyed.connect(lambda *_: destroyed_in.append(threading.get_ident()),
                                 Qt.ConnectionType.DirectConnection)
        del holder

    def allocate():  # what the training thread does: many short-lived container objects
        for _ in range(200):
            junk = [[] for _ in range(1000)]
            for a, b in itertools.pairwise(junk):
                a.append(b)
                b.append(a)

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert destroyed_in == [], "a worker thread collected garbage holding Qt objects"
    qtbot.waitUntil(lambda: len(destroyed_in) == 20, timeout=5000)
    assert set(destroyed_in) == {gui}
    session.deleteLater()
