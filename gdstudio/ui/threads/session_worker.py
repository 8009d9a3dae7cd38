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

from PySide6.QtCore import Signal, Slot

from gdstudio.core.files.session import SessionCancelled, SessionError, write_session
from gdstudio.core.files.session_read import read_session
from gdstudio.ui.threads.file_job import FileJob

SAVE, OPEN = "save", "open"


class SessionJob(FileJob):
    """Saves or opens one session file at a time on a worker thread."""

    #: A job started: its kind (:data:`SAVE` or :data:`OPEN`) and the path.
    started = Signal(str, str)
    # progressed(work done so far, the whole): see FileJob
    #: The job ended: its kind, the path, the session read (an open that succeeded; else
    #: None), the error message ("" if none) and whether it was cancelled. :attr:`busy` is
    #: False by then.
    finished = Signal(str, str, object, str, bool)
    # from the worker: the same, queued to the GUI thread
    _ended = Signal(str, str, object, str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind = ""
        self._ended.connect(self._on_ended)

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
        self.kind = kind
        self._begin(self._run, (kind, path, work), f"gdstudio-session-{kind}")
        self.started.emit(kind, path)
        self._thread.start()

    def cancel(self) -> None:
        """Stop: :attr:`finished` follows with ``cancelled`` True (a save whose file was
        already complete ends saved, as it is)."""
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread (the window closing); True if none is left running."""
        return self.join(timeout)

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
