"""The start-up's work that can wait: run once the window's first frame is on screen.

Importing PyTorch on its background thread holds the interpreter lock for long stretches
(loading its libraries), and the window's first paint needs that lock for every plot item
it draws: started with ``show()``, the import delayed the first frame by 0.5–1.5 s on a busy
machine (measured on the pixels of the X server, ``tests/bench/startup.py``). So the window
is painted first, and the import (and any other background start-up work) starts right after.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

#: If the window is not exposed within this time (minimised, on a hidden desktop...), the
#: work starts all the same.
LATEST_MS = 3000


class AfterFirstFrame(QObject):
    """Call ``work`` (once, in the GUI thread) after ``window``'s first frame has been painted
    and handed to the windowing system; :data:`LATEST_MS` after this at the latest.

    The window must have been shown (it has its native window). Its first exposure paints
    the window synchronously (Qt syncs the backing store in the exposure's handler), so a
    zero timer posted from that handler runs once the frame has been flushed.
    """

    def __init__(self, window: QWidget, work: Callable[[], None]):
        super().__init__(window)
        self._work = work
        self._handle = window.windowHandle()
        if self._handle is None or self._handle.isExposed():
            QTimer.singleShot(0, self, self._run)
            return
        self._handle.installEventFilter(self)
        QTimer.singleShot(LATEST_MS, self, self._run)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Expose and watched.isExposed():
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._run)  # after this exposure's paint
        return False

    def _run(self) -> None:
        work, self._work = self._work, None
        if work is None:
            return
        if self._handle is not None:
            self._handle.removeEventFilter(self)
        work()
