"""The main window: lays out the panels, plots and actions, and wires them to the controller.

Requests go from the widgets to the :class:`StudioController` (file dialogs are asked here
first); the controller's facts come back as signals, and the slots here only draw them. The
window holds no state of its own: the training settings are the controller's settings model
(the settings panel is its view), the view options its view model (the View menu's checkable
actions, the residuals menu, the speed box and presentation mode are their views).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QRect, QSettings, Qt, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.view_description import VIEW_BY_NAME, VIEW_OPTIONS
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.classroom.classroom_tools import Classroom
from gdstudio.ui.classroom.presentation import Presentation
from gdstudio.ui.classroom.status_room import StatusRoom
from gdstudio.ui.exports.figure_export import FigureExport
from gdstudio.ui.exports.notebook_export import NotebookExport
from gdstudio.ui.exports.script_view import ScriptViews
from gdstudio.ui.help.context_help import GuideHelp
from gdstudio.ui.panels.compare_list import CompareView
from gdstudio.ui.panels.generator_dialog import GenerateDialog, TwoClassDialog
from gdstudio.ui.sessions.session_files import SessionFiles
from gdstudio.ui.studio.action_state import LOCKED_BY, MessageLevel, disabled_reasons
from gdstudio.ui.studio.controller import StudioController
from gdstudio.ui.studio.data_model import announce_trimmed
from gdstudio.ui.studio.start_checks import show_start_problem
from gdstudio.ui.views.landscape_view import LandscapeView
from gdstudio.ui.views.line_views import LineViews
from gdstudio.ui.views.run_view import RunView
from gdstudio.ui.views.training_extras import TrainingExtras
from gdstudio.ui.window import actions, settings_store, window_build
from gdstudio.ui.window.actions import (
    bind_button,
    build_actions,
    disabled_shortcut,
    shortcut_lines,
)
from gdstudio.ui.window.file_requests import FileRequests
from gdstudio.ui.window.messages import MessageBoxes
from gdstudio.ui.window.presets_menu import build_presets_menu
from gdstudio.ui.window.window_fit import fitting_geometry


def resource_path(name: str) -> Path | None:
    """A file from ``resources/`` (installed as ``gdstudio/resources``), or None."""
    here = Path(__file__).resolve().parents[2]
    for folder in (here / "resources", here.parent / "resources"):
        if (folder / name).is_file():
            return folder / name
    return None


class MainWindow(QMainWindow):
    """Gradient Descent Studio's main window.

    ``settings`` defaults to the user's QSettings store; tests pass their own. It opens in
    the model it was left in (see :func:`gdstudio.ui.window.settings_store.restore_models`).
    """

    def __init__(self, dataset: Dataset | None = None, settings: QSettings | None = None):
        super().__init__()
        self.setWindowTitle("Gradient Descent Studio")
        icon = resource_path("gdstudio.png")
        if icon is not None:
            self.setWindowIcon(QIcon(str(icon)))
        self.settings = settings if settings is not None else QSettings()
        self.controller = StudioController(dataset, self)
        self.messages = MessageBoxes(self)
        self.files = FileRequests(self.controller, self)
        self._generate_values: dict = {}  # by model
        self._actions_shown = None  # what _apply_actions last showed

        window_build.build_plots(self)
        window_build.build_panels(self)
        self._build_actions()
        window_build.build_toolbar(self)
        window_build.build_status_bar(self)
        settings = self.controller.settings_model
        self.run_view = RunView(self.controller, self.plot, self.loss_plot, self.progress,
                                self.readout, lambda: settings.value("epochs"), self)
        self._wire()
        self.line_views = LineViews(self)  # timeline, residuals, your line
        self.presets_menu = build_presets_menu(self.menuBar(), self.controller)
        self.classroom = Classroom(self)  # paste, spray brush, predict mode
        self.figure_export = FigureExport(self)
        self.actions_by_name["export_figure"].triggered.connect(
            lambda *_: self.figure_export.ask())
        self.script_views = ScriptViews(self)  # View ▸ PyTorch code, File ▸ Export script
        self.notebook_export = NotebookExport(self)  # File ▸ Export notebook
        self.training_extras = TrainingExtras(self)  # Continue, the learning-rate curve
        self.guide_help = GuideHelp(self)  # Help ▸ User guide (F1), a panel's section (Shift+F1)

        self.fit_to_screen()
        self._restore_settings()
        for name, value in self.controller.view_options.values().items():
            self._on_view_options_changed(name, value)
        self.controller.follow_settings()
        self.run_view.show_idle()
        self._on_controller_optimumChanged()
        self._on_controller_dataChanged(True)
        self._on_controller_modelChanged(self.controller.current_model)
        self._apply_actions(self.controller.enabled_actions())
        self.session_files = SessionFiles(self)  # sessions, lessons, recovery (last: clean)
        # In presentation mode, the settings a lesson leaves open stay on screen
        lesson_view = self.session_files.lesson_view
        self.presentation.keep_settings(self.settings_dock, self.panel,
                                        lesson_view.open_settings)
        lesson_view.changed.connect(self.presentation.update_kept)

    # ================================================================= building
    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        return window_build.add_dock(self, title, name, widget, area)

    def _build_actions(self) -> None:
        self.actions_by_name = build_actions(self)
        for name, action in self.actions_by_name.items():
            setattr(self, f"act_{name}", action)
        c = self.controller
        slots = {
            "import": self.files.import_csv, "save": self.files.save_data,
            "export_params": self.files.export_parameters,
            "export_history": self.files.export_history,
            "quit": self.close, "undo": c.undo, "redo": c.redo, "delete": c.delete_selected,
            "generate": self.generate_dialog, "clear": c.clear, "train": c.train,
            "pause": c.pause, "stop": c.stop, "step": c.step, "reset": c.reset,
            "keep": c.keep_run, "remove": c.remove_selected_runs,
            "shortcuts": self.show_shortcuts, "about": self.show_about,
        }
        for name, slot in slots.items():
            self.actions_by_name[name].triggered.connect(lambda *_, slot=slot: slot())
        self.act_fit_view.triggered.connect(self.fit_views)
        self.presentation = Presentation(self, (self.plot, self.landscape_plot, self.loss_plot),
                                         self.readout)
        self.presentation.bind(self.act_leave_presentation)  # (F11: the view option)
        self.status_room = StatusRoom(self)  # the status message readable when presenting
        for panel in (self.data_panel, self.runs_panel, self.train_strip):
            for name, button in panel.buttons().items():
                bind_button(button, self.actions_by_name[name])
        self.show_optimum.toggled.connect(self.act_optimum.setChecked)
        self.act_optimum.toggled.connect(self.show_optimum.setChecked)
        actions.build_menus(self.menuBar(), self.actions_by_name,
                    (self.data_dock, self.settings_dock, self.runs_dock))

    def _wire(self) -> None:
        c = self.controller
        c.dataChanged.connect(self._on_controller_dataChanged)
        c.optimumChanged.connect(self._on_controller_optimumChanged)
        c.selectionChanged.connect(self.plot.set_selection)
        self.compare_view = CompareView(c, self.runs_panel, self.loss_plot, self.plot, self)
        self.landscape_view = LandscapeView(c, self.landscape_plot, self.panel,
                                            self.actions_by_name, self)
        self._kept_count = 0
        c.keptRunsChanged.connect(self._on_controller_keptRunsChanged)
        c.actionsChanged.connect(self._apply_actions)
        c.messageRaised.connect(self.show_message)
        c.statusReported.connect(self.statusBar().showMessage)
        c.undoTrimmed.connect(
            lambda n: announce_trimmed(self.statusBar(), self.controller.model.undo_stack, n))
        c.startRefused.connect(lambda message: show_start_problem(self, message))
        c.settings_model.settingsChanged.connect(self.run_view.show_idle)
        c.modelChanged.connect(self._on_controller_modelChanged)
        self.plot.addRequested.connect(c.add_point)
        self.plot.moveRequested.connect(self._on_plot_moveRequested)
        self.plot.deleteRequested.connect(c.delete_points)
        self.plot.selectionChanged.connect(c.select_points)
        self._bind_view_options()

    def _bind_view_options(self) -> None:
        """The View menu's checkable actions and the speed box show the view options and
        change them (the residuals menu is the line views'); a change the view options
        refuse (a lesson locks it) puts the control back. Presentation mode follows its
        option, and the option follows the mode (Esc leaves it)."""
        view = self.controller.view_options
        for option in VIEW_OPTIONS:
            action = self.actions_by_name.get(option.control)
            if option.kind == "bool" and action is not None:
                action.setChecked(view.value(option.name))
                action.toggled.connect(
                    lambda _on, name=option.name, action=action: view.set(
                        name, action.isChecked()) or action.setChecked(view.value(name)))
        self.speed.setCurrentIndex(view.value("speed"))
        self.speed.currentIndexChanged.connect(
            lambda index: view.set("speed", index) or self.speed.setCurrentIndex(
                view.value("speed")))
        view.changed.connect(self._on_view_options_changed)
        self.presentation.toggled.connect(lambda on: view.restore({"presentation": on}))

    # ================================================================= requests
    def generate_dialog(self) -> None:
        """Edit ▸ Generate: the noisy line, or two classes for logistic regression (each
        dialog opens with the values it was last accepted with)."""
        if not self.controller.edit_allowed("generate"):
            return
        model = self.controller.current_model
        logistic = model == "logistic"
        kind, text = ((TwoClassDialog, TwoClassDialog.TEXT) if logistic
                      else (GenerateDialog, "Generate noisy line"))
        dialog = kind(self, self._generate_values.get(model))
        if dialog.exec() and dialog.result_dataset is not None:
            self._generate_values[model] = dialog.values()
            self.controller.replace_data(dialog.result_dataset, text, "generate")

    def keyPressEvent(self, event) -> None:
        """The shortcut of an action that a lock disabled (a change of the data, or an
        action a lesson locks) asks the controller's gate all the same, which says why in
        the status bar."""
        way = disabled_shortcut(self.actions_by_name, LOCKED_BY, event)
        if way is not None and not self.controller.allowed(way):
            event.accept()
            return
        super().keyPressEvent(event)

    @Slot(int, float, float)
    def _on_plot_moveRequested(self, index: int, x: float, y: float) -> None:
        if not self.controller.move_point(index, x, y):
            self.plot.set_points(self.controller.model.dataset.x, self.controller.model.dataset.y)

    # ================================================================= facts
    @Slot(bool)
    def _on_controller_dataChanged(self, replaced: bool) -> None:
        c = self.controller
        d = c.model.dataset
        edit = c.last_edit
        point = None
        if edit is not None and edit.after is d and edit.point in ("move", "add"):
            point = (edit.point, edit.index)  # the plot draws that point only
        self.plot.set_points(d.x, d.y, autorange=replaced, point=point)
        self.data_panel.set_count(len(d), self.plot.shown_count)
        if not self.controller.history.count:
            self.run_view.show_start_line()
        self.readout.update_readout(self.controller)

    @Slot()
    def _on_controller_optimumChanged(self) -> None:
        numbers = self.controller.numbers
        line = numbers.line if numbers.line is not None else (None,)
        self.plot.set_optimum(*line, label=numbers.label)
        self.panel.set_step_guide(numbers.guide)
        self.readout.update_readout(self.controller)

    @Slot(str)
    def _on_controller_modelChanged(self, model: str) -> None:
        """The model was switched: Edit ▸ Generate makes its kind of data, and View's best
        fit is the model's."""
        text = "Generate two classes…" if model == "logistic" else "Generate noisy line…"
        self.act_generate.setText(f"&{text}")
        self.data_panel.btn_generate.setText(text)
        logistic = model == "logistic"
        self.act_optimum.setText("&Show best fit (maximum likelihood)" if logistic
                                 else "&Show least-squares line")
        tip = ("Draw the exact best sigmoid (maximum likelihood; none when the classes are "
               "separable) on the data plot" if logistic else
               "Draw the exact best line (least squares) on the data plot")
        self.act_optimum.setWhatsThis(tip)
        actions.explain({"optimum": self.act_optimum},
                        disabled_reasons(self.controller.snapshot()))

    @Slot()
    def _on_controller_keptRunsChanged(self) -> None:
        """The compare view draws the runs; here the window shows the list a run went to."""
        self.presentation.refresh()
        if len(self.controller.kept_runs) > self._kept_count:
            self.runs_dock.raise_()
        self._kept_count = len(self.controller.kept_runs)

    @Slot(object)
    def _apply_actions(self, enabled: dict) -> None:
        """Enable the actions (and so their buttons) and the settings as ``enabled`` says."""
        c = self.controller
        snapshot = c.snapshot()
        # What the actions show depends on the number of points only through whether
        # there are any: an edit of one point of many announces the same actions again
        key = (tuple(enabled.items()), dataclasses.replace(snapshot, points=min(
            snapshot.points, 1)), c.undo_text(), c.redo_text())
        if key == self._actions_shown:
            return
        self._actions_shown = key
        for name, on in enabled.items():
            if name == "settings":
                self.panel.setEnabled(on)
            elif name in self.actions_by_name:  # (the presets menu follows on its own)
                self.actions_by_name[name].setEnabled(on)
        actions.explain(self.actions_by_name, disabled_reasons(snapshot))
        self.plot.set_editable(self.controller.refusal("move") is None)
        paused = self.controller.state is RunState.PAUSED
        self.act_train.setText("&Resume" if paused else "&Train")
        self.train_strip.train_button.setText(
            f"{'Resume' if paused else 'Train'}  ({self.act_train.shortcut().toString()})")
        self.act_undo.setText(f"&Undo {self.controller.undo_text()}".rstrip())
        self.act_redo.setText(f"&Redo {self.controller.redo_text()}".rstrip())

    # ================================================================= view
    @Slot(str, object)
    def _on_view_options_changed(self, name: str, value) -> None:
        """A view option changed: its control shows it and the views follow."""
        action = self.actions_by_name.get(VIEW_BY_NAME[name].control)
        if action is not None and action.isCheckable():
            action.setChecked(value)
        if name == "log_scale":
            self.loss_plot.set_log(value)
        elif name == "show_optimum":
            self.plot.set_optimum_visible(value)
        elif name == "speed":
            self.speed.setCurrentIndex(value)
            self.controller.set_speed(self.controller.view_options.seconds)
        elif name == "presentation":
            self.presentation.set_active(value)

    def fit_views(self) -> None:
        """Fit the plots' views to what they show (View ▸ Fit to data), after zooming."""
        self.landscape_view.fit()
        if len(self.controller.model.dataset):
            self.plot.autoRange(padding=0.08)
        self.loss_plot.autoRange()
        if not self.controller.session.active:
            self.loss_plot.enableAutoRange()  # and keep fitting, as after a run

    def fit_to_screen(self, available: QRect | None = None) -> None:
        """Open at a size that fits ``available`` (the screen's available area by default)."""
        if available is None:
            available = self.screen().availableGeometry()
        self.setGeometry(fitting_geometry(available))
        self.resizeDocks([self.settings_dock], [self.settings_dock.minimumSizeHint().width()],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.data_dock, self.settings_dock],
                         [self.data_dock.sizeHint().height(), self.height()],
                         Qt.Orientation.Vertical)

    def show_shortcuts(self) -> None:
        self.show_message("Keyboard shortcuts", "\n".join(shortcut_lines(self.actions())),
                          MessageLevel.INFO)

    def show_about(self) -> None:
        from gdstudio.version import __version__

        self.show_message("About Gradient Descent Studio",
                          f"Gradient Descent Studio {__version__}\nWatch gradient descent fit a "
                          "line, with PyTorch.", MessageLevel.INFO)

    @Slot(str, str, object)
    def show_message(self, title: str, text: str, level=MessageLevel.WARNING) -> None:
        """Show a message without blocking (the window stays live); remembered for tests."""
        self.messages.show(title, text, level)

    # ================================================================= settings
    def _restore_settings(self) -> None:
        settings_store.restore(self)

    def save_settings(self) -> None:
        self.presentation.set_active(False)  # the layout to come back to, not the projector's
        settings_store.save(self)

    def closeEvent(self, event):
        if not self.session_files.may_close():  # unsaved changes: Save, Quit or Cancel first
            event.ignore()
            return
        # The engine checks its stop flag between updates, so this is quick; the bound keeps
        # closing prompt even if the machine is busy.
        self.controller.shutdown(700)
        self.save_settings()
        self.messages.close_all()
        super().closeEvent(event)
