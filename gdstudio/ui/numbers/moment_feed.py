"""The one moment of the current run that every view shows: :class:`MomentFeed` and the
:class:`ShownMoment` it announces (no widgets).

A part of :class:`gdstudio.ui.studio.controller.StudioController`, which owns one
:class:`MomentFeed`. The run's facts arrive at their own pace: batches of epochs up to 30
times a second, the place inside a long epoch every 50 ms, a pause, the end. Views that
each followed them at their own pace named different moments (the readout "after 8/20" while
the timeline said "after 6 epochs"; the readout, the progress bar and the in-epoch bar three
different epochs). The feed turns the facts into one :class:`ShownMoment` at most every
:data:`FRAME` seconds while the run goes, and at once when it pauses, reaches its pause,
ends, starts, goes on or is reset, and announces it (the controller's ``momentShown``).
Every view of the current run draws that moment and reads nothing newer: the readout, the
progress bar, the in-epoch bar, the timeline (its slider and words, the loss curve's
marker), the line on the data plot and its equation, the landscape's marker and the loss
curve.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Slot

from gdstudio.core.models.line.linefit import Moment
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.numbers.line_loss import exact_loss

#: While a run goes, the moment shown moves on at most this often (seconds): every view
#: redraws then, together (the line with its equation and residuals, both markers, the loss
#: curve, the readout and the bars).
FRAME = 0.05
#: Beyond this many points the running run's newest MAE, Huber or logistic loss is not
#: computed each frame (O(n)); the next epoch's record brings it, a pause computes it once,
#: and the end brings the run's own.
LIVE_ROBUST_POINTS = 100_000


@dataclass(frozen=True)
class ShownMoment:
    """The current run's moment the views show: the history's first :attr:`epochs` rows
    and its newest moment :attr:`last` (None: no run)."""

    #: Epochs done at this moment (the history's rows the views show).
    epochs: int = 0
    #: The run's epochs (0 without a run).
    total: int = 0
    #: Inside epoch ``epochs`` + 1 (a long one, or paused there): an
    #: :class:`~gdstudio.core.training.control.EpochProgress`, else None.
    position: object = None
    #: The run's newest moment: ``epochs`` done, the w, b reached (inside the epoch under
    #: way too) and the loss of that line (None when not computed or beyond float64).
    last: Moment | None = None
    #: The run is running or paused.
    active: bool = False
    #: The ended run's :class:`~gdstudio.core.training.results.RunSummary` (None while it
    #: goes, or when it has none).
    summary: object = None
    #: The loss of :attr:`last` was computed (False: not computed while the run goes).
    loss_known: bool = True

    @property
    def partial(self):
        """Where the ended run stopped inside an epoch, or None."""
        return None if self.summary is None else self.summary.partial


def _finite(value) -> float | None:
    return value if isinstance(value, float) and math.isfinite(value) else None


def shown_now(controller) -> ShownMoment:
    """``controller``'s current run as it is now (see :class:`ShownMoment`)."""
    c = controller
    s = c.session
    if s.init is None:
        return ShownMoment()
    h = s.history
    epochs = h.count
    total = s.config.epochs if s.config is not None else 0
    summary = c.current_summary
    if summary is not None and not s.active:  # ended: its own numbers
        partial = summary.partial
        loss = None if summary.loss == "" else _finite(float(summary.loss))
        updates = None if partial is None else (partial.done, partial.total)
        last = Moment(epochs, float(summary.w), float(summary.b), loss, True,
                      0 if partial is None else partial.epoch + 1, updates)
        return ShownMoment(epochs, total, None, last, False, summary)
    position = s.position
    if position is not None and position.epoch == epochs:
        w, b, updates = position.w, position.b, (position.done, position.total)
    else:
        position, updates = None, None
        w, b = (float(h.w[-1]), float(h.b[-1])) if epochs else s.init
    # (paused, the moment stays: its loss is computed once, O(n), as the ended run's is)
    known = not (s.state is RunState.RUNNING and c.loss != "mse"
                 and len(c.dataset) > LIVE_ROBUST_POINTS)
    loss = exact_loss(c, w, b) if known else None
    last = Moment(epochs, float(w), float(b), loss, True, 0, updates)
    return ShownMoment(epochs, total, position, last, s.active, None, known)


class MomentFeed(QObject):
    """Owns :attr:`shown` and announces it (see the module docstring).

    ``studio`` is the controller it belongs to: its ``session`` (the history, the place in
    the epoch under way, the start), ``current_summary``, run facts and data are read, and
    its ``momentShown`` is emitted with each new :attr:`shown`.
    """

    def __init__(self, studio):
        super().__init__(studio)
        self._studio = studio
        #: The moment every view shows now.
        self.shown = ShownMoment()
        self._last = -math.inf  # time.monotonic() of the last announcement
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.announce)
        s = studio.session
        s.epochsAppended.connect(self._on_run_moved)
        s.epochProgressed.connect(self._on_run_moved)
        s.pauseReached.connect(self.announce)
        for signal in (studio.runStarted, studio.runContinued, studio.runFinished,
                       studio.runReset, studio.runStateChanged):
            signal.connect(self.announce)

    @Slot()
    def _on_run_moved(self, *_) -> None:
        """New epochs, or a new place inside the epoch under way: shown with the next frame
        (at once when the last was a frame ago, or the run is not running)."""
        if self._timer.isActive():
            return
        wait = FRAME - (time.monotonic() - self._last)
        if wait <= 0 or self._studio.session.state is not RunState.RUNNING:
            self.announce()
        else:
            self._timer.start(max(1, math.ceil(wait * 1000)))

    @Slot()
    def announce(self, *_) -> None:
        """Show the run as it is now (``momentShown``)."""
        self._timer.stop()
        self._last = time.monotonic()
        self.shown = shown_now(self._studio)
        self._studio.momentShown.emit(self.shown)
