"""Presentation mode at 1024×768 with a lesson open: the status message, the run's progress,
the lesson's badge, the readout and the timeline all fit, and nothing moves as a run goes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gdstudio.core.files.lesson_rules import Lesson
from gdstudio.core.files.session import session_chunks
from gdstudio.core.settings.description import SETTINGS
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.classroom.status_room import BADGE_SHORTEST, MARGIN
from gdstudio.ui.panels.readout import FONT_POINTS

TITLE = "Too large, too small: the learning rate"


def open_lesson(window, tmp_path) -> None:
    session = window.session_files.capture()
    # the guide's lesson: every setting locked but the learning rate, which stays on screen
    locked = tuple(s.name for s in SETTINGS if s.name != "learning_rate")
    session.lesson = Lesson(TITLE, (*locked, "point_editing"),
                            ("generate", "clear", "import"), presentation=True)
    path = tmp_path / "lesson.gdstudio"
    path.write_text("".join(session_chunks(session)))
    assert window.session_files.open_path(str(path))


def settle(qtbot) -> None:
    QApplication.processEvents()
    qtbot.wait(20)  # (the room is fitted once the layout has its size)
    QApplication.processEvents()


def layout_of(window) -> dict:
    """Where the plots, the timeline and the readout are."""
    slider = window.line_views.timeline.bar.slider
    stop = window.toolbar.widgetForAction(window.act_stop)
    return {name: widget.geometry().getRect() for name, widget in (("stop button", stop),
        ("data", window.plot), ("landscape", window.landscape_plot),
        ("loss", window.loss_plot), ("readout", window.readout), ("slider", slider),
        ("central", window.centralWidget()))}


def assert_nothing_clipped(window) -> None:
    readout = window.readout
    metrics, room = readout.fontMetrics(), readout.contentsRect().width()
    lines = readout.text().split("\n")
    for line in lines:  # each of its lines on one line
        assert metrics.horizontalAdvance(line) <= room, line
    assert readout.contentsRect().height() >= len(lines) * metrics.lineSpacing()
    bar = window.statusBar()
    message = bar.currentMessage()
    beside = [x for x in (window.progress, window.import_progress, window.epoch_progress,
                          window.classroom.tally_label,
                          window.session_files.lesson_view.indicator) if x.isVisible()]
    needed = bar.fontMetrics().horizontalAdvance(message) + MARGIN
    badge = window.session_files.lesson_view.indicator
    if needed > bar.width() - badge.fontMetrics().horizontalAdvance(BADGE_SHORTEST):
        assert bar.toolTip() == message  # (wider than any room: its tooltip says it all)
    else:
        assert needed <= bar.width() - sum(x.width() for x in beside), (
            message, [x.width() for x in beside])
    assert badge.isVisible() and badge.text().startswith("Lesson: ")
    assert badge.fontMetrics().horizontalAdvance(badge.text()) <= badge.contentsRect().width()
    assert badge.toolTip().startswith(f"Lesson: {TITLE}")
    progress = window.progress
    if progress.isVisible():
        assert progress.fontMetrics().horizontalAdvance(progress.text()) + 8 <= \
            progress.width(), progress.text()
    for plot in (window.plot, window.landscape_plot, window.loss_plot):  # within its place
        item = plot.getPlotItem()
        assert item.sceneBoundingRect().width() <= plot.width() + 1, type(plot).__name__
        text = item.titleLabel.item.sceneBoundingRect()  # its text, within the plot
        assert 0 <= text.left() and text.right() <= plot.width(), item.titleLabel.text
    label = window.line_views.timeline.bar.label
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width(), label.text()
    assert_message_whole(window)  # (where the status bar draws it)


def test_at_1024x768_a_lesson_in_presentation_mode_fits_and_holds_still(window, qtbot,
                                                                         tmp_path):
    c = window.controller
    c.settings_model.set_value("epochs", 100_000)  # (the lesson locks it: a long run)
    open_lesson(window, tmp_path)
    settle(qtbot)
    window.setWindowState(Qt.WindowState.WindowNoState)  # a projector's 1024×768 screen
    window.resize(1024, 768)  # (the test's screen is 800×800)
    settle(qtbot)
    assert window.presentation.active and window.size().width() == 1024
    assert window.readout.font().pointSizeF() >= 1.2 * FONT_POINTS  # larger, on one line
    assert_nothing_clipped(window)
    window.statusBar().showMessage("Ready: press F5 to train.")
    settle(qtbot)
    assert window.session_files.lesson_view.indicator.text() == f"Lesson: {TITLE}"
    assert_nothing_clipped(window)
    still = layout_of(window)

    assert c.settings.epochs == 100_000
    c.set_speed(0.01)
    with qtbot.waitSignal(c.epochsAppended, timeout=60_000):
        assert c.train()
    qtbot.waitUntil(lambda: c.history.count >= 3, timeout=60_000)
    settle(qtbot)
    # beside the short "Training: …" message (shown once the room is fitted, a turn later)
    qtbot.waitUntil(window.progress.isVisible, timeout=10_000)
    assert_nothing_clipped(window)
    assert layout_of(window) == still
    bar, badge = window.statusBar(), window.session_files.lesson_view.indicator
    words = ("The setting 'Optimizer' is locked by the lesson: a lesson guides the class "
             "through one idea at a time, and the teacher says which controls stay open for "
             "it.").split()
    shortest = badge.fontMetrics().horizontalAdvance(BADGE_SHORTEST)
    message = ""  # a message that fits beside the badge only once its title gives way,
    # and beside the progress bar not even then
    while bar.fontMetrics().horizontalAdvance(message) + MARGIN < bar.width() - \
            window.progress.width() - shortest + 40:
        message = f"{message} {words.pop(0)}".strip()
    assert bar.fontMetrics().horizontalAdvance(message) + MARGIN < bar.width() - \
        badge.fontMetrics().horizontalAdvance(BADGE_SHORTEST) - 30
    bar.showMessage(message)
    settle(qtbot)
    assert not window.progress.isVisible() and badge.text() != f"Lesson: {TITLE}"
    assert_nothing_clipped(window)  # the progress and the badge's title made room
    assert layout_of(window) == still
    with qtbot.waitSignal(c.runStateChanged, timeout=60_000):
        c.pause()
    qtbot.waitUntil(lambda: c.state is RunState.PAUSED, timeout=60_000)
    settle(qtbot)
    assert_nothing_clipped(window)
    assert layout_of(window) == still
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        c.stop()
    settle(qtbot)
    assert_nothing_clipped(window)
    assert layout_of(window) == still
    window.presentation.set_active(False)
    settle(qtbot)
    assert window.session_files.lesson_view.indicator.text() == f"Lesson: {TITLE}"
    assert window.progress.maximumWidth() == 260


def assert_message_whole(window) -> None:
    """The status message is not cut by the widgets beside it (or, wider than any room,
    is the status bar's tooltip): the status bar draws it from 6 pixels in to 2 pixels
    before its leftmost widget shown (QStatusBar's message rectangle)."""
    QApplication.processEvents()
    bar, badge = window.statusBar(), window.session_files.lesson_view.indicator
    message = bar.currentMessage()
    beside = [x for x in (window.progress, window.import_progress, window.epoch_progress,
                          window.classroom.tally_label, badge) if x.isVisible()]
    right = min([x.geometry().left() for x in beside], default=bar.width()) - 2
    if bar.fontMetrics().horizontalAdvance(message) > right - 6:
        assert bar.toolTip() == message, (message, [x.width() for x in beside])
    assert badge.fontMetrics().horizontalAdvance(badge.text()) <= badge.contentsRect().width()


def test_the_lesson_badge_is_as_large_as_the_text_and_leaves_the_message_whole(window,
                                                                                qtbot,
                                                                                tmp_path):
    """In presentation mode the badge has the large text; at 1024×768 after leaving it, a
    run's last message is whole beside the progress bar and the badge."""
    c = window.controller
    open_lesson(window, tmp_path)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(1024, 768)
    settle(qtbot)
    badge = window.session_files.lesson_view.indicator
    assert window.presentation.active
    assert badge.font().pointSizeF() == window.font().pointSizeF()  # the projector's size
    window.presentation.set_active(False)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(1024, 768)
    settle(qtbot)
    assert badge.font().pointSizeF() == window.font().pointSizeF()
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    settle(qtbot)
    message = window.statusBar().currentMessage()
    assert message.startswith("Done:") and "Ctrl+K" in message
    assert_message_whole(window)
    window.statusBar().showMessage("Ready.")
    settle(qtbot)
    assert window.progress.isVisible()  # (a short message leaves it its room)
    assert_message_whole(window)


def test_a_title_wider_than_its_plot_gives_way_in_presentation_mode(window, qtbot, tmp_path):
    """At 1024×768 beside a lesson's settings, a plot's title (the data plot's legend) wider
    than the plot is drawn smaller, and the plot keeps its place (it was pushed past it, its
    axes and the plot beside it cut)."""
    open_lesson(window, tmp_path)
    settle(qtbot)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(1024, 768)
    settle(qtbot)
    plot = window.plot
    title = plot.getPlotItem().titleLabel
    plot.setTitle(title.text + " " + "&nbsp;long&nbsp;legend&nbsp;entry")
    window.resize(1000, 768)  # (a resize fits the titles again)
    settle(qtbot)
    text = title.item.sceneBoundingRect()
    assert 0 <= text.left() and text.right() <= plot.width()
    assert plot.getPlotItem().sceneBoundingRect().width() <= plot.width() + 1
