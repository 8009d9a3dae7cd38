"""Presentation mode with a lesson: the settings the lesson leaves open stay on screen,
readable and editable on a 1024×768 projector (the locked ones may fold away); without a
lesson the side panels fold away as before, and leaving gives the layout back."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication

from gdstudio.core.files.lesson_rules import Lesson
from gdstudio.core.files.session import session_chunks
from gdstudio.core.settings.description import SETTINGS
from gdstudio.ui.classroom.presentation import FONT_SCALE
from tests.ui.window.test_ui_first_screen import in_view

#: The README's lesson: the class may change only the learning rate.
ONLY_THE_RATE = Lesson("Too large, too small: the learning rate",
                       (*(s.name for s in SETTINGS if s.name != "learning_rate"),
                        "random_init", "point_editing"),
                       ("generate", "clear", "import"), presentation=True)


def open_lesson(window, tmp_path, lesson: Lesson) -> None:
    session = window.session_files.capture()
    session.lesson = lesson
    path = tmp_path / "lesson.gdstudio"
    path.write_text("".join(session_chunks(session)))
    assert window.session_files.open_path(str(path))


def on_the_projector(window) -> None:
    """The full-screen window as a 1024×768 projector shows it (the test's screen is not
    1024×768: the window leaves full screen for that size, in presentation mode still)."""
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.setGeometry(QRect(0, 0, 1024, 768))
    QApplication.processEvents()
    assert window.size() == QSize(1024, 768)


def test_the_open_learning_rate_stays_on_screen_readable_and_editable(window, tmp_path):
    normal = window.panel.learning_rate.font().pointSizeF()
    open_lesson(window, tmp_path, ONLY_THE_RATE)
    assert window.presentation.active
    on_the_projector(window)
    panel, lr = window.panel, window.panel.learning_rate
    assert window.settings_dock.isVisible()
    assert in_view(window, lr) and lr.isEnabled() and not lr.isReadOnly()
    assert lr.font().pointSizeF() >= FONT_SCALE * normal - 0.01  # projector-sized text
    label = panel.basic_box.layout().labelForField(panel.rows["learning_rate"])
    assert in_view(window, label) and label.width() >= label.sizeHint().width()  # not cut
    assert lr.width() >= lr.fontMetrics().horizontalAdvance("0.00123") + 8
    hint = panel.stable_label  # the stable bound under it: as large, and never clipped
    assert hint.font().pointSizeF() >= FONT_SCALE * normal - 0.01 and in_view(window, hint)
    assert hint.height() >= hint.heightForWidth(hint.width())
    # the class types a rate: the run will use it
    lr.setFocus()
    lr.selectAll()
    QTest.keyClicks(lr, "0.05")
    assert window.controller.settings_model.config().learning_rate == 0.05
    # what the lesson locks (every other setting) is not shown
    for name in ("method", "impl", "epochs", "seed", "loss"):
        assert not panel.fields()[name].isVisible(), name
    assert not panel.more_button.isVisible()
    assert not window.data_dock.isVisible() and not window.runs_dock.isVisible()


def test_leaving_presentation_gives_every_setting_back(window, tmp_path):
    open_lesson(window, tmp_path, ONLY_THE_RATE)
    window.act_leave_presentation.trigger()
    QApplication.processEvents()
    panel = window.panel
    assert not window.presentation.active
    assert panel.more_button.isVisible() and panel.epochs.isVisible()
    assert not panel.epochs.isEnabled()  # (still locked by the lesson)
    assert panel.rows["epochs"].widget is panel.epochs and not panel.rows["epochs"].isHidden()


def test_a_lesson_opened_or_cleared_while_presenting_shows_or_folds_its_settings(window,
                                                                                   tmp_path):
    window.act_presentation.trigger()  # no lesson: the panels fold away
    assert window.presentation.active and not window.settings_dock.isVisible()
    open_lesson(window, tmp_path, ONLY_THE_RATE)
    assert window.presentation.active
    assert window.settings_dock.isVisible() and window.panel.learning_rate.isVisible()
    window.session_files.clear_lesson()
    assert window.presentation.active and not window.settings_dock.isVisible()
    window.presentation.set_active(False)
    assert window.settings_dock.isVisible() and window.panel.epochs.isVisible()


def test_a_lesson_that_hides_the_settings_panel_keeps_it_folded(window, tmp_path):
    lesson = Lesson("Watch", ONLY_THE_RATE.locked, ("settings_panel",), presentation=True)
    open_lesson(window, tmp_path, lesson)
    assert window.presentation.active and not window.settings_dock.isVisible()


def test_open_settings_that_the_path_does_not_use_leave_nothing_to_show(window, tmp_path):
    """Only the momentum is left open, and the manual implementation (locked) has none: no
    empty panel on the projector."""
    locked = tuple(s.name for s in SETTINGS if s.name != "momentum")
    open_lesson(window, tmp_path, Lesson("Momentum", (*locked, "random_init"), (),
                                         presentation=True))
    assert window.presentation.active and not window.settings_dock.isVisible()


def test_the_learning_rate_keeps_its_projector_size_once_edited(window, tmp_path):
    """Typing a rate passes through values that are flagged ('0', '0.') and back: the field
    keeps the large text all along, and the normal one once presentation is left."""
    normal = window.panel.learning_rate.font().pointSizeF()
    open_lesson(window, tmp_path, ONLY_THE_RATE)
    on_the_projector(window)
    lr, hint = window.panel.learning_rate, window.panel.stable_label
    lr.setFocus()
    QTest.mouseDClick(lr, Qt.MouseButton.LeftButton)
    lr.selectAll()
    QTest.keyClicks(lr, "0")
    assert lr.toolTip()  # (0 is flagged: a rate is positive)
    assert lr.font().pointSizeF() >= FONT_SCALE * normal - 0.01
    QTest.keyClicks(lr, ".115")
    QTest.keyClick(lr, Qt.Key.Key_Tab)
    QApplication.processEvents()
    assert window.controller.settings_model.config().learning_rate == 0.115
    assert not lr.toolTip()
    assert lr.font().pointSizeF() >= FONT_SCALE * normal - 0.01  # still projector-sized
    assert hint.font().pointSizeF() >= FONT_SCALE * normal - 0.01
    window.presentation.set_active(False)
    QApplication.processEvents()
    assert lr.font().pointSizeF() == normal and hint.font().pointSizeF() == normal


def test_the_kept_training_dock_cannot_be_closed_or_floated_while_presenting(window,
                                                                            tmp_path):
    dock = window.settings_dock
    features = dock.features()
    assert features & dock.DockWidgetFeature.DockWidgetClosable
    open_lesson(window, tmp_path, ONLY_THE_RATE)
    assert window.presentation.active and dock.isVisible()
    assert not dock.features() & (dock.DockWidgetFeature.DockWidgetClosable
                                  | dock.DockWidgetFeature.DockWidgetFloatable
                                  | dock.DockWidgetFeature.DockWidgetMovable)
    close = dock.findChild(QAbstractButton, "qt_dockwidget_closebutton")
    assert close is None or not close.isVisible()  # no button to click
    window.presentation.set_active(False)
    assert dock.features() == features  # closable and floatable again
