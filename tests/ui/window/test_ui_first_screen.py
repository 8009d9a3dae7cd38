"""The first screen a learner sees: what a first run needs (the method, the implementation,
the learning rate, the epochs and Train) in view without scrolling at 1366×768 and 1024×768,
the rest under More settings, one click away and open or closed as it was left; every
control and plot named for screen readers and test automation, and every action reachable
from the keyboard."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QScrollArea,
    QScrollBar,
    QSlider,
    QTabBar,
    QWidget,
)

from gdstudio.core.settings.description import SETTINGS
from gdstudio.ui.window.main_window import MainWindow

BASIC = [s.name for s in SETTINGS if s.basic]
#: The screens of a laptop and of a classroom projector (the whole screen: the window
#: opens in its available area, less a title bar).
SCREENS = {"1366x768": QRect(0, 0, 1366, 768), "1024x768": QRect(0, 0, 1024, 768)}


def in_view(window, widget: QWidget) -> bool:
    """``widget`` is shown, inside the window, and not scrolled out of its scroll area's
    view (no part of it hidden below the fold)."""
    if not widget.isVisible() or widget.visibleRegion().isEmpty():
        return False
    rect = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    if not window.rect().contains(rect):
        return False
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QScrollArea):
            view = parent.viewport()
            seen = QRect(view.mapTo(window, view.rect().topLeft()), view.size())
            if not seen.contains(rect):
                return False
        parent = parent.parentWidget()
    return True


def test_the_first_section_is_the_settings_the_description_marks_basic():
    assert BASIC == ["model", "method", "impl", "learning_rate", "epochs"]


@pytest.mark.parametrize("screen", SCREENS, ids=str)
def test_a_first_run_needs_no_scrolling(window, screen):
    window.fit_to_screen(SCREENS[screen])
    QApplication.processEvents()
    panel = window.panel
    assert not panel.more_shown()  # a first launch: the basics
    for name in BASIC:
        assert in_view(window, panel.fields()[name]), name
    assert in_view(window, window.train_strip.train_button)
    assert in_view(window, panel.more_button)
    # the rest is one click away
    assert not panel.fields()["seed"].isVisible()
    assert not panel.fields()["loss"].isVisible()
    QTest.mouseClick(panel.more_button, Qt.MouseButton.LeftButton)
    assert panel.more_shown()
    assert panel.fields()["seed"].isVisible() and panel.fields()["loss"].isVisible()
    assert in_view(window, window.train_strip.train_button)  # Train stays in view


def test_the_train_button_trains_and_follows_the_train_action(window, qtbot):
    button = window.train_strip.train_button
    assert button.isEnabled() and "F5" in button.text()
    with qtbot.waitSignal(window.controller.runFinished, timeout=60_000):
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.controller.history.count == 20
    window.controller.clear()
    assert not window.act_train.isEnabled() and not button.isEnabled()  # no data


def test_more_settings_is_open_or_closed_as_it_was_left(qtbot, tmp_path):
    path = str(tmp_path / "settings.ini")

    def launch() -> MainWindow:
        win = MainWindow(settings=QSettings(path, QSettings.Format.IniFormat))
        qtbot.addWidget(win)
        return win

    first = launch()
    assert not first.panel.more_shown()
    first.panel.more_button.click()
    first.save_settings()
    second = launch()
    assert second.panel.more_shown()
    second.panel.more_button.click()
    second.save_settings()
    assert not launch().panel.more_shown()
    settings = QSettings(path, QSettings.Format.IniFormat)
    settings.setValue("moreSettings", "sideways")
    settings.sync()
    damaged = launch()
    assert not damaged.panel.more_shown()
    assert "moreSettings" in damaged.statusBar().currentMessage()


def test_the_closed_section_says_what_it_holds_that_was_changed(window):
    panel = window.panel
    assert panel.more_button.text() == "More settings"
    window.controller.settings_model.update({"loss": "huber", "seed": 7})
    assert panel.more_button.text() == "More settings (2 changed)"
    assert "Loss" in panel.more_button.toolTip() and "Seed" in panel.more_button.toolTip()


def test_an_invalid_field_under_more_settings_opens_it(window):
    panel = window.panel
    window.controller.settings_model.update({"impl": "module"})
    panel.momentum.setText("abc")
    assert not panel.more_shown()
    assert not window.controller.train()
    assert panel.more_shown() and panel.momentum.isVisible()
    assert panel.field_error_text("momentum")


# --------------------------------------------------------------------------- accessible


INPUTS = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QSlider, QAbstractItemView,
          pg.GraphicsView)


def controls(window) -> list[QWidget]:
    """Every input and plot of the main window, shown or not (a field under More settings,
    a row of another path), less the parts Qt makes inside its own widgets (a spin box's
    line edit, a dock's title buttons, scroll bars, the dock tabs' arrows)."""
    out = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, INPUTS) or widget.window() is not window:
            continue
        if widget.objectName().startswith("qt_") or isinstance(widget, QScrollBar):
            continue
        if isinstance(widget.parentWidget(), (QTabBar, QAbstractSpinBox)):
            continue
        out.append(widget)
    return out


def describe(widget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__} {text!r}"


def test_every_control_and_plot_has_a_name_and_a_description(window):
    found = controls(window)
    assert len(found) > 50  # (the walk finds the fields, the buttons, the plots...)
    assert sum(isinstance(w, pg.GraphicsView) for w in found) == 3
    unnamed = [describe(w) for w in found if not w.accessibleName().strip()]
    undescribed = [describe(w) for w in found if not w.accessibleDescription().strip()]
    assert unnamed == [] and undescribed == []
    assert window.panel.learning_rate.accessibleName() == "Learning rate"
    assert "positive" in window.panel.learning_rate.accessibleDescription()


def letter(text: str) -> str | None:
    """A menu text's mnemonic letter ('&&' is a plain '&'), or None."""
    plain = text.replace("&&", "")
    return plain[plain.index("&") + 1].lower() if "&" in plain else None


def menus(window):
    """Each menu (the menu bar's and their submenus) with its title's path."""
    todo = [((a.text(),), a.menu()) for a in window.menuBar().actions()]
    while todo:
        path, menu = todo.pop(0)
        yield path, menu
        todo += [((*path, a.text()), a.menu()) for a in menu.actions() if a.menu() is not None]


def test_every_menu_entry_is_reachable_from_the_keyboard(window):
    """Alt and a menu's letter open it, a submenu has its letter too (every title has one),
    and no two entries of a menu share a letter, so a letter chooses its entry at once
    (entries without a letter, e.g. View's docks, are reached with the arrow keys)."""
    top = [a.text() for a in window.menuBar().actions()]
    assert all(letter(t) for t in top) and len({letter(t) for t in top}) == len(top), top
    found = list(menus(window))
    assert len(found) >= 7  # the five menus, Open recent, Open preset
    entries = 0
    for path, menu in found:
        assert letter(path[-1]), path
        letters = [letter(a.text()) for a in menu.actions() if not a.isSeparator()]
        used = [x for x in letters if x]
        assert len(set(used)) == len(used), (path, [a.text() for a in menu.actions()])
        entries += len(letters)
    assert entries > 40
    without = [a for a in window.actions() if a.shortcut().isEmpty() and not letter(a.text())
               and a.text()]
    assert [a.text() for a in without] == []  # the window's own actions: a letter or keys


def tab_through(window, start: QWidget, presses: int) -> list[QWidget]:
    start.setFocus(Qt.FocusReason.TabFocusReason)
    seen = [QApplication.focusWidget()]
    for _ in range(presses):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    return seen


def test_tab_reaches_the_basic_settings_and_train_in_order(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    panel = window.panel
    seen = tab_through(window, panel.method, 8)
    wanted = [panel.method, panel.impl, panel.learning_rate, panel.epochs,
              window.train_strip.train_button, panel.more_button]
    assert [w for w in seen if w in wanted] == wanted, [describe(w) for w in seen]
