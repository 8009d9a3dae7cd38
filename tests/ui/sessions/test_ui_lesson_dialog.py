"""File ▸ Save as lesson: the controls in their groups, "lock everything except…", what the
class will see, and the teacher's window left as it was."""

from __future__ import annotations

import json

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from gdstudio.core.files.lesson_rules import LESSON_CONTROLS, LESSON_GROUPS, Lesson
from gdstudio.ui.sessions import session_dialogs
from gdstudio.ui.sessions.lesson_dialog import HIDE, LOCK, LessonDialog, class_view
from gdstudio.ui.studio.action_state import LOCKED_BY, lesson_lock


def test_the_dialog_shows_every_control_once_in_its_group(qtbot):
    dialog = LessonDialog()
    qtbot.addWidget(dialog)
    tree = dialog.tree
    assert [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())] == \
        [title for title, _ in LESSON_GROUPS] == ["Data", "Method", "Hyperparameters", "Run",
                                                   "Views", "Tools"]
    rows = [(group.text(0), group.child(j))
            for group in map(tree.topLevelItem, range(tree.topLevelItemCount()))
            for j in range(group.childCount())]
    assert sorted(dialog.items) == sorted(LESSON_CONTROLS)
    assert len(rows) == len(LESSON_CONTROLS)  # each control once, no other row
    by_item = {id(item): name for name, item in dialog.items.items()}
    group_of = {by_item[id(item)]: title for title, item in rows}
    assert group_of["learning_rate"] == group_of["epochs"] == "Hyperparameters"
    assert group_of["optimizer"] == group_of["loss"] == "Method"
    assert group_of["spray"] == group_of["point_editing"] == "Data"
    assert group_of["log"] == group_of["presentation"] == "Views"


def test_a_groups_box_locks_all_of_it(qtbot):
    dialog = LessonDialog()
    qtbot.addWidget(dialog)
    from PySide6.QtCore import Qt

    dialog.groups["Views"].setCheckState(LOCK, Qt.CheckState.Checked)
    assert dialog.lesson().locked == tuple(n for n in LESSON_CONTROLS
                                           if n in dict(LESSON_GROUPS)["Views"])
    assert "Views: all locked." in dialog.summary.text()


def test_the_class_view_says_what_a_lock_takes_along(qtbot):
    dialog = LessonDialog()
    qtbot.addWidget(dialog)
    dialog.set_checked("point_editing", LOCK)
    dialog.set_checked("settings_panel", HIDE)
    assert dialog.items["spray"].text(3) == "locked (with Point editing)"
    assert dialog.items["learning_rate"].text(3) == "hidden (with Training settings panel)"
    assert dialog.items["train"].text(3) == "open"
    assert dialog.groups["Run"].text(3) == "9 of 9 open"
    text = dialog.summary.text()
    assert "Opens in the normal window." in text and "Run: all open." in text
    assert "Hyperparameters: all hidden." in text and "Method: all hidden." in text
    assert "locked: Point editing, Deleting points, Spray brush, Paste points." in text
    dialog.presentation.setChecked(True)
    assert dialog.summary.text().startswith("Opens in presentation mode")


def test_lock_everything_except_one_control_leaves_only_it_open(qtbot):
    """For each control: from everything hidden, "lock everything except" it leaves it open
    and locks every other control, but those whose lock would lock it too."""
    dialog = LessonDialog()
    qtbot.addWidget(dialog)
    for name in LESSON_CONTROLS:
        for other in LESSON_CONTROLS:
            dialog.set_checked(other, HIDE, True)
        dialog.lock_everything_except([name])
        seen = class_view(dialog.lesson())
        assert seen[name] == ("open", None), name
        opened = {n for n, (state, _) in seen.items() if state == "open"}
        assert opened - {name} <= set(LOCKED_BY.get(name, ())), (name, opened)
        assert all(dialog.items[n].text(3) == "open" for n in opened)


def test_lock_everything_except_the_selected_saves_a_lesson_that_leaves_only_them_open(
        window, qtbot, tmp_path, monkeypatch):
    """Through File ▸ Save as lesson: the teacher selects the learning rate and Train, locks
    everything else, and saves; the file opened as the class does leaves exactly those open,
    and the teacher's own window stays unlocked."""
    c = window.controller
    path = tmp_path / "learning-rate.gdstudio"
    monkeypatch.setattr(session_dialogs, "ask_save_path", lambda *a, **k: str(path))
    seen = {}

    def in_dialog():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, LessonDialog)
        dialog.title.setText("The learning rate")
        assert not dialog.lock_except.isEnabled()  # nothing selected yet
        dialog.items["learning_rate"].setSelected(True)
        dialog.items["train"].setSelected(True)
        dialog.lock_except.click()
        seen["summary"] = dialog.summary.text()
        buttons = dialog.findChild(QDialogButtonBox)
        buttons.button(QDialogButtonBox.StandardButton.Save).click()

    QTimer.singleShot(0, in_dialog)
    window.actions_by_name["save_lesson"].trigger()
    assert "Hyperparameters: open: Learning rate; 16 locked." in seen["summary"]
    doc = json.loads(path.read_text())
    kept = {"learning_rate", "train", "settings_panel"}  # (the panel's lock locks the rate)
    assert doc["lesson"]["title"] == "The learning rate"
    assert doc["lesson"]["locked"] == [n for n in LESSON_CONTROLS if n not in kept]
    assert doc["lesson"]["hidden"] == []
    assert c.lesson_locks == frozenset() and window.panel.epochs.isEnabled()  # the teacher's

    assert window.session_files.open_path(str(path))  # as the class opens it
    open_ways = {way for way in LOCKED_BY if lesson_lock(c.lesson_locks, way) is None}
    assert open_ways == {"learning_rate", "train", "settings_panel", "replace", "open_session"}
    assert window.panel.learning_rate.isEnabled() and window.act_train.isEnabled()
    assert not window.panel.epochs.isEnabled() and not window.act_step.isEnabled()
    window.panel.learning_rate.setText("0.05")
    assert c.settings_model.value("learning_rate") == 0.05
    window.session_files.clear_lesson()


def test_the_class_view_matches_the_window_of_the_class(window, tmp_path):
    """What the dialog says the class sees is what the rule refuses in the class's window."""
    lesson = Lesson("Check", ("point_editing", "settings_panel", "train"), ("import",))
    seen = class_view(lesson)
    window.session_files.lesson_view.set_lesson(lesson)
    for way in LOCKED_BY:
        if way in seen:
            assert (seen[way][0] != "open") == (
                lesson_lock(window.controller.lesson_locks, way) is not None), way
    assert seen["spray"] == ("locked", "point_editing")
    assert seen["epochs"] == ("locked", "settings_panel")
    assert seen["import"] == ("hidden", None)
    window.session_files.clear_lesson()
