"""Lesson locks that other controls went around: a locked setting changes by no other way
(a click on the landscape, the learning-rate gauge's button)."""

from __future__ import annotations

from gdstudio.core.files.lesson_rules import Lesson


def set_lesson(window, locked):
    window.session_files.lesson_view.set_lesson(Lesson("Locks", tuple(locked), (), False))


def test_a_locked_start_is_not_set_by_a_click_on_the_landscape(window, qtbot):
    before = window.panel.config()
    set_lesson(window, ("init_w", "init_b", "random_init"))
    window.landscape_plot.startRequested.emit(1.25, 2.5)  # as a click or a drag there does
    after = window.panel.config()
    assert (after.init_w, after.init_b) == (before.init_w, before.init_b) == (-10.0, -20.0)
    assert window.panel.init_w.text() == "-10.0"
    assert "locked by the lesson" in window.statusBar().currentMessage()
    window.session_files.clear_lesson()
    window.landscape_plot.startRequested.emit(1.25, 2.5)
    assert window.panel.config().init_w == 1.25


def test_a_locked_learning_rate_is_not_set_by_use_optimal_step(window, qtbot):
    before = window.panel.config().learning_rate
    set_lesson(window, ("learning_rate",))
    button = window.panel.lr_gauge.use_optimal
    button.click()
    assert window.panel.config().learning_rate == before == 0.1
    assert not button.isEnabled()
    window.session_files.clear_lesson()
    assert button.isEnabled()
    button.click()
    assert window.panel.config().learning_rate != before


def test_clearing_a_lesson_leaves_nesterov_greyed_without_momentum(window):
    window.panel.impl.setCurrentIndex(window.panel.impl.findData("module"))
    assert window.panel.momentum.value() == 0.0
    assert not window.panel.nesterov.isEnabled()  # (Nesterov needs momentum)
    set_lesson(window, ("nesterov", "momentum"))
    window.session_files.clear_lesson()
    assert not window.panel.nesterov.isEnabled()
    assert window.panel.momentum.isEnabled()
    window.panel.momentum.setText("0.9")
    assert window.panel.nesterov.isEnabled()


def test_a_lesson_that_locks_the_spray_or_predict_mode_turns_it_off(window, qtbot):
    """The spray brush or predict mode on when a lesson locks it is turned off: greyed, it
    could not be turned off, and clicks on the plot kept spraying."""
    window.act_spray.setChecked(True)
    window.act_predict.setChecked(True)
    assert window.classroom.spray.active and window.classroom.predict.on
    set_lesson(window, ("spray", "predict"))
    assert not window.act_spray.isChecked() and not window.act_spray.isEnabled()
    assert not window.classroom.spray.active
    assert not window.act_predict.isChecked() and not window.classroom.predict.on
    window.session_files.clear_lesson()
    assert window.act_spray.isEnabled() and not window.act_spray.isChecked()


def lesson_path(window, tmp_path, locked) -> str:
    from gdstudio.core.files.session import session_chunks

    session = window.session_files.capture()
    session.lesson = Lesson("Points locked", tuple(locked), (), False)
    path = tmp_path / "points-locked.gdstudio"
    path.write_text("".join(session_chunks(session)))
    return str(path)


def test_a_lesson_that_locks_point_editing_locks_the_spray_and_paste_too(window, qtbot,
                                                                         tmp_path):
    """Opened as a learner does (the file), a lesson locking point editing: the spray brush
    (on when it opened) no longer sprays on a real drag on the data plot, and Paste points is
    greyed, in the menu, its button and its shortcut (Ctrl+V)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    from tests.qt_helpers import data_to_viewport, drag

    c, plot = window.controller, window.plot
    window.act_spray.setChecked(True)  # the brush is on when the lesson opens
    path = lesson_path(window, tmp_path, ("point_editing",))
    assert window.session_files.open_path(path)
    n, undo = len(c.dataset), c.model.undo_stack.count()
    assert not window.act_spray.isEnabled() and not window.act_spray.isChecked()
    assert not window.act_paste_points.isEnabled()
    from PySide6.QtWidgets import QToolButton

    buttons = [b for b in window.data_panel.findChildren(QToolButton)
               if b.defaultAction() in (window.act_spray, window.act_paste_points)]
    assert len(buttons) == 2 and not any(b.isEnabled() for b in buttons)  # the Data tab's
    plot.autoRange()

    def stroke():  # across the middle of the plot
        rect = plot.getViewBox().viewRect()
        y = rect.center().y()
        drag(plot, data_to_viewport(plot, rect.left() + 0.3 * rect.width(), y),
             data_to_viewport(plot, rect.left() + 0.6 * rect.width(), y))

    stroke()
    QGuiApplication.clipboard().setText("1\t2\n3\t4\n")
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    window.act_paste_points.trigger()  # (a greyed action's trigger does nothing)
    assert len(c.dataset) == n and c.model.undo_stack.count() == undo
    window.session_files.clear_lesson()
    assert window.act_spray.isEnabled() and window.act_paste_points.isEnabled()
    QTest.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(c.dataset) == n + 2
    window.act_spray.setChecked(True)
    stroke()
    assert len(c.dataset) > n + 2 and c.undo_text().startswith("Spray")
