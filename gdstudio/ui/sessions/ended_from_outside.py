"""A studio started by ``gdstudio.open`` closes when the program that started it ends it
(``StudioProcess.close()`` sends SIGTERM): the window closes without asking, its unsaved
session discarded and its recovery file removed, as "Quit" in the question does (without
this, Qt's process died at once and its recovery file was offered at the next launch).

Python runs a signal handler only when the interpreter has control, which Qt's event loop
does not give it: the signal's number is written to a socket (``signal.set_wakeup_fd``)
that a :class:`QSocketNotifier` watches, and its slot closes the window. Not on Windows
(no SIGTERM there: ``close()`` ends the process)."""

from __future__ import annotations

import contextlib
import signal
import socket
import sys

from PySide6.QtCore import QObject, QSocketNotifier, Slot


class EndedFromOutside(QObject):
    """Close ``window`` (discarding its unsaved changes) when this process gets SIGTERM."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        signal.set_wakeup_fd(self._write.fileno())
        signal.signal(signal.SIGTERM, lambda *_: None)  # (the wakeup socket says it)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._woken)

    @Slot()
    def _woken(self) -> None:
        received = b""
        with contextlib.suppress(OSError):
            received = self._read.recv(64)
        if signal.SIGTERM in received:
            self.window.session_files.close_discarding()


def close_on_terminate(window) -> EndedFromOutside | None:
    """Make ``window`` close when this process is asked to end (SIGTERM); None where there
    is no such signal (Windows)."""
    if sys.platform == "win32":
        return None
    return EndedFromOutside(window)
