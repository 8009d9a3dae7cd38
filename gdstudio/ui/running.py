"""The controller's run requests: train, pause, step, stop, reset, and the run's end.

Part of :class:`gdstudio.ui.controller.StudioController` (a mixin of it): the run itself is
its :class:`TrainingSession`'s; this turns requests into session calls and session events
into the controller's facts.
"""

from __future__ import annotations

from PySide6.QtCore import Slot

from ..core import StudioError, TrainConfig, torch_loader
from ..core.runstate import RunState, RunStatus
from .editing import IMPORTING_MESSAGE
from .start_checks import prepare_run, start_problem
from .state import MessageLevel


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

    def pause(self) -> None:
        self.session.pause()

    def stop(self) -> None:
        self.session.stop()

    def step(self) -> None:
        """One more epoch, then pause: of the paused run, or of a new one."""
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
        elif status is RunStatus.DIVERGED:
            self._status(f"Diverged in {detail.where}.")
            self._message("Training diverged", str(detail), MessageLevel.WARNING)
        else:
            self._status("Training failed.")
            self._message("Training failed", str(detail), MessageLevel.CRITICAL)
        self.runFinished.emit(status, detail)
        self._announce_actions()
