"""Lesson files in the window: exactly the listed controls are locked or hidden, locked
shortcuts do nothing, presentation mode opens, and clearing the lesson gives everything back."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gdstudio.core.files.lesson_rules import LESSON_CONTROLS, Lesson
from gdstudio.core.files.session import session_chunks
from gdstudio.ui.sessions.lesson_window import check_controls
from tests.qt_helpers import answer, click, data_to_viewport, open_question

LOCKED = ("learning_rate", "optimizer", "clear", "train", "generate", "point_editing")
HIDDEN = ("method", "momentum", "import", "data_panel", "speed", "residuals")
#: Locked with point editing: the other ways to add or delete points.
WITH_POINT_EDITING = ("spray", "paste_points", "delete")


def own_enabled(widget) -> bool:
    return not widget.testAttribute(Qt.WidgetAttribute.WA_ForceDisabled)


def state_of(window) -> dict:
    """Whether each lesson control's targets are enabled and shown, by name (each widget's
    own state, not its parent's: a control inside a hidden panel is not itself hidden)."""
    QApplication.processEvents()  # (a toolbar lays out its widgets when events turn)
    view = window.session_files.lesson_view
    out = {}
    for name in LESSON_CONTROLS:
        if name == "point_editing":
            continue
        parts = []
        for t in view.targets(name):
            if isinstance(t, QAction):
                parts.append((t.isEnabled(), t.isVisible()))
            elif name in window.panel.rows:
                parts.append((own_enabled(t.widget), not t.isHidden()))
            else:
                parts.append((own_enabled(t), not t.isHidden()))
        out[name] = parts
    return out


def lesson_file(window, tmp_path, lesson: Lesson) -> str:
    session = window.session_files.capture()
    session.lesson = lesson
    path = tmp_path / "lesson.gdstudio"
    path.write_text("".join(session_chunks(session)))
    return str(path)


def test_every_lesson_name_has_a_control(window):
    assert check_controls(window.session_files.lesson_view) == []


def test_a_lesson_locks_and_hides_exactly_what_it_lists(window, qtbot, tmp_path):
    window.panel.impl.setCurrentIndex(window.panel.impl.findData("module"))  # optimizer on
    before = state_of(window)
    path = lesson_file(window, tmp_path, Lesson("Learning rates", LOCKED, HIDDEN))
    assert window.session_files.open_path(path)
    QApplication.processEvents()
    after = state_of(window)
    for name in LESSON_CONTROLS:
        if name == "point_editing":
            continue
        if name in LOCKED or name in WITH_POINT_EDITING:
            assert all(not enabled for enabled, _ in after[name]), name
        elif name in HIDDEN:
            assert all(not shown or not enabled for enabled, shown in after[name]), name
        else:
            assert after[name] == before[name], name
    view = window.session_files.lesson_view
    # the badge names the lesson (its title gives way to a long status message: whole in
    # its tooltip)
    assert view.indicator.isVisibleTo(window)
    assert view.indicator.toolTip().startswith("Lesson: Learning rates")
    assert "Lesson: Learning rates".startswith(view.indicator.text().removesuffix("…"))
    assert not window.data_dock.toggleViewAction().isVisible()
    # the state rules run again (a data change): the lesson keeps the last word
    window.controller.announce_actions()
    window.panel.learning_rate.setText("0.05")
    assert not window.act_train.isEnabled() and not window.panel.learning_rate.isEnabled()
    assert window.panel.rows["momentum"].isHidden()


def test_locked_shortcuts_and_plot_edits_do_nothing(window, qtbot, tmp_path):
    c = window.controller
    path = lesson_file(window, tmp_path, Lesson("Locked", LOCKED, ()))
    assert window.session_files.open_path(path)
    n = len(c.dataset)
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # Clear
    QTest.keyClick(window, Qt.Key.Key_F5)  # Train
    QApplication.processEvents()
    assert len(c.dataset) == n and not c.session.active and c.current_summary is None
    click(window.plot, data_to_viewport(window.plot, 2.0, 20.0))  # would add a point
    assert len(c.dataset) == n
    assert "locked by the lesson" in window.statusBar().currentMessage()
    window.session_files.clear_lesson()  # File ▸ Clear lesson locks
    assert window.act_train.isEnabled() and window.panel.learning_rate.isEnabled()
    click(window.plot, data_to_viewport(window.plot, 2.0, 20.0))
    assert len(c.dataset) == n + 1
    QTest.keyClick(window, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)
    assert len(c.dataset) == 0


def test_clearing_a_lesson_gives_every_control_back(window, tmp_path):
    before = state_of(window)
    path = lesson_file(window, tmp_path, Lesson("All", LOCKED, HIDDEN))
    assert window.session_files.open_path(path)
    window.session_files.clear_lesson()
    assert state_of(window) == before
    assert not window.session_files.lesson_view.indicator.isVisibleTo(window)
    assert window.session_files.state.dirty  # the lesson is part of what is saved


def test_a_lesson_opens_in_presentation_mode(window, tmp_path):
    path = lesson_file(window, tmp_path, Lesson("Class", (), (), presentation=True))
    assert window.session_files.open_path(path)
    assert window.presentation.active and window.act_presentation.isChecked()
    window.presentation.set_active(False)


def test_a_lesson_naming_an_unknown_control_is_refused(window, tmp_path):
    path = lesson_file(window, tmp_path, Lesson("Typo", ("learning_rate",), ()))
    doc = json.loads(open(path).read())
    doc["lesson"]["locked"].append("learning_rat")
    with open(path, "w") as f:
        json.dump(doc, f)
    assert not window.session_files.open_path(path)
    assert "unknown control 'learning_rat'" in window.messages.last[1]
    assert window.session_files.lesson_view.lesson is None
    assert window.panel.learning_rate.isEnabled()


def test_save_as_lesson_writes_the_lesson(window, tmp_path):
    from gdstudio.ui.sessions.lesson_dialog import HIDE, LOCK, LessonDialog

    dialog = LessonDialog(window)
    QTest.keyClicks(dialog.title, "<b>")  # not plain text: not taken
    assert "<" not in dialog.title.text() and ">" not in dialog.title.text()
    dialog.title.setText("  Step   sizes ")
    dialog.set_checked("learning_rate", LOCK)
    dialog.set_checked("generate", HIDE)
    dialog.presentation.setChecked(True)
    lesson = dialog.lesson()
    assert lesson == Lesson("Step sizes", ("learning_rate",), ("generate",), True)
    path = str(tmp_path / "l.gdstudio")
    assert window.session_files.save_lesson(path, lesson)
    doc = json.loads(open(path).read())
    assert doc["lesson"] == {"title": "Step sizes", "locked": ["learning_rate"],
                             "hidden": ["generate"], "presentation": True}
    assert window.session_files.open_path(path)  # as the class opens it
    assert not window.act_generate.isVisible() and window.presentation.active
    assert not window.panel.learning_rate.isEnabled()
    window.presentation.set_active(False)
    window.session_files.clear_lesson()


def test_saving_a_lesson_leaves_the_teachers_window_unlocked(window, qtbot, tmp_path):
    """The lesson is for the class: the teacher's own window keeps every control, its view,
    its file and its unsaved changes."""
    c, files = window.controller, window.session_files
    c.add_point(2.0, 20.0)  # an unsaved change
    before = state_of(window)
    title = window.windowTitle()
    path = str(tmp_path / "class.gdstudio")
    assert files.save_lesson(path, Lesson("Class", LOCKED, HIDDEN, presentation=True))
    assert json.loads(open(path).read())["lesson"]["locked"] == list(LOCKED)
    QApplication.processEvents()
    assert state_of(window) == before
    assert c.lesson_locks == frozenset() and files.lesson_view.lesson is None
    assert not files.lesson_view.indicator.isVisibleTo(window)
    assert not window.presentation.active and window.data_dock.toggleViewAction().isVisible()
    assert files.state.dirty and files.state.path is None and window.windowTitle() == title
    assert "stays unlocked" in window.statusBar().currentMessage()
    n = len(c.dataset)
    click(window.plot, data_to_viewport(window.plot, 3.0, 15.0))
    assert len(c.dataset) == n + 1
    window.panel.learning_rate.setText("0.05")
    assert c.settings_model.value("learning_rate") == 0.05
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        window.act_train.trigger()
    assert c.current_summary is not None


def test_a_learner_never_saves_over_the_lesson_file(window, qtbot, tmp_path, monkeypatch):
    """A learner's window never writes the lesson file it opened: Save asks for a new file
    (quitting too), and a save to the lesson's own path is refused, even once the lesson's
    locks are cleared."""
    from gdstudio.ui.sessions import session_dialogs

    files = window.session_files
    path = lesson_file(window, tmp_path, Lesson("Class", ("optimizer",), ()))
    original = open(path, "rb").read()
    assert files.open_path(path)
    asked = []
    mine = tmp_path / "mine.gdstudio"

    def ask(parent, suggested, title="Save session as"):
        asked.append(suggested)
        return str(mine)
    monkeypatch.setattr(session_dialogs, "ask_save_path", ask)
    window.panel.learning_rate.setText("0.05")  # the learner's change
    assert files.state.dirty
    window.actions_by_name["save_session"].trigger()  # Ctrl+Shift+S
    assert asked and asked[-1] != path and asked[-1].endswith("-my-work.gdstudio")
    assert open(path, "rb").read() == original
    assert json.loads(mine.read_text())["settings"]["learning_rate"] == 0.05
    mine.unlink()

    assert files.open_path(path)  # again, and quit with a change
    window.panel.learning_rate.setText("0.02")
    files.clear_lesson()
    assert not files.save(path)  # (the lesson's path, named: refused)
    assert "is the lesson this window opened" in window.messages.last[1]
    window.close()
    box = open_question(window)
    assert box is not None and "new file" in box.text() and "stays as it is" in box.text()
    answer(window, "Save as…")
    assert open(path, "rb").read() == original
    assert json.loads(mine.read_text())["settings"]["learning_rate"] == 0.02
    assert not window.isVisible()


def test_a_lesson_can_lock_every_action_a_class_could_use():
    """Every action of the window is a lesson control, except those that keep the window
    usable (open, save, quit, help) or that the lesson itself offers: a new action cannot be
    left out of the teacher's Save as lesson dialog."""
    from gdstudio.core.files.lesson_rules import LESSON_CONTROLS
    from gdstudio.ui.window.actions import ACTIONS

    free = {"open_session", "save_session", "save_session_as", "save_lesson", "clear_lesson",
            "quit", "user_guide", "context_help", "shortcuts", "about", "leave_presentation",
            "fit_view"}
    missing = [a.name for a in ACTIONS if a.name not in free and a.name not in LESSON_CONTROLS]
    assert missing == []
