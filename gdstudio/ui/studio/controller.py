"""The studio's state and rules, with no widgets: :class:`StudioController`.

The controller owns the data (a :class:`DataModel` and its undo stack), the training session,
the current run's summary and the kept runs. Views send it requests (its public methods) and
draw the facts it announces (its signals). Its rules:

- the data is locked while a run is active (running or paused);
- a run trained on data that has changed since is marked stale (the current run and kept
  runs alike);
- a run can be kept once, when it has ended with at least one epoch;
- which actions are enabled is :func:`gdstudio.ui.studio.action_state.enabled_actions` of one
  :meth:`~StudioController.snapshot`, announced with :attr:`~StudioController.actionsChanged`
  after every change.

Messages for the user are facts too: :attr:`~StudioController.messageRaised` (a dialog's
title, text and level) and :attr:`~StudioController.statusReported` (a status-bar line).
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal, Slot

from gdstudio.core import torch_loader
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import StudioError
from gdstudio.core.settings.config import TrainConfig, initial_parameters
from gdstudio.core.settings.description import run_label
from gdstudio.core.training.results import RunSummary
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.numbers.landscape_feed import LandscapeFeed
from gdstudio.ui.numbers.numbers_feed import NumbersFeed
from gdstudio.ui.numbers.shown_numbers import DataNumbers
from gdstudio.ui.studio.action_state import MessageLevel, StudioSnapshot, enabled_actions
from gdstudio.ui.studio.data_model import DataModel
from gdstudio.ui.studio.editing import DataEditing, load_preset
from gdstudio.ui.studio.exporting import RunExports
from gdstudio.ui.studio.kept_runs import KeptRun, quit_question, run_path
from gdstudio.ui.studio.palette import next_color
from gdstudio.ui.studio.running import RunRequests
from gdstudio.ui.threads.torch_wait import TorchWait
from gdstudio.ui.threads.training_thread import TrainingSession


class StudioController(DataEditing, RunRequests, TorchWait, LandscapeFeed, NumbersFeed,
                       QObject):
    """The studio's data, run and kept runs, and the rules between them (no widgets).

    ``dataset`` is the data to start with (the tutorial's noisy line by default).
    """

    #: The data changed (an edit, undo or redo); True when it was replaced as a whole
    #: (generated or imported: views fit their range to it).
    dataChanged = Signal(bool)
    #: The optimum, its dashed line and the step-size guide were computed again (see
    #: :attr:`numbers`).
    optimumChanged = Signal()
    #: Undo history was trimmed to its memory budget: the number of edits dropped.
    undoTrimmed = Signal(int)
    #: A run was refused before it started (settings the data's dtype cannot take, or too
    #: little memory): the message, which starts with the words of the field it is about.
    startRefused = Signal(str)
    #: The selected points changed (a tuple of indices).
    selectionChanged = Signal(object)
    #: A run started with this :class:`TrainConfig`.
    runStarted = Signal(object)
    #: The ended run goes on (Continue) with this :class:`TrainConfig` (its ``epochs`` the
    #: new total); its history and path go on too.
    runContinued = Signal(object)
    #: The run's :class:`RunState` changed.
    runStateChanged = Signal(object)
    #: New epochs were appended to the run's history (count of new epochs).
    epochsAppended = Signal(int)
    #: The epoch under way got this far: an :class:`~gdstudio.core.training.control.EpochProgress`
    #: (updates done of the epoch's, w and b now), at most every 50 ms once an epoch lasts
    #: that long, and where a pause took effect; also ``session.position``.
    epochProgressed = Signal(object)
    #: The run ended: its :class:`RunStatus` and detail (the TrainingDiverged error, an
    #: error message, or None); :attr:`current_summary` holds its summary.
    runFinished = Signal(object, object)
    #: The current run was forgotten (Reset).
    runReset = Signal()
    #: A run was kept, removed, shown or hidden, or kept runs became stale.
    keptRunsChanged = Signal()
    #: The kept runs selected changed (a frozenset of their keys).
    keptSelectionChanged = Signal(object)
    #: Which actions are enabled: a dict, see
    #: :func:`gdstudio.ui.studio.action_state.enabled_actions`.
    actionsChanged = Signal(object)
    #: A message for the user: title, text and :class:`MessageLevel`.
    messageRaised = Signal(str, str, object)
    #: A status-bar line and how long to show it (ms; 0 until the next one).
    statusReported = Signal(str, int)
    #: The next run's start (w, b) as the settings give it, or None (see :attr:`start_point`).
    startChanged = Signal(object)
    #: The current run's recorded path changed (``session.path``; see :mod:`landscape_feed`).
    pathChanged = Signal()

    def __init__(self, dataset: Dataset | None = None, parent=None):
        super().__init__(parent)
        self.model = DataModel(dataset, self)
        self.session = TrainingSession(self)
        self.kept_runs: list[KeptRun] = []
        self.current_summary: RunSummary | None = None
        #: The current run was trained on data that has changed since.
        self.stale = False
        #: The last message raised (title, text), or None.
        self.last_message: tuple[str, str] | None = None
        #: The folder of the last imported file ("" for none yet).
        self.last_dir = ""
        #: The training settings as the user has them now (None while a field is invalid,
        #: then :attr:`settings_error` says which).
        self.settings: TrainConfig | None = TrainConfig()
        self.settings_error: str | None = None
        self.fit_bias = True
        #: The loss and Huber delta the optimum is shown for.
        self.loss, self.huber_delta = "mse", 1.0
        #: The data's optimum, line and step-size guide (see :mod:`numbers_view`).
        self.numbers = DataNumbers()
        self._numbers_key = None
        self.selected_points: tuple[int, ...] = ()
        self.selected_runs: frozenset[int] = frozenset()
        self._next_key = 1
        self._kept_current = False
        self._replacing = False
        #: The exports (parameters, and the history written off the GUI thread).
        self.exports = RunExports(self)
        self._init_torch_wait()
        self._init_csv_import()
        self._init_landscape()
        self._init_numbers()
        self.session.pathChanged.connect(self.pathChanged)

        self.model.pointsChanged.connect(self._on_model_pointsChanged)
        self.model.undo_stack.indexChanged.connect(self._announce_actions)
        self.model.undo_stack.trimmed.connect(self.undoTrimmed)
        self.session.stateChanged.connect(self._on_session_stateChanged)
        self.session.epochsAppended.connect(self.epochsAppended)
        self.session.epochProgressed.connect(self.epochProgressed)
        self.session.pauseReached.connect(self._on_session_pauseReached)
        self.session.trainingFinished.connect(self._on_session_trainingFinished)
        self.update_optimum()

    # ================================================================= state
    @property
    def dataset(self) -> Dataset:
        return self.model.dataset

    @property
    def state(self) -> RunState:
        return self.session.state

    @property
    def history(self):
        """The current run's per-epoch results (see :class:`training.History`)."""
        return self.session.history

    @property
    def optimum(self):
        """The least-squares optimum of the data (None without data)."""
        return self.numbers.optimum

    @property
    def optima(self):
        """(the optimum of the chosen loss, or None if each run computes it; least
        squares), or None without data."""
        return self.numbers.optima

    @property
    def next_run_number(self) -> int:
        """The number the current run gets when it is kept ("run N")."""
        return self._next_key

    @property
    def result_kept(self) -> bool:
        """The current run's result is among the kept runs."""
        return self._kept_current

    def snapshot(self) -> StudioSnapshot:
        """The state that decides which actions are enabled, now."""
        stack = self.model.undo_stack
        return StudioSnapshot(
            state=self.session.state, settings_valid=self.settings is not None,
            points=len(self.model.dataset), can_undo=stack.canUndo(), can_redo=stack.canRedo(),
            points_selected=bool(self.selected_points), epochs=self.session.history.count,
            has_result=self.current_summary is not None, result_kept=self._kept_current,
            kept_runs=len(self.kept_runs), runs_selected=bool(self.selected_runs),
            exporting=self.exports.busy, importing=self.csv_import.busy,
            continuable=self.session.can_continue)

    def enabled_actions(self) -> dict[str, bool]:
        return enabled_actions(self.snapshot())

    def undo_text(self) -> str:
        return self.model.undo_stack.undoText()

    def redo_text(self) -> str:
        return self.model.undo_stack.redoText()

    @Slot()
    def _announce_actions(self, *_) -> None:
        self.actionsChanged.emit(self.enabled_actions())

    def announce_actions(self) -> None:
        """Announce which actions are enabled now (:attr:`actionsChanged`)."""
        self._announce_actions()

    def report(self, title: str, text: str, level=MessageLevel.WARNING) -> None:
        """Raise a message for the user (:attr:`messageRaised`)."""
        self.last_message = (title, text)
        self.messageRaised.emit(title, text, level)

    def status(self, text: str, timeout_ms: int = 0) -> None:
        """Report a status-bar line (:attr:`statusReported`)."""
        self.statusReported.emit(text, timeout_ms)

    _message = report
    _status = status

    # ================================================================= settings
    def set_settings(self, config: TrainConfig | None, error: str | None = None,
                     fit_bias: bool | None = None, loss: str | None = None,
                     huber_delta: float | None = None) -> None:
        """The user's training settings now: ``config``, or None and the ``error`` that makes
        them invalid. ``fit_bias``, ``loss`` and ``huber_delta`` (default: the config's)
        decide the optimum shown, even while another setting is invalid."""
        self.settings = config
        self.settings_error = None if config is not None else (error or "Check the settings.")
        if config is not None:
            fit_bias = config.fit_bias if fit_bias is None else fit_bias
            loss = config.loss if loss is None else loss
            huber_delta = config.huber_delta if huber_delta is None else huber_delta
        if fit_bias is not None:
            self.fit_bias = bool(fit_bias)
        if loss is not None:
            self.loss = loss
        if huber_delta is not None:
            self.huber_delta = float(huber_delta)
        self.update_optimum()
        self._feed_settings()
        self._announce_actions()

    def start_parameters(self) -> tuple[float, float] | None:
        """The (w, b) a run with the current settings starts from (None if invalid)."""
        if self.settings is None:
            return None
        if None in (self.settings.init_w, self.settings.init_b) and not torch_loader.loaded():
            return None  # drawn with torch: shown once it has loaded (torchLoaded)
        try:
            return initial_parameters(self.settings, self.model.dataset.dtype)
        except (ValueError, StudioError):
            return None

    def set_speed(self, seconds: float) -> None:
        """Seconds between epochs (0: as fast as possible), for this run and the next."""
        self.session.set_min_interval(seconds)

    # ================================================================= compare runs
    def keep_run(self) -> bool:
        """Keep the finished current run: its loss curve stays, in a colour of its own."""
        if self.current_summary is None or self._kept_current or self.session.active:
            return False
        if not self.session.history.count:
            self._status("A run with no epoch cannot be kept.", 5000)
            return False
        summary = self.current_summary
        label = run_label(summary.config)
        key = self._next_key
        self._next_key += 1
        summary = dataclasses.replace(summary, name=f"run {key}")
        kept = KeptRun(key, summary, self.session.history.loss.copy(), f"#{key} {label}",
                       stale=self.stale, color=next_color(k.color for k in self.kept_runs),
                       w=self.session.history.w.copy(), b=self.session.history.b.copy(),
                       path=run_path(self.session).copy())
        self.kept_runs.append(kept)
        self._kept_current = True
        self.keptRunsChanged.emit()
        self._announce_actions()
        return True

    def select_runs(self, keys) -> None:
        """The kept runs selected in a view (Remove removes them; views highlight them)."""
        selected = frozenset(keys) & {k.key for k in self.kept_runs}
        if selected != self.selected_runs:
            self.selected_runs = selected
            self.keptSelectionChanged.emit(selected)
        self._announce_actions()

    def set_run_visible(self, key: int, visible: bool) -> None:
        """Show or hide kept run ``key``'s curve and line."""
        for kept in self.kept_runs:
            if kept.key == key and kept.visible != bool(visible):
                kept.visible = bool(visible)
                self.keptRunsChanged.emit()

    def quit_question(self) -> str | None:
        """What to ask before the studio quits (kept runs would be lost), or None."""
        return quit_question(len(self.kept_runs))

    def remove_selected_runs(self) -> None:
        self.remove_runs(self.selected_runs)

    def remove_runs(self, keys) -> None:
        keys = set(keys)
        self.kept_runs = [k for k in self.kept_runs if k.key not in keys]
        self.keptRunsChanged.emit()
        self.select_runs(self.selected_runs - keys)

    # ================================================================= export
    def can_export_parameters(self) -> bool:
        return self.exports.can_export_parameters()

    def export_parameters(self, path: str) -> bool:
        return self.exports.export_parameters(path)

    def can_export_history(self) -> bool:
        return self.exports.can_export_history()

    def export_history(self, path: str) -> bool:
        """Start writing the history off the GUI thread (see :class:`RunExports`)."""
        return self.exports.export_history(path)

    # ================================================================= presets
    def load_preset(self, key: str) -> bool:
        """Replace the data by preset ``key`` (:data:`gdstudio.core.data.presets.PRESETS`) as one
        undoable edit (made off the GUI thread: the noisy line is drawn with torch)."""
        return load_preset(self, key)
