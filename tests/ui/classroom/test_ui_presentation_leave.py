"""Leaving presentation mode gives the layout back exactly: every widget of the Training
dock where it was, after a run before and one during the mode."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget


def settle(qtbot) -> None:
    QApplication.processEvents()
    qtbot.wait(20)
    QApplication.processEvents()


def dock_layout(window) -> dict:
    """Where each shown widget of the Training dock is, in the window."""
    dock = window.settings_dock
    return {f"{type(w).__name__} {w.objectName()} {i}": (
        w.mapTo(window, w.rect().topLeft()).toTuple(), w.size().toTuple())
        for i, w in enumerate(dock.findChildren(QWidget)) if w.isVisible()}


def run(window, qtbot) -> None:
    c = window.controller
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    settle(qtbot)


def test_leaving_presentation_puts_the_training_dock_back_as_it_was(window, qtbot):
    # a small screen's window (1024×768, or as much of it as the test's screen has: a
    # window larger than its screen is put back smaller)
    screen = window.screen().availableGeometry()
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.setGeometry(screen.x() + 20, screen.y() + 40, min(1024, screen.width() - 40),
                       min(768, screen.height() - 80))
    settle(qtbot)
    run(window, qtbot)
    before = dock_layout(window)
    assert window.panel.epochs.isVisible() and window.panel.more_button.isVisible()
    window.act_presentation.trigger()
    settle(qtbot)
    run(window, qtbot)
    window.act_leave_presentation.trigger()
    settle(qtbot)
    after = dock_layout(window)
    moved = {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys()
             if before.get(k) != after.get(k)}
    assert not moved, moved  # (where each was, and where it is)
