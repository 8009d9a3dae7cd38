"""The controller's run requests: train, pause, step, stop, reset, and the run's end.

A part of :class:`gdstudio.ui.studio.controller.StudioController`, which owns one
:class:`RunRequests`: the run itself is its :class:`TrainingSession`'s; this turns requests
into session calls and session events into the controller's facts.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Slot

from gdstudio.core import torch_loader
from gdstudio.core.errors import StudioError
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import BY_NAME, effective
from gdstudio.core.training.runstate import RunState, RunStatus
from gdstudio.ui.studio.action_state import IMPORTING, MessageLevel
from gdstudio.ui.studio.start_checks import prepare_run, start_problem


def _same_data(a, b) -> bool:
    """The two data sets hold the same points (edits made and undone since)."""
    return a is b or (len(a) == len(b) and a.dtype == b.dtype
                      and np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y))


#: How a message names a run opened from a session file (shown, with no engine).
OPENED_RUN = "The run opened from a session file"


class RunRequests(QObject):
    """Train (or resume), pause, step, stop and reset the current run.

    ``studio`` is the controller it belongs to: its ``session`` runs, its ``settings`` and
    data are trained, its run facts are emitted, and ``torch_wait`` holds a run requested
    before torch has loaded.
    """

    def __init__(self, studio, torch_wait):
        super().__init__(studio)
        self._studio = studio
        self._torch_wait = torch_wait
        #: Asked before a step (predict mode's: a callable returning False to refuse), or
        #: None.
        self.step_gate = None
        self._last_state = RunState.IDLE
        session = studio.session
        session.stateChanged.connect(self._on_session_stateChanged)
        session.pauseReached.connect(self._on_session_pauseReached)
        session.trainingFinished.connect(self._on_session_trainingFinished)

    def train(self, config: TrainConfig | None = None) -> bool:
        """Resume a paused run, or start one with ``config`` (default: the current
        settings); False if nothing started."""
        session = self._studio.session
        if session.state is RunState.PAUSED:
            session.resume()
            return True
        if session.state is RunState.RUNNING:
            return False
        return self.start(config)

    def start(self, config: TrainConfig | None = None, paused_steps: int | None = None) -> bool:
        """Start a new run with ``config`` (default: the current settings), paused after
        ``paused_steps`` epochs if given; False if it did not start (the user is told)."""
        c = self._studio
        if c.csv_import.busy:  # the run would train on the data being replaced
            c.status(IMPORTING, 5000)
            return False
        if config is None:
            config = c.settings
        if config is None:  # an invalid field: say which and why (next to it, status bar)
            c.startRefused.emit(c.settings_error or "Check the settings.")
            return False
        if not torch_loader.loaded():
            # refused at once what would be refused once torch has loaded; then the run
            # waits for torch and starts (validated again then: only in the first seconds)
            problem = start_problem(config, c.model.dataset)
            if problem:
                c.startRefused.emit(problem)
                return False
        if self._torch_wait.hold(config, paused_steps):  # the run starts once it loads
            return True
        dataset = c.model.dataset
        try:
            run = prepare_run(config, dataset)  # the one validation, the one start
        except StudioError as exc:
            c.report("Cannot train", str(exc))
            return False
        if isinstance(run, str):
            c.startRefused.emit(run)
            return False
        c.session.start(dataset, config, paused_steps=paused_steps, run=run)
        c.run_began()
        c.runStarted.emit(config)
        c.status(f"Training: {config.describe()}…")
        c.announce_actions()
        return True

    def continue_problem(self) -> str | None:
        """Why Continue cannot go on from the current run now (None: it can).

        It trains the run's own settings on the data it was trained on: it refuses after a
        data edit, and when a setting other than the epochs and the stop tolerance differs
        from the run's (the epochs field gives the epochs to add; the tolerance applies from
        now on)."""
        c = self._studio
        s = c.session
        if s.active:
            return "A run is going: Continue goes on from a run that has ended."
        if c.csv_import.busy:
            return IMPORTING
        if s.run is None and s.status is not None:  # (shown, as opened from a session)
            return (f"{OPENED_RUN} cannot be continued: a session file keeps no optimizer, "
                    "shuffling or schedule state. Press Train for a new run.")
        if s.run is None or s.status is None:
            return "No run to continue: train one first (F5)."
        if s.status is RunStatus.DIVERGED:
            return s.run.continue_problem()
        if s.status is RunStatus.FAILED:
            return "The run failed with an error: it cannot be continued. Train a new one."
        if c.stale and not _same_data(c.model.dataset, s.run.dataset):
            return ("The data has changed since this run: it can only continue on the data it "
                    "was trained on. Undo the edits, or press Train for a new run.")
        if c.settings is None:
            return c.settings_error
        mine = effective(s.run.config).replace(epochs=1, tol=0.0)
        now = effective(c.settings).replace(epochs=1, tol=0.0)
        changed = [BY_NAME[name].label.lower() for name in vars(mine)
                   if getattr(mine, name) != getattr(now, name)]
        if changed:
            return (f"The settings have changed since this run ({', '.join(changed)}): "
                    "Continue trains with the run's own settings. Set them back, or press "
                    "Train for a new run.")
        return None

    def continue_run(self, epochs: int | None = None, paused_steps: int | None = None) -> bool:
        """Train ``epochs`` more epochs (default: the epochs field) of the ended run from
        where it stopped: the history, the path, the optimizer's state, the shuffling and
        the learning-rate schedule go on as in one longer run. False (and a message saying
        why) if it cannot (see :meth:`continue_problem`)."""
        c = self._studio
        problem = self.continue_problem()
        if problem is None and epochs is None:
            epochs = c.settings.epochs
        if problem is None:
            try:
                c.session.continue_run(epochs, c.settings.tol, paused_steps)
            except StudioError as exc:
                problem = str(exc)
        if problem is not None:
            c.report("Cannot continue", problem)
            return False
        config = c.session.config
        c.run_began()  # (the data is the run's: edits undone, or none)
        c.runContinued.emit(config)
        c.status(f"Continuing for {epochs:,} more epochs (to {config.epochs:,}): "
                 f"{config.describe()}…")
        c.announce_actions()
        return True

    def step(self) -> None:
        """One more epoch, then pause: of the paused run, or of a new one. The
        :attr:`step_gate`, if any, is asked first."""
        if self.step_gate is not None and not self.step_gate():
            return
        session = self._studio.session
        if session.state is RunState.PAUSED:
            session.step(1)
        elif session.state is RunState.IDLE:
            self.start(paused_steps=1)

    def reset(self) -> None:
        """Forget the current run (stopping it first)."""
        c = self._studio
        c.session.reset()
        c.current_summary = None
        c.runReset.emit()
        c.announce_actions()
        c.status("Reset.", 3000)

    @Slot(object)
    def _on_session_stateChanged(self, state: RunState) -> None:
        c = self._studio
        resumed = self._last_state is RunState.PAUSED
        self._last_state = state
        c.runStateChanged.emit(state)
        if state is RunState.PAUSED:
            c.status("Pausing…")  # where, once the run has stopped moving

        elif state is RunState.RUNNING and resumed:  # resumed or stepping, even in epoch 1
            c.status("Training…")
        c.announce_actions()

    @Slot(object)
    def _on_session_pauseReached(self, position) -> None:
        c = self._studio
        if position is None:
            where = f"after epoch {c.session.history.count:,}"
        else:
            where = f"in {position.words()}"
        c.status(f"Paused {where}: F5 resumes, F10 steps.")

    @Slot(object, object)
    def _on_session_trainingFinished(self, status: RunStatus, detail) -> None:
        c = self._studio
        s = c.session
        c.current_summary = s.summary
        epochs = s.history.count
        if status is RunStatus.DONE:
            summary = c.current_summary
            grew = (epochs > 1 and summary.loss != ""
                    and summary.loss > 10 * float(s.history.loss[0]))
            if grew:
                c.status(
                    f"Done, but the loss grew from {float(s.history.loss[0]):.4g} to "
                    f"{summary.loss:.4g}: the learning rate is too large for this method "
                    f"(see the stable bound).")
            else:
                c.status(
                    f"Done: {epochs} epochs; w={summary.w:.6g}, b={summary.b:.6g}. "
                    "Ctrl+K keeps the run for comparison.")
        elif status is RunStatus.STOPPED:
            partial = None if s.summary is None else s.summary.partial
            if partial is None:
                c.status(f"Stopped after {epochs} epochs.")
            else:
                c.status(f"Stopped in epoch {partial.epoch + 1:,} after {partial.done:,} "
                             f"of {partial.total:,} updates: w={partial.w:.6g}, "
                             f"b={partial.b:.6g}, the parameters reached.")
        elif status is RunStatus.CONVERGED:
            c.status(f"{s.run.converged.sentence()}. Ctrl+K keeps the run; Ctrl+F5 "
                         "continues it.")
        elif status is RunStatus.DIVERGED:
            c.status(f"Diverged in {detail.where}.")
            c.report("Training diverged", str(detail), MessageLevel.WARNING)
        else:
            c.status("Training failed.")
            c.report("Training failed", str(detail), MessageLevel.CRITICAL)
        c.runFinished.emit(status, detail)
        c.announce_actions()
