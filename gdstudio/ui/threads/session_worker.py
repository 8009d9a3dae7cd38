"""Saving and opening a session file on a worker thread, so that the window stays live.

A session of millions of points takes a moment to write or read. :class:`SessionJob` runs
:func:`gdstudio.core.files.session.write_session` or
:func:`gdstudio.core.files.session_read.read_session` on a worker thread, reports progress,
and can be cancelled: a cancelled save leaves the file as it was (the atomic writer), a
cancelled open changes nothing (the session read is only handed over at the end, and the
receiver puts it into the studio in the GUI thread). One job at a time.

Thread safety: :meth:`SessionJob.save`, :meth:`~SessionJob.open`, :meth:`~SessionJob.cancel`
and :meth:`~SessionJob.wait` are called from the GUI thread; the worker emits
:attr:`~SessionJob.progressed` and :attr:`~SessionJob._ended` from its thread, and they reach
GUI-thread slots queued.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal, Slot

from gdstudio.core.files.session import SessionCancelled, SessionError, write_session
from gdstudio.core.files.session_read import read_session

#: Smallest interval between two progress reports (seconds).
REPORT_INTERVAL = 1 / 30
SAVE, OPEN = "save", "open"


class SessionJob(QObject):
    """Saves or opens one session file at a time on a worker thread."""

    #: A job started: its kind (:data:`SAVE` or :data:`OPEN`) and the path.
    started = Signal(str, str)
    #: Work done so far and the whole (at most about 30 a second).
    progressed = Signal(int, int)
    #: The job ended: its kind, the path, the session read (an open that succeeded; else
    #: None), the error message ("" if none) and whether it was cancelled. :attr:`busy` is
    #: False by then.
    finished = Signal(str, str, object, str, bool)
    # from the worker: the same, queued to the GUI thread
    _ended = Signal(str, str, object, str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._last_report = 0.0
        self._busy = False
        self.kind = ""
        #: What ``prepare`` made of the last session opened (see :meth:`open`), or None.
        self.prepared = None
        self._ended.connect(self._on_ended)

    @property
    def busy(self) -> bool:
        """A file is being saved or opened (from the start until :attr:`finished`)."""
        return self._busy

    def save(self, path: str, session, saved_by: str) -> None:
        """Write ``session`` to ``path`` on a worker thread (atomically)."""
        self._start(SAVE, path, lambda: write_session(
            path, session, saved_by, self._progress, self._cancel.is_set))

    def open(self, path: str, prepare=None) -> None:
        """Read and check ``path`` on a worker thread; then, still there,
        ``prepare(session)`` (whose result :attr:`prepared` holds when :attr:`finished` is
        emitted; None if it raised: the receiver does that work itself)."""
        self.prepared = None

        def work():
            session = read_session(path, self._progress, self._cancel.is_set)
            if prepare is not None and not self._cancel.is_set():
                try:
                    self.prepared = prepare(session)  # read in the GUI thread after _ended
                except Exception:  # (done again, and said, in the GUI thread)
                    self.prepared = None
            return session

        self._start(OPEN, path, work)

    def _start(self, kind: str, path: str, work) -> None:
        if self._busy:
            raise RuntimeError("A session file is already being saved or opened.")
        self._busy = True
        self.kind = kind
        self._cancel.clear()
        self._last_report = 0.0
        self._thread = threading.Thread(target=self._run, args=(kind, path, work),
                                        name=f"gdstudio-session-{kind}", daemon=True)
        self.started.emit(kind, path)
        self._thread.start()

    def cancel(self) -> None:
        """Stop: :attr:`finished` follows with ``cancelled`` True (a save whose file was
        already complete ends saved, as it is)."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread (the window closing); True if none is left running."""
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

    def _run(self, kind: str, path: str, work) -> None:  # worker thread
        result, error, cancelled = None, "", False
        try:
            result = work()
        except SessionCancelled:
            cancelled = True
        except SessionError as exc:
            error = str(exc)
        except MemoryError:
            error = f"{path}: too large for the memory available."
        except Exception as exc:  # reported to the user, never lost in the thread
            error = f"{path}: cannot be {'saved' if kind == SAVE else 'read'} " \
                    f"({type(exc).__name__}: {exc})."
        try:
            self._ended.emit(kind, path, result, error, cancelled)
        except RuntimeError:  # the window was closed meanwhile
            pass

    @Slot(str, str, object, str, bool)
    def _on_ended(self, kind: str, path: str, result, error: str, cancelled: bool) -> None:
        self._thread = None
        if kind == OPEN and self._cancel.is_set() and not error:  # Cancel pressed at the end
            result, cancelled = None, True
        self._busy = False
        self.finished.emit(kind, path, result, error, cancelled)
