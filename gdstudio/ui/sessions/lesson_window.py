"""A lesson in the window: the controls it locks (shown, greyed) and hides, and the
"Lesson: <title>" mark in the status bar (see :mod:`gdstudio.core.files.lesson_rules`).

The lesson's locks are the controller's (:meth:`StudioController.set_lesson_locks`): every
way to change the data that a lock forbids is refused by its one gate, with one message, and
the state rules (:mod:`gdstudio.ui.studio.action_state`) disable its actions. Here the window
only shows them: a locked action is disabled, so its menu entry, its button and its keyboard
shortcut do nothing; a hidden one is also taken out of the menus, toolbar and panels. The
state rules and the settings panel enable and show controls after every change; the lesson
is applied again right after them, so it always has the last word.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QToolBar, QWidget

from gdstudio.core.files.lesson_rules import LESSON_CONTROLS, Lesson, control_label
from gdstudio.core.settings.description import BY_NAME, SETTINGS
from gdstudio.ui.studio.action_state import lesson_lock

#: Lesson names that are the window's actions of the same name.
ACTION_CONTROLS = ("generate", "clear", "import", "save", "undo", "redo", "delete", "train",
                   "pause", "stop", "step", "continue", "predict", "reset", "keep", "remove",
                   "export_params", "export_history", "export_figure", "export_script",
                   "export_notebook", "pytorch_code", "paste_points", "spray", "log", "optimum",
                   "landscape", "curvature", "other_landscape", "presentation")
#: Tools that change what a click does while they are on: a lesson that locks one turns
#: it off (greyed, it could not be turned off any more).
MODE_TOOLS = ("spray", "predict")
#: Lesson names that are docks.
DOCKS = {"data_panel": "data_dock", "runs_panel": "runs_dock",
         "settings_panel": "settings_dock"}


class LessonView(QObject):
    """Applies the lesson of ``window`` (None: no lesson) and shows its title."""

    #: Another lesson (or none) was applied.
    changed = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.lesson: Lesson | None = None
        self.indicator = QLabel()
        self.indicator.setTextFormat(Qt.TextFormat.PlainText)
        self.indicator.setStyleSheet("QLabel { background: #fff3c4; color: #5a4500; "
                                     "padding: 1px 6px; border-radius: 3px; }")
        self.indicator.setVisible(False)
        window.statusBar().addPermanentWidget(self.indicator)
        # after the window's own handlers (connected earlier), so the lesson has the last word
        window.controller.actionsChanged.connect(self._reapply)
        window.panel.settingsChanged.connect(self._reapply)
        window.presentation.toggled.connect(self._reapply)  # (it shows the settings again)

    # ------------------------------------------------------------------ the controls
    def targets(self, name: str) -> list:
        """The actions and widgets of lesson control ``name`` (never empty for a name of
        :data:`LESSON_CONTROLS`)."""
        w = self.window
        if name in BY_NAME:
            return [w.panel.rows[name]]
        if name in ACTION_CONTROLS:
            out = [w.actions_by_name[name]]
            for panel in (w.data_panel, w.runs_panel, w.train_strip):
                button = panel.buttons().get(name)
                if button is not None:
                    out.append(button)
            if name == "optimum":
                out.append(w.show_optimum)
            return out
        if name in DOCKS:
            dock = getattr(w, DOCKS[name])
            return [dock.widget(), dock]
        if name == "random_init":
            return [w.panel.random_init]
        if name == "presets":
            return [w.presets_menu.menuAction()]
        if name == "residuals":
            return list(w.line_views.residual_actions.values())
        if name in ("log_odds", "jitter"):
            return [w.line_views.view_actions[name]]
        if name == "speed":
            return [w.speed, *self._toolbar_actions(w.speed)]
        if name == "point_editing":
            return [w.plot]
        return []

    def _toolbar_actions(self, widget: QWidget) -> list[QAction]:
        """The toolbar's actions holding ``widget`` and the label just before it."""
        out = []
        for bar in self.window.findChildren(QToolBar):
            actions = bar.actions()
            for i, action in enumerate(actions):
                if bar.widgetForAction(action) is widget:
                    out.append(action)
                    if i and isinstance(bar.widgetForAction(actions[i - 1]), QLabel):
                        out.append(actions[i - 1])
        return out

    # ------------------------------------------------------------------ applying
    def set_lesson(self, lesson: Lesson | None) -> None:
        """Apply ``lesson`` (None: none); controls it no longer names come back."""
        old, self.lesson = self.lesson, lesson
        if old is not None:
            for name in {*old.locked, *old.hidden}:
                self._restore(name)
            self.window.panel._update_visibility()  # its own rules (Nesterov needs momentum)
        controller = self.window.controller
        controller.set_lesson_locks(() if lesson is None else (*lesson.locked, *lesson.hidden))
        if old is not None:
            controller.announce_actions()  # the state rules decide again
        self.indicator.setVisible(lesson is not None)
        if lesson is not None:
            self.indicator.setText(f"Lesson: {lesson.title}")
            self.indicator.setToolTip(self.describe())
            room = getattr(self.window, "status_room", None)
            if room is not None:
                room.update()  # (in presentation mode its title may give up its end)
        self._reapply()
        self.changed.emit()

    def open_settings(self) -> tuple[str, ...]:
        """The settings the lesson leaves open, neither locked nor hidden (and
        ``random_init`` with an open start), in the description's order; none without a
        lesson or when it locks or hides the settings panel."""
        lesson = self.lesson
        closed = set() if lesson is None else {*lesson.locked, *lesson.hidden}
        if lesson is None or "settings_panel" in closed:
            return ()
        names = [s.name for s in SETTINGS if s.name not in closed]
        if "random_init" not in closed and {"init_w", "init_b"} & set(names):
            names.append("random_init")
        return tuple(names)

    def describe(self) -> str:
        lesson = self.lesson
        if lesson is None:
            return ""
        parts = [f"Lesson: {lesson.title}"]
        if lesson.locked:
            parts.append("Locked: " + ", ".join(map(control_label, lesson.locked)))
        if lesson.hidden:
            parts.append("Hidden: " + ", ".join(map(control_label, lesson.hidden)))
        parts.append("File ▸ Clear lesson locks gives every control back.")
        return "\n".join(parts)

    @Slot()
    def _reapply(self, *_) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        for name in lesson.locked:
            self._set(name, hidden=False)
        for name in lesson.hidden:
            self._set(name, hidden=True)
        spray = self.window.actions_by_name["spray"]
        if spray.isChecked() and lesson_lock(self.window.controller.lesson_locks, "spray"):
            spray.setChecked(False)  # (point editing locked: the controller refuses a stroke)

    def _set(self, name: str, hidden: bool) -> None:
        if name == "learning_rate":  # (its gauge's button sets it too)
            self.window.panel.lr_gauge.set_locked(True)
        for target in self.targets(name):
            if hidden:
                self._hide(name, target)
            if isinstance(target, QAction):
                if name in MODE_TOOLS and target.isChecked():
                    target.setChecked(False)  # a locked tool is off: its action cannot be
                target.setEnabled(False)
                if hidden:
                    target.setVisible(False)
            elif name in BY_NAME:
                target.widget.setEnabled(False)
            elif target is not self.window.plot:
                target.setEnabled(False)

    def _hide(self, name: str, target) -> None:
        if name in BY_NAME or name == "random_init":
            form = target.parentWidget().layout()
            form.setRowVisible(target, False)
        elif name in DOCKS and target is getattr(self.window, DOCKS[name]):
            target.hide()
            target.toggleViewAction().setVisible(False)
        elif (isinstance(target, QWidget) and target is not self.window.plot
              and not isinstance(target.parentWidget(), QToolBar)):  # (there: its action)
            target.setVisible(False)

    def _restore(self, name: str) -> None:
        if name == "learning_rate":
            self.window.panel.lr_gauge.set_locked(False)
        for target in self.targets(name):
            if isinstance(target, QAction):
                target.setVisible(True)
                target.setEnabled(True)
            elif name in DOCKS and target is getattr(self.window, DOCKS[name]):
                target.setEnabled(True)
                target.toggleViewAction().setVisible(True)
                target.show()
            elif name in BY_NAME:  # as the settings panel shows the chosen path
                used = self.window.panel.in_use()
                target.widget.setEnabled(name != "optimizer" or name in used)
                if BY_NAME[name].kind == "choice" or name in used:
                    target.parentWidget().layout().setRowVisible(target, True)
            elif target is not self.window.plot:
                target.setEnabled(True)
                if name != "random_init" and not isinstance(target.parentWidget(), QToolBar):
                    target.setVisible(True)
            if name == "random_init":
                target.parentWidget().layout().setRowVisible(target, True)


def check_controls(view: LessonView) -> list[str]:
    """The lesson names with no control in the window (for tests: none)."""
    return [name for name in LESSON_CONTROLS if not view.targets(name)]
