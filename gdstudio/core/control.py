"""Pause and stop flags shared by a training thread and its owner (threading only, no torch:
the window creates them before PyTorch has loaded)."""

from __future__ import annotations

import threading


class TrainingControl:
    """Pause and stop flags shared between a training thread and its owner.

    Thread-safe: any thread may call :meth:`pause`, :meth:`resume`, :meth:`stop` and
    :meth:`sleep`; the engine calls :meth:`checkpoint` between updates, which blocks while
    paused and returns ``True`` once the run should stop. ``before_wait``, if set, is called
    (in the training thread) just before a checkpoint blocks, so that pending results can be
    delivered first.
    """

    def __init__(self):
        self._running = threading.Event()
        self._running.set()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._stop = False
        self.before_wait = None

    def pause(self) -> None:
        """Pause before the next update; does nothing once stopped (stop is final)."""
        with self._lock:
            if not self._stop:
                self._running.clear()
                self._wake.set()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._running.set()
            self._wake.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop

    def checkpoint(self) -> bool:
        if not self._running.is_set():
            if self.before_wait is not None:
                self.before_wait()
            self._running.wait()
        return self._stop

    def sleep(self, seconds: float) -> None:
        """Wait up to ``seconds``; returns early on pause or stop."""
        self._wake.clear()
        if self._stop or not self._running.is_set():
            return
        self._wake.wait(seconds)
