"""Pausing, stopping and where a run is inside an epoch: :class:`TrainingControl`,
:class:`EpochProgress`, and the engine's :class:`Ticker`.

An epoch of stochastic or mini-batch descent on a million points is a million updates, which
take seconds to minutes. Between two updates the engine calls its ticker, which

- pauses (blocks) and stops there, through the run's
  :class:`~gdstudio.core.training.engine.TrainingControl`;
- reports where the epoch is (:class:`EpochProgress`: updates done of the epoch's updates,
  and ``w``, ``b`` now) to the run's ``progress`` callable: at most every
  :data:`PROGRESS_INTERVAL` seconds, only once an epoch has lasted that long (a run of short
  epochs never reports, and pays one clock reading an epoch), and always where a pause takes
  effect, just before the engine blocks;
- on a stop, hands the engine the parameters reached (:meth:`Ticker.partial`), which the
  engine returns as its generator's value.

The reports are time-throttled on the producer side, so their cost does not grow with the
data. The path on the loss landscape is recorded alongside: a ticker's :attr:`Ticker.path`
(a :class:`~gdstudio.core.training.path.PathBuffer`, or None) gets every update's (w, b) that the
buffer keeps; the loops ask it how many updates to make before the next kept one
(``PathBuffer.gap``) and read the parameters only there, so recording costs little once
the buffer thins (and an autograd implementation calls ``.item()`` only for kept points).
"""

from __future__ import annotations

import math
import threading
import time
from typing import NamedTuple

#: The least time between two in-epoch progress reports, and how long an epoch runs before
#: its first one (seconds).
PROGRESS_INTERVAL = 0.05


class TrainingControl:
    """Pause and stop flags shared between a training thread and its owner.

    Thread-safe: any thread may call :meth:`pause`, :meth:`resume`, :meth:`stop` and
    :meth:`sleep`; the engine calls :meth:`checkpoint` between updates, which blocks while
    paused and returns ``True`` once the run should stop. ``before_wait``, if set, is called
    (in the training thread) just before a checkpoint blocks, so that pending results can be
    delivered first; ``at_pause``, set by the engine for the run, is called before it, to
    report where inside an epoch the run pauses.
    """

    def __init__(self):
        self._running = threading.Event()
        self._running.set()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._stop = False
        self.before_wait = None
        self.at_pause = None

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
            if self.at_pause is not None:
                self.at_pause()
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


class EpochProgress(NamedTuple):
    """The epoch under way: ``done`` of its ``total`` updates, and the parameters after them.

    ``epoch`` counts from 0, as :class:`~gdstudio.core.training.engine.EpochRecord` does (the user
    reads ``epoch + 1``). A stopped run's partial epoch is one of these, too.
    """

    epoch: int
    done: int
    total: int
    w: float
    b: float

    def words(self) -> str:
        """``'epoch 4 at update 412,000 of 1,000,000'`` (the epoch counted from 1)."""
        return f"epoch {self.epoch + 1:,} at update {self.done:,} of {self.total:,}"


class Ticker:
    """Between two updates of an epoch: pause, stop and in-epoch progress for one run.

    ``control`` is the run's :class:`TrainingControl` (or None); ``report`` gets
    :class:`EpochProgress` values (or None for none); ``parameters`` returns the current
    (w, b); ``total`` is the updates in an epoch. Used by the engine's thread only.

    The engine's loops inline the per-update part for speed (a loop that makes an update
    in microseconds feels a method call)::

        tick.done = done
        if done >= tick.next:
            tick.clock(done)
        if tick.checkpoint is not None and tick.checkpoint():
            return tick.partial(done)

    which is what calling the ticker, ``tick(done)``, does. The clock is read every
    :attr:`stride` updates (up to 64, fewer for epochs of few updates), so an update costs an
    attribute store and an integer comparison more than the checkpoint alone.
    """

    __slots__ = ("checkpoint", "done", "due", "epoch", "interval", "next", "parameters",
                 "path", "report", "stride", "total")

    def __init__(self, control, report, parameters, total: int,
                 interval: float = PROGRESS_INTERVAL, path=None):
        #: The run's path (a PathBuffer the loops record kept updates into), or None.
        self.path = path
        #: The control's checkpoint (None without a control).
        self.checkpoint = None if control is None else control.checkpoint
        self.report = report
        self.parameters = parameters
        self.total = total
        self.interval = interval
        self.epoch = 0
        #: Updates done in the epoch under way (0 between epochs).
        self.done = 0
        self.due = math.inf
        #: Updates between two readings of the clock.
        self.stride = max(1, min(64, total // 256))
        #: The update count at which to read the clock next (never without ``report``).
        self.next = math.inf

    def start(self, epoch: int) -> None:
        """An epoch of updates begins: its first report is due after :attr:`interval`."""
        self.epoch = epoch
        self.done = 0
        if self.report is not None:
            self.due = time.monotonic() + self.interval
            self.next = self.stride

    def end(self) -> None:
        """The epoch's updates are all made: the run is between epochs."""
        self.done = 0

    def clock(self, done: int) -> None:
        """Read the clock after ``done`` updates; report if a report is due."""
        self.next = done + self.stride
        now = time.monotonic()
        if now >= self.due:
            self.due = now + self.interval
            self._send(done)

    def __call__(self, done: int) -> bool:
        """``done`` updates of the epoch are made; True if the run should stop now.

        Calls the control's checkpoint, which blocks while paused (after
        :meth:`at_pause`, which the control calls, has reported where).
        """
        self.done = done
        if done >= self.next:
            self.clock(done)
        return self.checkpoint is not None and self.checkpoint()

    def at_pause(self) -> None:
        """The run pauses here (the control calls this just before it blocks): report where,
        inside an epoch (between epochs the last epoch's record says it all)."""
        if self.done and self.report is not None:
            self._send(self.done)

    def partial(self, done: int) -> EpochProgress | None:
        """Where a stop after ``done`` updates of the epoch left the run (None if at its
        start, or if the parameters there are not finite numbers)."""
        return self._position(done) if done else None

    def _position(self, done: int) -> EpochProgress | None:
        w, b = self.parameters()
        w, b = float(w), float(b)
        if not (math.isfinite(w) and math.isfinite(b)):
            return None
        return EpochProgress(self.epoch, done, self.total, w, b)

    def _send(self, done: int) -> None:
        position = self._position(done)
        if position is not None:
            self.report(position)
