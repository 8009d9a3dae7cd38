"""The studio's state and rules, with no widgets: :class:`StudioController`.

The controller owns the data (a :class:`DataModel` and its undo stack), the training session,
the current run's summary and the kept runs. Views send it requests (its public methods) and
draw the facts it announces (its signals). Its rules:

- the data is locked while a run is active (running or paused), while a CSV file is being
  imported, and where a lesson locks it; a lesson also locks other controls (Train, the
  exports, a view option, a setting...). Every request of a lockable control asks one gate,
  :meth:`~StudioController.allowed`, which says a refusal once in the status bar (the rule:
  :func:`gdstudio.ui.studio.action_state.lock_refusal`); the settings model and the view
  options ask it too before a change from the window;
- a run trained on data that has changed since is marked stale (the current run and kept
  runs alike);
- a run can be kept once, when it has ended with at least one epoch;
- the model (the line, or logistic regression) is switched here, and only here
  (:meth:`~StudioController.switch_model`: the settings panel's model box, a session being
  opened, the window opened with a model): the data follow it (labels for logistic
  regression; see :mod:`gdstudio.ui.studio.model_switch`), as one undoable edit when they
  change, and :attr:`~StudioController.modelChanged` says so once data and model agree;
- which actions are enabled is :func:`gdstudio.ui.studio.action_state.enabled_actions` of one
  :meth:`~StudioController.snapshot`, announced with :attr:`~StudioController.actionsChanged`
  after every change.

Messages for the user are facts too: :attr:`~StudioController.messageRaised` (a dialog's
title, text and level) and :attr:`~StudioController.statusReported` (a status-bar line).

Its parts are objects it owns, each with its own state: :attr:`~StudioController.editing`
(the data's edits and the CSV import), :attr:`~StudioController.running` (the run's
requests), :attr:`~StudioController.torch_wait`, :attr:`~StudioController.landscape_feed`,
:attr:`~StudioController.numbers_feed`, :attr:`~StudioController.moment_feed` and
:attr:`~StudioController.exports`; its public
methods hand requests to them.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal, Slot

from gdstudio.core import torch_loader
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import DataError, StudioError
from gdstudio.core.settings.config import TrainConfig, initial_parameters
from gdstudio.core.settings.description import MODELS
from gdstudio.core.training.results import RunSummary
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.numbers.landscape_feed import LandscapeFeed
from gdstudio.ui.numbers.moment_feed import MomentFeed
from gdstudio.ui.numbers.numbers_feed import NumbersFeed
from gdstudio.ui.studio.action_state import (
    MessageLevel,
    StudioSnapshot,
    enabled_actions,
    lock_refusal,
)
from gdstudio.ui.studio.data_model import DataEdit, DataModel
from gdstudio.ui.studio.editing import DataEditing
from gdstudio.ui.studio.exporting import RunExports
from gdstudio.ui.studio.kept_runs import KeptRun, label_runs, quit_question, run_path
from gdstudio.ui.studio.model_switch import (
    MODEL_WORDS,
    TWO_CLASS_PRESET,
    ModelSwitch,
    SwitchModel,
    fits,
    switch_text,
)
from gdstudio.ui.studio.palette import next_color
from gdstudio.ui.studio.running import RunRequests
from gdstudio.ui.studio.settings_model import SettingsModel
from gdstudio.ui.studio.view_model import ViewOptions
from gdstudio.ui.threads.torch_wait import TorchWait
from gdstudio.ui.threads.training_thread import TrainingSession


class StudioController(QObject):
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
    #: The model changed ("line" or "logistic"), the data already fitting it: views that
    #: draw the model (the sigmoid or the line, the landscape, the readout) follow. Every
    #: way in says it: the model box, undo and redo of a switch, a session opened.
    modelChanged = Signal(str)
    #: The moment of the current run every view shows moved on: a
    #: :class:`~gdstudio.ui.numbers.moment_feed.ShownMoment` (see :attr:`shown_moment`).
    momentShown = Signal(object)

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
        self._start_memo: tuple | None = None  # ((settings, dtype), start) last drawn
        self.fit_bias = True
        #: The loss and Huber delta the optimum is shown for.
        self.loss, self.huber_delta = "mse", 1.0
        self.selected_points: tuple[int, ...] = ()
        #: The change of the data being announced (:attr:`dataChanged`), a :class:`DataEdit`
        #: that views drawing the points update from; None at other times.
        self.last_edit: DataEdit | None = None
        self.selected_runs: frozenset[int] = frozenset()
        #: The lesson controls a lesson locks (see :meth:`set_lesson_locks`).
        self.lesson_locks: frozenset[str] = frozenset()
        self._next_key = 1
        self._kept_current = False
        #: The exports (parameters, and the history written off the GUI thread).
        self.exports = RunExports(self)
        #: A run requested before torch has loaded, started once it has.
        self.torch_wait = TorchWait(self._start_waiting_run, self.status, self.report, self)
        #: The data's edits and the CSV import.
        self.editing = DataEditing(self)
        #: The landscape and the preview of the data (see :mod:`landscape_feed`).
        self.landscape_feed = LandscapeFeed(self, self.torch_loading.torchLoaded)
        #: The data's optimum, line and step-size guide (see :mod:`numbers_feed`).
        self.numbers_feed = NumbersFeed(self)
        #: Train, pause, step, stop and reset, and the run's events.
        self.running = RunRequests(self, self.torch_wait)
        #: The one moment of the run every view shows (see :mod:`moment_feed`); made
        #: before any view listens, so it has moved on when the views hear a run's fact.
        self.moment_feed = MomentFeed(self)
        #: The training settings as the user has them (their one owner: the settings panel
        #: shows and edits them, sessions and the settings store read and write them; runs
        #: take :attr:`settings`, which follows it), and the view options.
        self.settings_model = SettingsModel(self)
        self.view_options = ViewOptions(self)
        self.settings_model.gate = self.view_options.gate = self.allowed
        #: The model switch and the data each model had (see :meth:`switch_model`).
        self.model_switch = ModelSwitch(self, self._two_class_data)
        self.settings_model.switcher = self.switch_model
        self._model_shown = self.settings_model.value("model")
        self._model_to_open: tuple[str, bool] | None = None  # (model, quiet)
        self.settings_model.settingsChanged.connect(self.follow_settings)
        self.session.pathChanged.connect(self.pathChanged)

        self.model.pointsChanged.connect(self._on_model_pointsChanged)
        self.model.undo_stack.indexChanged.connect(self.announce_actions)
        self.model.undo_stack.trimmed.connect(self.undoTrimmed)
        self.session.epochsAppended.connect(self.epochsAppended)
        self.session.epochProgressed.connect(self.epochProgressed)
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
    def csv_import(self):
        """The CSV file being read off the GUI thread (see :meth:`import_csv`)."""
        return self.editing.csv_import

    @property
    def torch_loading(self):
        """Announces that torch has loaded (``torchLoaded``)."""
        return self.torch_wait.torch_loading

    @property
    def waiting_for_torch(self) -> bool:
        """A run was requested and waits for torch to load."""
        return self.torch_wait.waiting

    @property
    def landscape_model(self):
        return self.landscape_feed.landscape_model

    @property
    def preview_model(self):
        return self.landscape_feed.preview_model

    @property
    def start_point(self) -> tuple[float, float] | None:
        """The start (w, b) of the next run as the settings give it (None: none yet)."""
        return self.landscape_feed.start_point

    @property
    def shown_moment(self):
        """The moment of the current run every view shows now (a
        :class:`~gdstudio.ui.numbers.moment_feed.ShownMoment`, announced with
        :attr:`momentShown`): the readout, the bars, the timeline, the line, the markers."""
        return self.moment_feed.shown

    @property
    def numbers(self):
        """The data's optimum, line and step-size guide (see :mod:`numbers_feed`)."""
        return self.numbers_feed.numbers

    @property
    def numbers_estimated(self) -> bool:
        """The numbers shown are an O(1) estimate; the exact ones are being computed."""
        return self.numbers_feed.numbers_estimated

    @property
    def step_gate(self):
        """Asked before a step (see :attr:`RunRequests.step_gate`)."""
        return self.running.step_gate

    @step_gate.setter
    def step_gate(self, gate) -> None:
        self.running.step_gate = gate

    @property
    def run_start(self) -> tuple[float, float] | None:
        """The current run's start (w, b), drawn from the seed or as given: computed once
        when the run started (None without a run)."""
        return self.session.init

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
            continuable=self.session.can_continue, lesson_locks=self.lesson_locks)

    def enabled_actions(self) -> dict[str, bool]:
        return enabled_actions(self.snapshot())

    # ================================================================= the locks
    def allowed(self, way: str) -> bool:
        """The one gate of every lockable request: True if ``way`` (a key of
        :data:`~gdstudio.ui.studio.action_state.LOCKED_BY`: a change of the data such as
        ``"add"``, ``"spray"``, ``"undo"``, or another control's request such as ``"train"``,
        ``"export_figure"``, ``"log"``, ``"learning_rate"``) may go on now; otherwise False,
        and the status bar says why (a run, an import or the lesson locks it)."""
        refusal = self.refusal(way)
        if refusal is None:
            return True
        self.status(refusal, 5000)
        return False

    def refusal(self, way: str) -> str | None:
        """Why :meth:`allowed` would refuse ``way`` now, or None (nothing is said)."""
        return lock_refusal(self.snapshot(), way)

    #: The gate of a change of the data (the same gate).
    edit_allowed = allowed

    def set_lesson_locks(self, names) -> None:
        """The lesson controls a lesson locks or hides (none: no lesson). Every request
        they lock (a change of the data, Train, an export, a setting...) is refused by
        :meth:`allowed`, and their actions disabled."""
        locks = frozenset(names)
        if locks != self.lesson_locks:
            self.lesson_locks = locks
            self.announce_actions()

    def undo_text(self) -> str:
        return self.model.undo_stack.undoText()

    def redo_text(self) -> str:
        return self.model.undo_stack.redoText()

    @Slot()
    def announce_actions(self, *_) -> None:
        """Announce which actions are enabled now (:attr:`actionsChanged`; any signal may
        be connected here, its arguments are ignored)."""
        self.actionsChanged.emit(self.enabled_actions())

    def report(self, title: str, text: str, level=MessageLevel.WARNING) -> None:
        """Raise a message for the user (:attr:`messageRaised`)."""
        self.last_message = (title, text)
        self.messageRaised.emit(title, text, level)

    def status(self, text: str, timeout_ms: int = 0) -> None:
        """Report a status-bar line (:attr:`statusReported`)."""
        self.statusReported.emit(text, timeout_ms)

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
        self.landscape_feed.settings_changed()
        self.announce_actions()

    @Slot()
    def follow_settings(self) -> None:
        """Take the settings of :attr:`settings_model` as the user's settings now (its
        loss, Huber delta and fit_bias decide the optimum shown even while another input is
        invalid)."""
        m = self.settings_model
        self.set_settings(m.settings, m.error, fit_bias=m.value("fit_bias"),
                          loss=m.value("loss"), huber_delta=m.value("huber_delta"))
        if self.model_switch.pending() is None:  # (a switch under way: once data follow)
            self._announce_model()

    def _announce_model(self) -> None:
        model = self.current_model
        if model != self._model_shown:
            self._model_shown = model
            self.modelChanged.emit(model)

    # ================================================================= the model
    @property
    def current_model(self) -> str:
        """The model trained now: ``"line"`` or ``"logistic"`` (the settings')."""
        return self.settings_model.value("model")

    def switch_model(self, model: str, quiet: bool = False) -> bool:
        """Switch to ``model`` (``"line"`` or ``"logistic"``); False if refused (the status
        bar says why: a lesson locks the model, a run or an import is under way).

        The one way to switch: the settings panel's model box comes here through the
        settings model. Data that the model cannot train on (logistic regression needs
        labels 0 or 1) make way for the data it had when it was left, or its default preset;
        going back to the line brings back the line's points (see
        :mod:`~gdstudio.ui.studio.model_switch`). A switch that replaces the data is one
        undoable edit ("Switch to logistic regression"); one that keeps them is a change of
        settings. The model's own loss comes with it. ``quiet``: the status bar says nothing
        of it (the window opening in its last model)."""
        if model not in MODELS:
            raise ValueError(f"Unknown model {model!r}; choose one of {', '.join(MODELS)}.")
        if model == self.current_model:
            return True
        if not (self.allowed("model") and self.allowed("replace")):
            return False
        try:
            data, said = self.model_switch.data_for(model)
        except DataError as exc:
            self.report("Cannot switch the model", str(exc))
            return False
        if data is None:
            self.settings_model.take_model(model, self.settings_model.loss_for(model))
        elif not self._push_switch(model, data, switch_text(model)):
            return False
        if not quiet:
            self.status(f"{MODEL_WORDS[model].capitalize()}: {said}"
                        + (" Undo (Ctrl+Z) switches back." if data is not None else ""),
                        10_000)
        return True

    def open_in_model(self, model: str, quiet: bool = False) -> None:
        """Open the studio in ``model`` (the command line's choice, or the model the window
        was left in, as it opens): at once when the data fit it; else once torch has loaded,
        as the model box would (the two classes are drawn with torch: not before the
        window's first frame). The last call wins; ``quiet`` as for :meth:`switch_model`."""
        if self._model_to_open is not None:  # (a later choice replaces the one waiting)
            self.torch_loading.torchLoaded.disconnect(self._on_torch_loading_torchLoaded)
            self._model_to_open = None
        if model == self.current_model:
            return
        if fits(model, self.dataset) or torch_loader.loaded():
            self.switch_model(model, quiet)
            return
        self._model_to_open = (model, quiet)
        self.torch_loading.torchLoaded.connect(self._on_torch_loading_torchLoaded)

    @Slot(object)
    def _on_torch_loading_torchLoaded(self, error) -> None:
        self.torch_loading.torchLoaded.disconnect(self._on_torch_loading_torchLoaded)
        waiting, self._model_to_open = self._model_to_open, None
        if error is None and waiting is not None:
            self.switch_model(*waiting)

    def _push_switch(self, model: str, data: Dataset, text: str) -> bool:
        """Switch to ``model`` with ``data`` as one undoable edit named ``text``."""
        loss = self.settings_model.loss_for(model)
        try:
            self.model.push(SwitchModel(data, model, loss, text, self.model_switch),
                            replaced=True)
        except DataError as exc:
            self.report("Cannot switch the model", str(exc))
            return False
        self.select_points(())
        return True

    def _open_preset_of(self, key: str) -> bool:
        """Open preset ``key`` of the other model: the model switches with it, as one
        undoable edit."""
        from gdstudio.core.data.presets import PRESETS, make
        from gdstudio.ui.threads.offload import call_off_gui_thread
        from gdstudio.ui.threads.torch_wait import wait_for_torch

        preset = PRESETS[key]
        if not (self.allowed("presets") and self.allowed("model")):
            return False
        problem = wait_for_torch()
        try:
            if problem:
                raise DataError(str(problem))
            data = call_off_gui_thread(make, key)
        except DataError as exc:
            self.report("Cannot open the preset", str(exc))
            return False
        if not self._push_switch(preset.model, data, f"Open preset {preset.title}"):
            return False
        self.status(f"{MODEL_WORDS[preset.model].capitalize()}, {preset.title}: "
                    f"{preset.description} Undo (Ctrl+Z) switches back.", 10_000)
        return True

    def _two_class_data(self) -> Dataset:
        """The default two-class data of logistic regression (drawn with torch, off the GUI
        thread); raises DataError."""
        from gdstudio.core.data.presets import make
        from gdstudio.ui.threads.offload import call_off_gui_thread
        from gdstudio.ui.threads.torch_wait import wait_for_torch

        problem = wait_for_torch()
        if problem:
            raise DataError(str(problem))
        return call_off_gui_thread(make, TWO_CLASS_PRESET)

    def start_parameters(self) -> tuple[float, float] | None:
        """The (w, b) a run with the current settings starts from (None if invalid)."""
        if self.settings is None:
            return None
        if None in (self.settings.init_w, self.settings.init_b) and not torch_loader.loaded():
            return None  # drawn with torch: shown once it has loaded (torchLoaded)
        key = (self.settings, self.model.dataset.dtype)
        if self._start_memo is not None and self._start_memo[0] == key:
            return self._start_memo[1]  # (the readout asks at every moment: drawn once)
        try:
            start = initial_parameters(self.settings, self.model.dataset.dtype)
        except (ValueError, StudioError):
            start = None
        self._start_memo = (key, start)
        return start

    def set_speed(self, seconds: float) -> None:
        """Seconds between epochs (0: as fast as possible), for this run and the next."""
        self.session.set_min_interval(seconds)

    # ================================================================= compare runs
    def keep_run(self) -> bool:
        """Keep the finished current run: its loss curve stays, in a colour of its own."""
        if not self.allowed("keep"):
            return False
        if self.current_summary is None or self._kept_current or self.session.active:
            return False
        if not self.session.history.count:
            self.status("A run with no epoch cannot be kept.", 5000)
            return False
        summary = self.current_summary
        key = self._next_key
        self._next_key += 1
        summary = dataclasses.replace(summary, name=f"run {key}")
        kept = KeptRun(key, summary, self.session.history.loss.copy(), "",
                       stale=self.stale, color=next_color(k.color for k in self.kept_runs),
                       w=self.session.history.w.copy(), b=self.session.history.b.copy(),
                       path=run_path(self.session).copy())
        self.kept_runs.append(kept)
        label_runs(self.kept_runs)
        self._kept_current = True
        self.keptRunsChanged.emit()
        self.announce_actions()
        return True

    def select_runs(self, keys) -> None:
        """The kept runs selected in a view (Remove removes them; views highlight them)."""
        selected = frozenset(keys) & {k.key for k in self.kept_runs}
        if selected != self.selected_runs:
            self.selected_runs = selected
            self.keptSelectionChanged.emit(selected)
        self.announce_actions()

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
        if not self.allowed("remove"):
            return
        keys = set(keys)
        self.kept_runs = [k for k in self.kept_runs if k.key not in keys]
        self.keptRunsChanged.emit()
        self.select_runs(self.selected_runs - keys)

    # ================================================================= export
    def can_export_parameters(self) -> bool:
        return self.exports.can_export_parameters()

    def export_parameters(self, path: str) -> bool:
        return self.allowed("export_params") and self.exports.export_parameters(path)

    def can_export_history(self) -> bool:
        return self.exports.can_export_history()

    def export_history(self, path: str) -> bool:
        """Start writing the history off the GUI thread (see :class:`RunExports`)."""
        return self.allowed("export_history") and self.exports.export_history(path)

    # ================================================================= editing
    def add_point(self, x: float, y: float) -> bool:
        return self.editing.add_point(x, y)

    def add_points(self, points: Dataset, text: str, way: str) -> bool:
        """Add ``points`` as one undoable edit named ``text``, made by ``way`` (``"spray"``,
        ``"paste_points"``)."""
        return self.editing.add_points(points, text, way)

    def move_point(self, index: int, x: float, y: float) -> bool:
        return self.editing.move_point(index, x, y)

    def delete_points(self, indices) -> bool:
        return self.editing.delete_points(indices)

    def delete_selected(self) -> bool:
        return bool(self.selected_points) and self.delete_points(self.selected_points)

    def select_points(self, indices) -> None:
        indices = tuple(indices)
        if indices != self.selected_points:
            self.selected_points = indices
            self.selectionChanged.emit(indices)
            self.announce_actions()

    def undo(self) -> None:
        """Undo the last edit (a switch of the model switches back: refused, and said,
        while the lesson locks the model)."""
        try:
            self.editing.undo()
        except DataError as exc:
            self.status(str(exc), 5000)

    def redo(self) -> None:
        try:
            self.editing.redo()
        except DataError as exc:
            self.status(str(exc), 5000)

    def clear(self) -> bool:
        return self.editing.clear()

    def generate(self, **values) -> bool:
        """Generate a noisy line with these values (the dialog's fields) as one edit."""
        return self.editing.generate(**values)

    def replace_data(self, dataset: Dataset, text: str, way: str = "replace") -> bool:
        """Replace the whole data set as one undoable edit named ``text`` (made by ``way``:
        see :meth:`edit_allowed`)."""
        return self.editing.replace_data(dataset, text, way)

    def import_csv(self, path: str) -> bool:
        """Load points from CSV as one undoable edit (see :meth:`DataEditing.import_csv`)."""
        return self.editing.import_csv(path)

    def cancel_import(self) -> None:
        self.editing.cancel_import()

    def save_data(self, path: str) -> bool:
        return self.allowed("save") and self.editing.save_data(path)

    def load_preset(self, key: str) -> bool:
        """Replace the data by preset ``key`` (:data:`gdstudio.core.data.presets.PRESETS`) as one
        undoable edit (made off the GUI thread: the noisy line is drawn with torch). A
        preset of the other model switches the model with it (one edit: see
        :meth:`switch_model`)."""
        from gdstudio.core.data.presets import PRESETS

        preset = PRESETS.get(key)
        if preset is not None and preset.model != self.current_model:
            return self._open_preset_of(key)
        return self.editing.load_preset(key)

    def update_optimum(self, edit: DataEdit | None = None) -> None:
        """The optimum and step-size guide of the current data and loss, computed again
        when they changed (see :meth:`NumbersFeed.update`)."""
        self.numbers_feed.update(edit)

    def wait_for_numbers(self, msecs: int = -1) -> bool:
        """Block until the exact numbers' helper thread is idle; for benchmarks and tests."""
        return self.numbers_feed.wait(msecs)

    @Slot(object)
    def _on_model_pointsChanged(self, edit: DataEdit) -> None:
        # A switch of the model (made, undone or redone): the model changes with the data,
        # in the order that never shows logistic regression other data than the labels it
        # came with, and the data is new as a whole (views fit their range to it).
        switching = self.model_switch.pending()
        if switching is not None and not edit.replaced:
            edit = dataclasses.replace(edit, replaced=True)
            self.status(f"{MODEL_WORDS[switching].capitalize()}, with its data.", 5000)
        n = len(edit.after)
        self.last_edit = edit
        if switching == "line":
            self.model_switch.take()
        self.landscape_feed.data_changed(edit)  # first: an edit of one point updates the
        self.update_optimum(edit)  # landscape's moments, which estimate the optimum of
        # large data meanwhile
        if switching is not None:
            self.model_switch.take()  # (to logistic regression: now that the labels are in)
            self._announce_model()
        if self.current_summary is not None and not self.stale:
            self.stale = True
            self.status("The data changed: F5 trains on it.", 5000)
        fresh = [k for k in self.kept_runs if not k.stale]
        for kept in fresh:
            kept.stale = True
        self.select_points(i for i in self.selected_points if i < n)
        try:
            self.dataChanged.emit(edit.replaced)
        finally:
            self.last_edit = None  # (not the data before it, kept alive)
        if fresh:
            self.keptRunsChanged.emit()
        # (the actions are announced once the undo stack has the edit: its indexChanged)

    # ================================================================= running
    def train(self, config: TrainConfig | None = None) -> bool:
        """Resume a paused run, or start one with ``config`` (default: the current
        settings); False if nothing started."""
        return self.allowed("train") and self.running.train(config)

    def continue_problem(self) -> str | None:
        """Why Continue cannot go on from the current run now (None: it can)."""
        return self.running.continue_problem()

    def continue_run(self, epochs: int | None = None, paused_steps: int | None = None) -> bool:
        """Train ``epochs`` more epochs of the ended run (see
        :meth:`RunRequests.continue_run`)."""
        return self.allowed("continue") and self.running.continue_run(epochs, paused_steps)

    def pause(self) -> None:
        if self.allowed("pause"):
            self.session.pause()

    def stop(self) -> None:
        if self.allowed("stop"):
            self.session.stop()

    def step(self) -> None:
        """One more epoch, then pause: of the paused run, or of a new one."""
        if self.allowed("step"):
            self.running.step()

    def reset(self) -> None:
        """Forget the current run (stopping it first)."""
        if self.allowed("reset"):
            self.running.reset()

    def run_began(self) -> None:
        """A run started or went on: it has no result yet, none kept, and trains on the data
        as it is now."""
        self.current_summary = None
        self._kept_current = False
        self.stale = False

    def _start_waiting_run(self, config, paused_steps) -> None:
        self.running.start(config, paused_steps)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Stop any run and any history export and wait for their threads; True if no
        training thread is left running."""
        stopped = self.session.shutdown(timeout_ms)
        self.exports.shutdown()
        self.csv_import.shutdown()
        self.landscape_feed.shutdown()
        self.numbers_feed.shutdown()
        return stopped
