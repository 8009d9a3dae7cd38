"""The main window: data, method and hyperparameter panels, live plots, runs, export."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..core import (
    Append,
    Clear,
    DataError,
    Dataset,
    Delete,
    Move,
    Replace,
    StudioError,
    initial_parameters,
    read_dataset,
    write_dataset,
)
from ..core.export import RunSummary
from . import numbers_view, settings_store
from .data_model import DataModel, announce_trimmed
from .dialogs import GenerateDialog, generate
from .exporting import CSV_FILTER, WindowExports
from .memory import apply_epoch_cap
from .plots import DataPlot, LossPlot
from .settings_panel import SettingsPanel
from .start_checks import show_start_problem, start_problem
from .training import TrainingSession

#: The loss curve, readout and progress bar update at most this often while training
#: (seconds); the fit line moves with every batch of epochs (at most 30 a second, see
#: training.EMIT_INTERVAL), which looks live and leaves the training thread most of the
#: interpreter (see README, Speed).
SLOW_UPDATE = 0.1
SPEEDS = [
    ("As fast as possible", 0.0),
    ("200 epochs/s", 1 / 200),
    ("50 epochs/s", 1 / 50),
    ("10 epochs/s", 1 / 10),
    ("5 epochs/s", 1 / 5),
    ("2 epochs/s", 1 / 2),
    ("1 epoch/s", 1.0),
]


@dataclass
class KeptRun:
    key: int
    summary: RunSummary
    loss: np.ndarray
    label: str


def resource_path(name: str) -> Path | None:
    """A file from ``resources/`` (installed as ``gdstudio/resources``), or None."""
    here = Path(__file__).resolve().parent.parent
    for folder in (here / "resources", here.parent / "resources"):
        if (folder / name).is_file():
            return folder / name
    return None


class MainWindow(QMainWindow):
    """Gradient Descent Studio's main window.

    ``settings`` defaults to the user's QSettings store; tests pass their own.
    """

    def __init__(self, dataset: Dataset | None = None, settings: QSettings | None = None):
        super().__init__()
        self.setWindowTitle("Gradient Descent Studio")
        icon = resource_path("gdstudio.png")
        if icon is not None:
            self.setWindowIcon(QIcon(str(icon)))
        self.settings = settings if settings is not None else QSettings()
        self.model = DataModel(dataset, self)
        self.session = TrainingSession(self)
        self.exports = WindowExports(self)
        self.kept_runs: list[KeptRun] = []
        self.current_summary: RunSummary | None = None
        self.last_message: tuple[str, str] | None = None
        self._boxes: list[QMessageBox] = []
        self._next_key = 1
        self._last_slow = 0.0
        self._kept_current = False
        self._generate_values: dict = {}
        self._last_dir = ""
        self._stale_run = False
        self.optimum = self.optima = None  # see numbers_view

        self._build_plots()
        self._build_panels()
        apply_epoch_cap(self.panel.epochs)
        self._build_actions()
        self._build_menus_and_toolbar()
        self._build_status_bar()

        self.model.pointsChanged.connect(self._on_model_pointsChanged)
        self.model.undo_stack.indexChanged.connect(self._update_actions)
        self.model.undo_stack.trimmed.connect(
            lambda n: announce_trimmed(self.statusBar(), self.model.undo_stack, n))
        self.session.stateChanged.connect(self._on_session_stateChanged)
        self.session.epochsAppended.connect(self._on_session_epochsAppended)
        self.session.trainingFinished.connect(self._on_session_trainingFinished)
        self.panel.settingsChanged.connect(self._on_panel_settingsChanged)
        self.plot.addRequested.connect(self._on_plot_addRequested)
        self.plot.moveRequested.connect(self._on_plot_moveRequested)
        self.plot.deleteRequested.connect(self._on_plot_deleteRequested)
        self.plot.selectionChanged.connect(self._update_actions)


        self.resize(1280, 800)
        self._restore_settings()
        self._set_progress(0, self.panel.epochs.value())
        self._on_model_pointsChanged(autorange=True)
        self._update_actions()

    # ================================================================= building
    def _build_plots(self) -> None:
        self.plot = DataPlot()
        self.loss_plot = LossPlot()
        self.readout = QLabel()
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setStyleSheet("font-family: monospace; font-size: 10pt; padding: 4px;")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.readout.setWordWrap(True)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.plot)
        splitter.addWidget(self.loss_plot)
        splitter.setSizes([560, 560])
        self.splitter = splitter
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.readout)
        self.setCentralWidget(central)

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_panels(self) -> None:
        data = QWidget()
        grid = QGridLayout(data)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("font-weight: bold;")
        grid.addWidget(self.count_label, 0, 0, 1, 2)
        hint = QLabel("Click: add · drag: move · right-click: delete · Shift-click: select")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        grid.addWidget(hint, 1, 0, 1, 2)
        self.btn_generate = QPushButton("Generate noisy line…")
        self.btn_clear = QPushButton("Clear")
        self.btn_import = QPushButton("Import CSV…")
        self.btn_save = QPushButton("Save data as CSV…")
        self.btn_undo = QPushButton("Undo")
        self.btn_redo = QPushButton("Redo")
        for i, b in enumerate((self.btn_generate, self.btn_clear, self.btn_import,
                               self.btn_save, self.btn_undo, self.btn_redo)):
            grid.addWidget(b, 2 + i // 2, i % 2)
        self.show_optimum = QCheckBox("Show least-squares line")
        self.show_optimum.setChecked(True)
        grid.addWidget(self.show_optimum, 5, 0, 1, 2)
        grid.setRowStretch(6, 1)
        self.data_dock = self._dock("Data", "dataDock", data, Qt.DockWidgetArea.LeftDockWidgetArea)

        self.panel = SettingsPanel()
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(340)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.settings_dock = self._dock("Training", "trainingDock", scroll,
                                        Qt.DockWidgetArea.LeftDockWidgetArea)

        runs = QWidget()
        v = QVBoxLayout(runs)
        self.runs_list = QListWidget()
        self.runs_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.runs_list.setWordWrap(True)
        v.addWidget(self.runs_list, 1)
        row = QHBoxLayout()
        self.btn_keep = QPushButton("Keep run")
        self.btn_remove = QPushButton("Remove")
        row.addWidget(self.btn_keep)
        row.addWidget(self.btn_remove)
        v.addLayout(row)
        runs.setMinimumWidth(200)
        runs.setMaximumWidth(250)
        self.runs_dock = self._dock("Compare runs", "runsDock", runs,
                                    Qt.DockWidgetArea.RightDockWidgetArea)
        self.runs_list.itemSelectionChanged.connect(self._update_actions)

    def _action(self, text, slot, shortcut=None, tip=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, (list, tuple)):
                action.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.act_import = a("&Import CSV…", self.import_csv, "Ctrl+O", "Load x,y points")
        self.act_save = a("&Save data as CSV…", self.save_data, "Ctrl+S", "Save the points")
        self.act_export_params = a("&Export parameters…", self.export_parameters, "Ctrl+E",
                                   "Learned w, b, loss and settings, one row per run")
        self.act_export_history = a("Export &history…", self.export_history, "Ctrl+Shift+E",
                                    "epoch, loss, w, b of the current run")
        self.act_quit = a("&Quit", self.close, "Ctrl+Q")
        self.act_undo = a("&Undo", self.undo, "Ctrl+Z")
        self.act_redo = a("&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.act_delete = a("&Delete selected points", self.delete_selected,
                            [QKeySequence.StandardKey.Delete, "Backspace"])
        self.act_generate = a("&Generate noisy line…", self.generate_dialog, "Ctrl+G")
        self.act_clear = a("&Clear points", self.clear_points, "Ctrl+Shift+Del")
        self.act_train = a("&Train", self.train_or_resume, "F5", "Start, or resume a paused run")
        self.act_pause = a("&Pause", self.pause, "F6")
        self.act_stop = a("&Stop", self.stop, "Shift+F5")
        self.act_step = a("Step one &epoch", self.step, "F10")
        self.act_reset = a("&Reset", self.reset, "Ctrl+R", "Forget the current run")
        self.act_keep = a("&Keep run for comparison", self.keep_run, "Ctrl+K")
        self.act_remove = a("Remove &kept run", self.remove_selected_runs)
        self.act_log = a("&Log-scale loss", self._on_log_toggled, "Ctrl+L")
        self.act_log.setCheckable(True)
        self.act_optimum = a("Show &least-squares line", self._on_optimum_toggled)
        self.act_optimum.setCheckable(True)
        self.act_optimum.setChecked(True)
        self.act_shortcuts = a("&Keyboard shortcuts", self.show_shortcuts, "F1")
        self.act_about = a("&About", self.show_about)
        self.btn_generate.clicked.connect(self.generate_dialog)
        self.btn_clear.clicked.connect(self.clear_points)
        self.btn_import.clicked.connect(self.import_csv)
        self.btn_save.clicked.connect(self.save_data)
        self.btn_undo.clicked.connect(self.undo)
        self.btn_redo.clicked.connect(self.redo)
        self.btn_keep.clicked.connect(self.keep_run)
        self.btn_remove.clicked.connect(self.remove_selected_runs)
        self.show_optimum.toggled.connect(self.act_optimum.setChecked)
        self.act_optimum.toggled.connect(self.show_optimum.setChecked)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("&File")
        for act in (self.act_import, self.act_save, None, self.act_export_params,
                    self.act_export_history, None, self.act_quit):
            m.addSeparator() if act is None else m.addAction(act)
        m = bar.addMenu("&Edit")
        for act in (self.act_undo, self.act_redo, None, self.act_delete, self.act_generate,
                    self.act_clear):
            m.addSeparator() if act is None else m.addAction(act)
        m = bar.addMenu("&Run")
        for act in (self.act_train, self.act_pause, self.act_stop, self.act_step,
                    self.act_reset, None, self.act_keep, self.act_remove):
            m.addSeparator() if act is None else m.addAction(act)
        m = bar.addMenu("&View")
        m.addAction(self.act_log)
        m.addAction(self.act_optimum)
        m.addSeparator()
        for dock in (self.data_dock, self.settings_dock, self.runs_dock):
            m.addAction(dock.toggleViewAction())
        m = bar.addMenu("&Help")
        m.addAction(self.act_shortcuts)
        m.addAction(self.act_about)

        tb = QToolBar("Run")
        tb.setObjectName("runToolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for act in (self.act_train, self.act_pause, self.act_stop, self.act_step,
                    self.act_reset):
            tb.addAction(act)
        tb.addSeparator()
        tb.addWidget(QLabel(" Speed "))
        self.speed = QComboBox()
        for label, seconds in SPEEDS:
            self.speed.addItem(label, seconds)
        self.speed.currentIndexChanged.connect(self._on_speed_currentIndexChanged)
        tb.addWidget(self.speed)
        tb.addSeparator()
        tb.addAction(self.act_keep)
        tb.addAction(self.act_log)
        self.addToolBar(tb)
        self.toolbar = tb

    def _build_status_bar(self) -> None:
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setFormat("%v / %m epochs")
        self._set_progress(0, self.panel.epochs.value())
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().showMessage("Ready: press F5 to train.")

    # ================================================================= data edits
    def _edit_allowed(self) -> bool:
        if self.session.active:
            self.statusBar().showMessage(
                "The data is locked while training runs: stop it (Shift+F5) to edit.", 5000)
            return False
        return True

    def _push(self, command) -> bool:
        if not self._edit_allowed():
            return False
        try:
            self.model.push(command)
        except DataError as exc:
            self._message("Cannot edit the data", str(exc))
            return False
        return True

    @Slot(float, float)
    def _on_plot_addRequested(self, x: float, y: float) -> None:
        if self._push(Append(x, y)):
            self.statusBar().showMessage(f"Added ({x:.4g}, {y:.4g}).", 3000)

    @Slot(int, float, float)
    def _on_plot_moveRequested(self, index: int, x: float, y: float) -> None:
        if not self._push(Move(index, x, y)):
            self.plot.set_points(self.model.dataset.x, self.model.dataset.y)

    @Slot(object)
    def _on_plot_deleteRequested(self, indices) -> None:
        if self._push(Delete(tuple(indices))):
            self.plot.set_selection(())

    def delete_selected(self) -> None:
        if self.plot.selection:
            self._on_plot_deleteRequested(self.plot.selection)

    def undo(self) -> None:
        if self._edit_allowed():
            self.model.undo_stack.undo()

    def redo(self) -> None:
        if self._edit_allowed():
            self.model.undo_stack.redo()

    def clear_points(self) -> None:
        if len(self.model.dataset):
            self._push(Clear(self.model.dataset.dtype))

    def generate_dialog(self) -> None:
        if not self._edit_allowed():
            return
        dialog = GenerateDialog(self, self._generate_values)
        if dialog.exec() and dialog.result_dataset is not None:
            self._generate_values = dialog.values()
            self._replace(dialog.result_dataset, "Generate noisy line")

    def generate(self, **values) -> bool:
        """Generate a noisy line with these values (the dialog's fields) as one edit."""
        v = {"slope": -5.0, "intercept": 0.0, "noise": 0.4, "x_min": -5.0, "x_max": 5.0,
             "x_step": 0.1, "n": 100, "seed": 0, "random_x": False, **values}
        try:
            dataset = generate(v)
        except DataError as exc:
            self._message("Cannot generate", str(exc))
            return False
        return self._replace(dataset, "Generate noisy line")

    def _replace(self, dataset: Dataset, text: str) -> bool:
        ok = self._push(Replace(dataset, text))
        if ok:
            self.plot.set_selection(())
            self.plot.set_points(dataset.x, dataset.y, autorange=True)
        return ok

    def import_csv(self, path: str | None = None) -> bool:
        """Load points from CSV (asks for the file when ``path`` is None); undoable."""
        if not self._edit_allowed():
            return False
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Import CSV", self._last_dir,
                                                  CSV_FILTER)
            if not path:
                return False
        try:
            dataset = read_dataset(path)
        except DataError as exc:
            self._message("Cannot import the CSV file", f"{exc}\n\nThe data was not changed.")
            return False
        self._last_dir = str(Path(path).parent)
        if self._replace(dataset, f"Import {Path(path).name}"):
            self.statusBar().showMessage(f"Imported {len(dataset):,} points from {path}.", 5000)
            return True
        return False

    def save_data(self, path: str | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save data as CSV",
                                                  self.exports.default_path("data.csv"), CSV_FILTER)
            if not path:
                return False
        try:
            write_dataset(path, self.model.dataset)
        except StudioError as exc:
            self._message("Cannot save the data", str(exc))
            return False
        self.statusBar().showMessage(f"Saved {len(self.model.dataset):,} points to {path}.",
                                     5000)
        return True

    @Slot()
    def _on_model_pointsChanged(self, autorange: bool = False) -> None:
        d = self.model.dataset
        self.plot.set_points(d.x, d.y, autorange=autorange)
        n = len(d)
        shown = self.plot.shown_count
        extra = f" (showing {shown:,})" if shown < n else ""
        self.count_label.setText(f"{n:,} point{'s' if n != 1 else ''}{extra}")
        self._update_optimum()
        if self.current_summary is not None and not self._stale_run:
            self._stale_run = True
            self.statusBar().showMessage("The data changed: F5 trains on it.", 5000)
        if not self.session.history.count:
            self._show_start_line()
        self._update_readout()
        self._update_actions()

    # ================================================================= training
    def train_or_resume(self) -> bool:
        if self.session.state == "paused":
            self.session.resume()
            return True
        if self.session.state == "running":
            return False
        return self._start()

    def _start(self, paused_steps: int | None = None) -> bool:
        try:
            config = self.panel.config()
        except ValueError as exc:
            self._message("Check the settings", str(exc))
            return False
        problem = start_problem(config, self.model.dataset)
        if problem:
            show_start_problem(self, problem)
            return False
        try:
            self.session.start(self.model.dataset, config, paused_steps=paused_steps)
        except StudioError as exc:
            self._message("Cannot train", str(exc))
            return False
        self.current_summary = None
        self._kept_current = False
        self.loss_plot.set_current(np.empty(0), reset=True)
        self.loss_plot.begin_run(config.epochs)
        self._stale_run = False
        self._set_progress(0, config.epochs)
        self.plot.set_fit(*self.session.init)
        self.statusBar().showMessage(f"Training: {config.describe()}…")
        return True

    def pause(self) -> None:
        self.session.pause()

    def stop(self) -> None:
        self.session.stop()

    def step(self) -> None:
        if self.session.state == "paused":
            self.session.step(1)
        elif self.session.state == "idle":
            self._start(paused_steps=1)

    def reset(self) -> None:
        self.session.reset()
        self.loss_plot.end_run()
        self.current_summary = None
        self.loss_plot.set_current(np.empty(0))
        self._set_progress(0, self.panel.epochs.value())
        self._show_start_line()
        self._update_readout()
        self._update_actions()
        self.statusBar().showMessage("Reset.", 3000)

    def _show_start_line(self) -> None:
        try:
            config = self.panel.config()
            self.plot.set_fit(*initial_parameters(config, self.model.dataset.dtype))
        except (ValueError, StudioError):
            self.plot.set_fit(None)

    @Slot(int)
    def _on_session_epochsAppended(self, count: int) -> None:
        self._redraw(full=False)

    def _redraw(self, full: bool = True) -> None:
        """Show the newest epochs: the fit line for every batch; the loss curve, readout and
        progress bar (numbers nobody reads at 30 a second) every :data:`SLOW_UPDATE` seconds,
        and all of them when ``full``."""
        h = self.session.history
        if h.count:
            self.plot.set_fit(float(h.w[-1]), float(h.b[-1]), exact=full)
        now = time.monotonic()
        if full or now - self._last_slow >= SLOW_UPDATE:
            self._last_slow = now
            if h.count:
                self.loss_plot.set_current(h.loss)
            total = self.session.config.epochs if self.session.config else 0
            self._set_progress(h.count, total)
            self._update_readout()

    @Slot(str)
    def _on_session_stateChanged(self, state: str) -> None:
        if state == "paused":
            self._redraw()  # everything up to date while the user looks
            self.statusBar().showMessage(
                f"Paused after epoch {self.session.history.count}: F5 resumes, F10 steps.")
        elif state == "running" and self.session.history.count:
            self.statusBar().showMessage("Training…")
        self._update_actions()

    @Slot(str, object)
    def _on_session_trainingFinished(self, status: str, detail) -> None:
        self._redraw()
        self.loss_plot.end_run()
        s = self.session
        diverged = detail if status == "diverged" else None
        self.current_summary = s.summary
        epochs = s.history.count
        if status == "done":
            summary = self.current_summary
            grew = (epochs > 1 and summary.loss != ""
                    and summary.loss > 10 * float(s.history.loss[0]))
            if grew:
                self.statusBar().showMessage(
                    f"Done, but the loss grew from {float(s.history.loss[0]):.4g} to "
                    f"{summary.loss:.4g}: the learning rate is too large for this method "
                    f"(see the stable bound).")
            else:
                self.statusBar().showMessage(
                    f"Done: {epochs} epochs; w={summary.w:.6g}, b={summary.b:.6g}. "
                    "Ctrl+K keeps the run for comparison.")
        elif status == "stopped":
            self.statusBar().showMessage(f"Stopped after {epochs} epochs.")
        elif status == "diverged":
            self.plot.set_fit(diverged.w, diverged.b)
            self.statusBar().showMessage(f"Diverged in {diverged.where}.")
            self._message("Training diverged", str(diverged), QMessageBox.Icon.Warning)
        else:
            self.statusBar().showMessage("Training failed.")
            self._message("Training failed", str(detail), QMessageBox.Icon.Critical)
        self._update_readout()
        self._update_actions()

    @Slot(int)
    def _on_speed_currentIndexChanged(self, index: int) -> None:
        self.session.set_min_interval(float(self.speed.itemData(index)))

    @Slot()
    def _on_panel_settingsChanged(self) -> None:
        self._update_optimum()  # when the fit or the loss changed
        if self.session.state == "idle" and not self.session.history.count:
            self._show_start_line()
            self._set_progress(0, self.panel.epochs.value())
        self._update_readout()
        self._update_actions()

    def _set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.progress.setFormat(f"{done:,} / {total:,} epochs")

    def _update_optimum(self) -> None:
        """The optimum and the step-size guide of the current data (see numbers_view)."""
        numbers_view.update_optimum(self)

    def _update_readout(self) -> None:
        def pair(name, value):  # a label and its value never wrap apart
            return f"{name}\u00a0{value}"

        h = self.session.history
        total = self.session.config.epochs if self.session.config else None
        summary = self.current_summary
        if summary is not None and not self.session.active:
            loss = "overflows" if summary.loss == "" else f"{summary.loss:.6g}"
            detail = self.session.detail
            if summary.status == "diverged" and detail is not None:
                head = f"diverged in {detail.where}; kept:".replace(" ", "\u00a0")
            else:
                head = f"{summary.status}\u00a0after\u00a0{summary.epochs_done:,}\u00a0epochs:"
            if self._stale_run:
                head = "previous data, " + head
            text = "   ".join([head, pair("w", f"{summary.w:.6g}"), pair("b", f"{summary.b:.6g}"),
                               pair("loss", loss)])
        elif h.count:
            last = h.last()
            epoch = f"{last.epoch + 1:,}" + (f"/{total:,}" if total else "")
            text = "   ".join([pair("epoch", epoch), pair("w", f"{last.w:.6g}"),
                               pair("b", f"{last.b:.6g}"),
                               pair("(loss\u00a0at\u00a0its\u00a0start", f"{last.loss:.6g})")])
        else:
            text = "not\u00a0trained\u00a0yet"
        self.readout.setText(text + numbers_view.readout_tail(self))

    # ================================================================= compare runs
    def keep_run(self) -> bool:
        """Keep the finished current run: its loss curve stays, with a legend entry."""
        if self.current_summary is None or self._kept_current or self.session.active:
            return False
        summary = self.current_summary
        label = summary.config.short_label()
        key = self._next_key
        self._next_key += 1
        summary = dataclasses.replace(summary, name=f"run {key}")
        kept = KeptRun(key, summary, self.session.history.loss.copy(), f"#{key} {label}")
        self.kept_runs.append(kept)
        self.loss_plot.add_kept(key, kept.loss, kept.label, len(self.kept_runs) - 1)
        item = QListWidgetItem(
            f"#{key} {label}\nw={summary.w:.5g}, b={summary.b:.5g}, {summary.status}")
        item.setToolTip(f"#{key} {label}\nw={summary.w!r}\nb={summary.b!r}\n"
                        f"loss={summary.loss!r}\n{summary.epochs_done} epochs, {summary.status}")
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.runs_list.addItem(item)
        self._kept_current = True
        self._update_actions()
        return True

    def remove_selected_runs(self) -> None:
        keys = {it.data(Qt.ItemDataRole.UserRole) for it in self.runs_list.selectedItems()}
        self.remove_runs(keys)

    def remove_runs(self, keys) -> None:
        keys = set(keys)
        for i in reversed(range(self.runs_list.count())):
            if self.runs_list.item(i).data(Qt.ItemDataRole.UserRole) in keys:
                self.runs_list.takeItem(i)
        for key in keys:
            self.loss_plot.remove_kept(key)
        self.kept_runs = [k for k in self.kept_runs if k.key not in keys]
        self._update_actions()

    # ================================================================= export
    def export_parameters(self, path: str | None = None) -> bool:
        return self.exports.export_parameters(path)

    def export_history(self, path: str | None = None) -> bool:
        """Start writing the history off the GUI thread (see :class:`WindowExports`)."""
        return self.exports.export_history(path)

    # ================================================================= view
    def _on_log_toggled(self, on: bool) -> None:
        self.loss_plot.set_log(on)

    def _on_optimum_toggled(self, on: bool) -> None:
        self.plot.set_optimum_visible(on)

    def show_shortcuts(self) -> None:
        lines = []
        for act in self.findChildren(QAction):
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                             for k in act.shortcuts())
            if keys and act.text():
                lines.append(f"{act.text().replace('&', '')}: {keys}")
        self._message("Keyboard shortcuts", "\n".join(sorted(lines)),
                      QMessageBox.Icon.Information)

    def show_about(self) -> None:
        from .. import __version__

        self._message("About Gradient Descent Studio",
                      f"Gradient Descent Studio {__version__}\nWatch gradient descent fit a "
                      "line, with PyTorch.", QMessageBox.Icon.Information)

    def _update_actions(self, *_) -> None:
        state = self.session.state
        active = state in ("running", "paused")
        valid = not self.panel.errors() and len(self.model.dataset) > 0
        self.act_train.setEnabled(state == "paused" or (state == "idle" and valid))
        self.act_train.setText("&Resume" if state == "paused" else "&Train")
        self.act_pause.setEnabled(state == "running")
        self.act_stop.setEnabled(active)
        self.act_step.setEnabled(state == "paused" or (state == "idle" and valid))
        self.act_reset.setEnabled(active or self.session.history.count > 0)
        for act in (self.act_import, self.act_generate, self.act_clear, self.act_delete):
            act.setEnabled(not active)
        stack = self.model.undo_stack
        self.act_undo.setEnabled(not active and stack.canUndo())
        self.act_redo.setEnabled(not active and stack.canRedo())
        self.act_undo.setText(f"&Undo {stack.undoText()}".rstrip())
        self.act_redo.setText(f"&Redo {stack.redoText()}".rstrip())
        self.act_delete.setEnabled(not active and bool(self.plot.selection))
        for button, act in ((self.btn_generate, self.act_generate),
                            (self.btn_clear, self.act_clear), (self.btn_import, self.act_import),
                            (self.btn_undo, self.act_undo), (self.btn_redo, self.act_redo)):
            button.setEnabled(act.isEnabled())
        can_keep = (not active and self.current_summary is not None
                    and not self._kept_current)
        self.act_keep.setEnabled(can_keep)
        self.btn_keep.setEnabled(can_keep)
        has_sel = bool(self.runs_list.selectedItems())
        self.act_remove.setEnabled(has_sel)
        self.btn_remove.setEnabled(has_sel)
        self.act_export_params.setEnabled(bool(self.kept_runs) or self.current_summary
                                          is not None)
        self.act_export_history.setEnabled(not active and self.session.history.count > 0
                                           and not self.exports.busy)
        self.panel.setEnabled(not active)

    def _message(self, title: str, text: str, icon=QMessageBox.Icon.Warning) -> None:
        """Show a message without blocking (the window stays live); remembered for tests."""
        self.last_message = (title, text)
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda *_: self._boxes.remove(box) if box in self._boxes else None)
        self._boxes.append(box)
        box.open()

    # ================================================================= settings
    def _restore_settings(self) -> None:
        settings_store.restore(self)

    def save_settings(self) -> None:
        settings_store.save(self)

    def closeEvent(self, event):
        # The engine checks its stop flag between updates, so this is quick; the bound keeps
        # closing prompt even if the machine is busy.
        self.session.shutdown(700)
        self.exports.shutdown()
        self.save_settings()
        for box in list(self._boxes):
            box.close()
        super().closeEvent(event)

