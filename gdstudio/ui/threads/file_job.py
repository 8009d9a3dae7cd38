"""What the CSV import and the session jobs share: one file at a time on a worker thread,
progress at most about 30 times a second, a Cancel the worker polls.

Thread safety: :meth:`FileJob._begin`, :meth:`~FileJob.join` and the subclasses' start and
cancel methods are called from the GUI thread; :meth:`~FileJob._progress` runs in the worker
and :attr:`~FileJob.progressed` reaches GUI-thread slots queued.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal

#: Smallest interval between two progress reports (seconds).
REPORT_INTERVAL = 1 / 30


class FileJob(QObject):
    """A worker thread for one file at a time, with throttled progress and a Cancel."""

    #: Work done so far and the whole (at most about 30 a second).
    progressed = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._last_report = 0.0
        self._busy = False
        #: What a ``prepare`` step made on the worker of the last file read, or None.
        self.prepared = None

    @property
    def busy(self) -> bool:
        """A file is being worked on (from the start until the job's end is announced)."""
        return self._busy

    def _begin(self, target, args: tuple, name: str) -> None:
        """Mark the job busy and make (not start) its worker thread."""
        self._busy = True
        self._cancel.clear()
        self._last_report = 0.0
        self._thread = threading.Thread(target=target, args=args, name=name, daemon=True)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread; True if none is left running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _progress(self, done: int, total: int) -> None:  # worker thread
        now = time.monotonic()
        if done >= total or now - self._last_report >= REPORT_INTERVAL:
            self._last_report = now
            self.progressed.emit(done, total)
