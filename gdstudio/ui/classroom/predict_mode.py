"""Predict mode (no widgets): before each step (F10) the learner clicks where they expect
the next (w, b) on the landscape; the step then runs, and the guess is scored against the
epoch's end (see :mod:`gdstudio.core.drawing.predict_score`) and added to the tally.

One F10 is one epoch, as Step does: the guess is of the end of the next epoch (for a
stochastic or mini-batch run, after all of its updates). :class:`PredictMode` gates the
controller's :meth:`step` (its ``step_gate``): while the mode is on, a step without a guess
is refused with a word saying to click first.

For logistic regression a guess (w, b) is a sigmoid too: what the step revealed also says
where its decision boundary x = −b/w went and where the guess put it (:func:`boundary_words`).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from gdstudio.core.drawing.predict_score import GuessResult, Tally, score_guess
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.numbers.line_loss import boundary, model_of

NEED_GUESS = ("Predict mode: first click the landscape where you expect the next step to "
              "land, then press F10.")
#: How long the status line tells where a step went (then the tally, which keeps the last
#: guess's distance, is shown again).
REVEAL_MS = 15_000


class PredictMode(QObject):
    """The guess, the step it waits for, and the tally, for ``controller``."""

    #: The guess changed: ``(w, b)`` or None.
    guessChanged = Signal(object)
    #: A step's end was revealed: the :class:`~gdstudio.core.drawing.predict_score.GuessResult`.
    revealed = Signal(object)
    #: The mode was turned on or off.
    toggled = Signal(bool)

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.on = False
        self.guess: tuple[float, float] | None = None
        #: The epoch (1-based) whose end the pending guess is about, and the guess.
        self.pending: tuple[int, tuple[float, float]] | None = None
        self.tally = Tally()
        self.last: GuessResult | None = None
        #: What the step just revealed said, until the run pauses after it.
        self._revealed_words: str | None = None
        controller.epochsAppended.connect(self._on_controller_epochsAppended)
        controller.session.pauseReached.connect(self._on_session_pauseReached)
        controller.runReset.connect(self._forget)
        controller.dataChanged.connect(self._forget)
        controller.runFinished.connect(self._on_controller_runFinished)
        #: The studio's last status line and its time, ``(text, ms)``.
        self._last_status: tuple[str, int] = ("", 0)
        #: The studio's line for the last pause ("Paused after epoch N: …"), which the
        #: mode's own replaced; said again when the mode is turned off during the pause.
        self._paused_status: tuple[str, int] | None = None
        #: The last line the mode itself reported.
        self._own_status = ""
        controller.statusReported.connect(self._on_controller_statusReported)

    @Slot(bool)
    def set_on(self, on: bool) -> bool:
        """Turn the mode on (the tally starts again) or off; False if the controller's gate
        refuses turning it on (a lesson locks it; it can always be turned off)."""
        if on == self.on:
            return True
        if on and not self.controller.allowed("predict"):
            return False
        self.on = on
        self.controller.step_gate = self.before_step if on else None
        self.tally = Tally()
        self.last = None
        self._forget()
        if on:
            self._status(NEED_GUESS, 8000)
        else:
            self._words_off()
        self.toggled.emit(on)
        return True

    def _status(self, text: str, ms: int) -> None:
        self._own_status = text
        self.controller.status(text, ms)

    def _words_off(self) -> None:
        """Turned off: a line of the mode's still shown ("click your next guess, then F10")
        no longer applies; during a pause the studio's own pause line is said again."""
        if self._last_status[0] != self._own_status or not self._own_status:
            return  # (the studio has said something since)
        self._own_status = ""
        paused = self.controller.state is RunState.PAUSED
        if paused and self._paused_status is not None:
            self.controller.status(*self._paused_status)
        else:
            self.controller.status("Predict mode is off.", 3000)

    def set_guess(self, w: float, b: float) -> None:
        """The learner clicked ``(w, b)`` on the landscape."""
        self.guess = (float(w), float(b))
        self.guessChanged.emit(self.guess)
        self._status(f"Your guess: w = {w:.4g}, b = {b:.4g}. F10 reveals the step.", 5000)

    def before_step(self) -> bool:
        """The controller's ``step_gate``: refuse a step until there is a guess; with one,
        remember which epoch's end it is about and let the step run."""
        if not self.on:
            return True
        if self.guess is None:
            self._status(NEED_GUESS, 8000)
            return False
        state = self.controller.state
        if state is RunState.RUNNING:
            return True  # (Step is disabled then; nothing to guess)
        done = self.controller.history.count if state is RunState.PAUSED else 0
        self.pending = (done + 1, self.guess)
        return True

    def _point_before(self, epoch: int):
        s = self.controller.session
        if epoch == 1:
            return s.init
        h = self.controller.history
        return (h.w[epoch - 2], h.b[epoch - 2])

    @Slot(int)
    def _on_controller_epochsAppended(self, *_) -> None:
        if self.pending is None:
            return
        epoch, guess = self.pending
        h = self.controller.history
        if h.count < epoch:
            return
        before = self._point_before(epoch)
        self.pending = None
        if before is None:
            return
        after = (float(h.w[epoch - 1]), float(h.b[epoch - 1]))
        result = score_guess(guess, before, after)
        self.tally.add(result)
        self.last = result
        self.guess = None  # the next step needs a new guess
        self.revealed.emit(result)
        self._revealed_words = result.words()
        if model_of(self.controller) == "logistic" and result.counted:
            self._revealed_words = (self._revealed_words.rstrip(".") + ". "
                                    + boundary_words(guess, after))
        self._status(self._revealed_words, REVEAL_MS)

    @Slot(str, int)
    def _on_controller_statusReported(self, text: str, ms: int) -> None:
        self._last_status = (text, ms)

    def _after_revealed(self, words: str, ms: int) -> None:
        """One status line: what the step revealed, then ``words``."""
        revealed, self._revealed_words = self._revealed_words, None
        end = "" if revealed.endswith((".", "!")) else "."
        self._status(f"{revealed}{end} {words}", ms)

    @Slot(object)
    def _on_session_pauseReached(self, *_) -> None:
        """The step ends in a pause, whose "Paused after epoch N" line would replace what the
        step revealed: one line says both (after the studio's, which is connected first)."""
        self._paused_status = self._last_status  # (the studio's, reported just before)
        if self.on and self._revealed_words is not None:
            self._after_revealed("Paused: click your next guess, then F10.", REVEAL_MS)

    @Slot(object, object)
    def _on_controller_runFinished(self, *_) -> None:
        """The step ended the run: the studio's line saying so (reported just before) would
        replace what the step revealed, so one line says both. The run ended before the
        guessed epoch's end came (it diverged, or was stopped): the guess is dropped, so the
        next step (a new run) asks for a new one."""
        if self.on and self._revealed_words not in (None, self._last_status[0]):
            self._after_revealed(*self._last_status)
        self._revealed_words = None
        if self.pending is not None:
            self._forget()

    @Slot()
    def _forget(self, *_) -> None:
        """The run or the data changed: a pending guess no longer applies."""
        self.pending = None
        if self.guess is not None:
            self.guess = None
            self.guessChanged.emit(None)

    def points(self) -> np.ndarray:
        """The last scored guess and the step's end, rows (w, b) (empty before one)."""
        if self.last is None:
            return np.empty((0, 2))
        return np.array([self.last.guess, self.last.after], dtype=np.float64)


def boundary_words(guess, after) -> str:
    """Where the step put logistic regression's boundary x = −b/w, and where the guess did."""

    def where(point) -> str:
        edge = boundary(*point)
        return "nowhere (w = 0)" if edge is None else f"x = {edge:.4g}"

    return f"The boundary went to {where(after)}; your guess put it at {where(guess)}."
