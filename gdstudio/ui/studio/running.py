"""The controller's run requests: train, pause, step, stop, reset, and the run's end.

Part of :class:`gdstudio.ui.studio.controller.StudioController` (a mixin of it): the run itself is
its :class:`TrainingSession`'s; this turns requests into session calls and session events
into the controller's facts.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Slot

from gdstudio.core import torch_loader
from gdstudio.core.errors import StudioError
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import BY_NAME, effective
from gdstudio.core.training.runstate import RunState, RunStatus
from gdstudio.ui.studio.action_state import MessageLevel
from gdstudio.ui.studio.editing import IMPORTING_MESSAGE
from gdstudio.ui.studio.start_checks import prepare_run, start_problem


def _same_data(a, b) -> bool:
    """The two data sets hold the same points (edits made and undone since)."""
    return a is b or (len(a) == len(b) and a.dtype == b.dtype
                      and np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y))


#: How a message names a run opened from a session file (shown, with no engine).
OPENED_RUN = "The run opened from a session file"

class RunRequests:
    """Train (or resume), pause, step, stop and reset the current run."""

    def train(self, config: TrainConfig | None = None) -> bool:
        """Resume a paused run, or start one with ``config`` (default: the current
        settings); False if nothing started."""
        if self.session.state is RunState.PAUSED:
            self.session.resume()
            return True
        if self.session.state is RunState.RUNNING:
            return False
        return self._start(config)

    def _start(self, config: TrainConfig | None = None, paused_steps: int | None = None) -> bool:
        if self.csv_import.busy:  # the run would train on the data being replaced
            self._status(IMPORTING_MESSAGE, 5000)
            return False
        if config is None:
            config = self.settings
        if config is None:  # an invalid field: say which and why (next to it, status bar)
            self.startRefused.emit(self.settings_error or "Check the settings.")
            return False
        if not torch_loader.loaded():
            # refused at once what would be refused once torch has loaded; then the run
            # waits for torch and starts (validated again then: only in the first seconds)
            problem = start_problem(config, self.model.dataset)
            if problem:
                self.startRefused.emit(problem)
                return False
        if self._wait_for_torch(config, paused_steps):  # the run starts once it loads
            return True
        dataset = self.model.dataset
        try:
            run = prepare_run(config, dataset)  # the one validation, the one start
        except StudioError as exc:
            self._message("Cannot train", str(exc))
            return False
        if isinstance(run, str):
            self.startRefused.emit(run)
            return False
        self.session.start(dataset, config, paused_steps=paused_steps, run=run)
        self.current_summary = None
        self._kept_current = False
        self.stale = False
        self.runStarted.emit(config)
        self._status(f"Training: {config.describe()}…")
        self._announce_actions()
        return True

    def continue_problem(self) -> str | None:
        """Why Continue cannot go on from the current run now (None: it can).

        It trains the run's own settings on the data it was trained on: it refuses after a
        data edit, and when a setting other than the epochs and the stop tolerance differs
        from the run's (the epochs field gives the epochs to add; the tolerance applies from
        now on)."""
        s = self.session
        if s.active:
            return "A run is going: Continue goes on from a run that has ended."
        if self.csv_import.busy:
            return IMPORTING_MESSAGE
        if s.run is None and s.status is not None:  # (shown, as opened from a session)
            return (f"{OPENED_RUN} cannot be continued: a session file keeps no optimizer, "
                    "shuffling or schedule state. Press Train for a new run.")
        if s.run is None or s.status is None:
            return "No run to continue: train one first (F5)."
        if s.status is RunStatus.DIVERGED:
            return s.run.continue_problem()
        if s.status is RunStatus.FAILED:
            return "The run failed with an error: it cannot be continued. Train a new one."
        if self.stale and not _same_data(self.model.dataset, s.run.dataset):
            return ("The data has changed since this run: it can only continue on the data it "
                    "was trained on. Undo the edits, or press Train for a new run.")
        if self.settings is None:
            return self.settings_error
        mine = effective(s.run.config).replace(epochs=1, tol=0.0)
        now = effective(self.settings).replace(epochs=1, tol=0.0)
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
        problem = self.continue_problem()
        if problem is None and epochs is None:
            epochs = self.settings.epochs
        if problem is None:
            try:
                self.session.continue_run(epochs, self.settings.tol, paused_steps)
            except StudioError as exc:
                problem = str(exc)
        if problem is not None:
            self._message("Cannot continue", problem)
            return False
        config = self.session.config
        self.current_summary = None
        self._kept_current = False
        self.stale = False  # (the data is the run's: edits undone, or none)
        self.runContinued.emit(config)
        self._status(f"Continuing for {epochs:,} more epochs (to {config.epochs:,}): "
                     f"{config.describe()}…")
        self._announce_actions()
        return True

    def pause(self) -> None:
        self.session.pause()

    def stop(self) -> None:
        self.session.stop()

    def step(self) -> None:
        """One more epoch, then pause: of the paused run, or of a new one. A ``step_gate``
        (predict mode's: a callable returning False to refuse) is asked first."""
        gate = getattr(self, "step_gate", None)
        if gate is not None and not gate():
            return
        if self.session.state is RunState.PAUSED:
            self.session.step(1)
        elif self.session.state is RunState.IDLE:
            self._start(paused_steps=1)

    def reset(self) -> None:
        """Forget the current run (stopping it first)."""
        self.session.reset()
        self.current_summary = None
        self.runReset.emit()
        self._announce_actions()
        self._status("Reset.", 3000)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop any run and any history export and wait for their threads; True if no
        training thread is left running."""
        stopped = self.session.shutdown(timeout_ms)
        self.exports.shutdown()
        self.csv_import.shutdown()
        self._shutdown_landscape()
        self._shutdown_numbers()
        return stopped

    @Slot(object)
    def _on_session_stateChanged(self, state: RunState) -> None:
        resumed = getattr(self, "_last_run_state", None) is RunState.PAUSED
        self._last_run_state = state
        self.runStateChanged.emit(state)
        if state is RunState.PAUSED:
            self._status("Pausing…")  # where, once the run has stopped moving

        elif state is RunState.RUNNING and resumed:  # resumed or stepping, even in epoch 1
            self._status("Training…")
        self._announce_actions()

    @property
    def run_start(self) -> tuple[float, float] | None:
        """The current run's start (w, b), drawn from the seed or as given: computed once
        when the run started (None without a run)."""
        return self.session.init

    @Slot(object)
    def _on_session_pauseReached(self, position) -> None:
        if position is None:
            where = f"after epoch {self.session.history.count:,}"
        else:
            where = f"in {position.words()}"
        self._status(f"Paused {where}: F5 resumes, F10 steps.")

    @Slot(object, object)
    def _on_session_trainingFinished(self, status: RunStatus, detail) -> None:
        s = self.session
        self.current_summary = s.summary
        epochs = s.history.count
        if status is RunStatus.DONE:
            summary = self.current_summary
            grew = (epochs > 1 and summary.loss != ""
                    and summary.loss > 10 * float(s.history.loss[0]))
            if grew:
                self._status(
                    f"Done, but the loss grew from {float(s.history.loss[0]):.4g} to "
                    f"{summary.loss:.4g}: the learning rate is too large for this method "
                    f"(see the stable bound).")
            else:
                self._status(
                    f"Done: {epochs} epochs; w={summary.w:.6g}, b={summary.b:.6g}. "
                    "Ctrl+K keeps the run for comparison.")
        elif status is RunStatus.STOPPED:
            partial = None if s.summary is None else s.summary.partial
            if partial is None:
                self._status(f"Stopped after {epochs} epochs.")
            else:
                self._status(f"Stopped in epoch {partial.epoch + 1:,} after {partial.done:,} "
                             f"of {partial.total:,} updates: w={partial.w:.6g}, "
                             f"b={partial.b:.6g}, the parameters reached.")
        elif status is RunStatus.CONVERGED:
            self._status(f"{s.run.converged.sentence()}. Ctrl+K keeps the run; Ctrl+F5 "
                         "continues it.")
        elif status is RunStatus.DIVERGED:
            self._status(f"Diverged in {detail.where}.")
            self._message("Training diverged", str(detail), MessageLevel.WARNING)
        else:
            self._status("Training failed.")
            self._message("Training failed", str(detail), MessageLevel.CRITICAL)
        self.runFinished.emit(status, detail)
        self._announce_actions()
