"""What ``gdstudio train`` needs from the process: signals, and a standard output that fails
without a traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading

_NAMES = {signal.SIGINT: "SIGINT (Ctrl+C)", signal.SIGTERM: "SIGTERM"}


def signal_name(signum: int) -> str:
    return _NAMES.get(signum, f"signal {signum}")


def say(message) -> None:
    """One line on stderr (a closed stderr is not worth a traceback)."""
    with contextlib.suppress(OSError, ValueError):
        print(message, file=sys.stderr, flush=True)


class Interrupted(BaseException):
    """SIGINT or SIGTERM before training started (nothing has been written yet).

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception`` on the
    way swallows it.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class StopSignals:
    """SIGINT and SIGTERM while ``gdstudio train`` runs (main thread only).

    Until :meth:`arm` they raise :class:`Interrupted` at once. Once armed they only ask the
    engine to stop after the current update (``TrainingControl.stop``), so that the epochs
    done so far are written; another signal, even while the files are written, changes
    nothing more. :meth:`restore` puts the previous handlers back.
    """

    def __init__(self):
        self.received: int | None = None
        self._control = None
        self._previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in _NAMES:
                self._previous[sig] = signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        first = self.received is None
        if first:
            self.received = signum
        if self._control is None:
            raise Interrupted(signum)
        if first:  # (once: a second signal must not re-enter stop() while it holds its lock)
            self._control.stop()

    def arm(self, control) -> None:
        self._control = control

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        self._previous = {}

    def report(self, status: str, epochs: int, files: bool, partial=None) -> str:
        """The stderr line for a run that a signal ended (``partial``: where inside an
        epoch it stopped, an :class:`~gdstudio.core.training.control.EpochProgress`, or None)."""
        name = signal_name(self.received)
        if status == "stopped" and partial is not None:
            kept = (f"; the history holds the {epochs} finished epoch(s), the parameters "
                    "file the w and b reached") if files else ""
            return (f"stopped by {name} in epoch {partial.epoch + 1:,} after "
                    f"{partial.done:,} of {partial.total:,} updates{kept}.")
        if status == "stopped":
            kept = "; the output files hold them" if files else ""
            return f"stopped by {name} after {epochs} epoch(s){kept}."
        done = "; the output files were completed first" if files else ""
        return f"{name} came after the run had finished{done}."


class SafeStdout:
    """Standard output that never raises: the first failure is kept, later text dropped.

    After a failure the stream's file descriptor is pointed at the null device, so that the
    interpreter's own flush at exit does not fail (and print a traceback) again.
    """

    def __init__(self, stream):
        self.stream = stream
        self.error: OSError | None = None

    @property
    def broken_pipe(self) -> bool:
        return isinstance(self.error, BrokenPipeError)

    @property
    def reason(self) -> str:
        return "" if self.error is None else (self.error.strerror or str(self.error))

    def write(self, text: str) -> None:
        if self.error is None:
            try:
                self.stream.write(text)
            except OSError as exc:
                self._fail(exc)

    def flush(self) -> None:
        if self.error is None:
            try:
                self.stream.flush()
            except OSError as exc:
                self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.error = exc
        with contextlib.suppress(Exception):
            fd = self.stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
