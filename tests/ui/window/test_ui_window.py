"""A window that fits: the screen it opens on, a fixed readout, why actions are disabled,
a watchable first run, Fit to data and presentation mode."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtWidgets import QDockWidget

from gdstudio.core.settings.config import TrainConfig, initial_parameters
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.panels.readout import NBSP
from gdstudio.ui.window.actions import DEFAULT_SPEED
from gdstudio.ui.window.main_window import MainWindow
from gdstudio.ui.window.window_fit import FRAME, fits, fitting_geometry

LAPTOP = QRect(0, 0, 1366, 768)
SMALL = QRect(0, 0, 1024, 768)
LARGE = QRect(0, 0, 1920, 1080)


# --------------------------------------------------------------------------- geometry


@pytest.mark.parametrize("available", [LAPTOP, SMALL, QRect(0, 0, 1366, 728),
                                       QRect(1920, 24, 1366, 744), LARGE])
def test_the_window_opens_inside_the_available_area(available):
    rect = fitting_geometry(available, None)
    assert available.contains(rect.marginsAdded(FRAME))


def test_a_small_screen_is_filled_and_a_large_one_gets_a_larger_window():
    laptop = fitting_geometry(LAPTOP)
    assert laptop.size() == LAPTOP.marginsRemoved(FRAME).size()
    large = fitting_geometry(LARGE)
    assert large.width() > laptop.width() and large.height() > laptop.height()
    assert large.center() == LARGE.marginsRemoved(FRAME).center()  # centred


def test_a_saved_geometry_is_used_only_if_it_fits():
    inside = QRect(100, 80, 1000, 600)
    assert fitting_geometry(LAPTOP, inside) == inside
    for saved in (QRect(0, 0, 1280, 800),  # the old default: the status bar fell off
                  QRect(2000, 100, 800, 600),  # on a screen that is gone
                  QRect(0, 0, 1800, 1000),  # saved on a larger screen
                  QRect(10, 0, 1000, 600)):  # title bar above the screen's top
        assert fitting_geometry(LAPTOP, saved) == fitting_geometry(LAPTOP), saved


def _window(qtbot, tmp_path, name="settings.ini") -> MainWindow:
    win = MainWindow(settings=QSettings(str(tmp_path / name), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    return win


def _show_on(qtbot, win: MainWindow, available: QRect) -> None:
    win.fit_to_screen(available)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.plot.width() > 0 and win.statusBar().isVisible())


def plots_share(win: MainWindow) -> float:
    return (win.plot.width() + win.loss_plot.width()) / win.width()


def test_at_1366x768_the_window_fits_and_the_plots_get_most_of_it(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    _show_on(qtbot, win, LAPTOP)
    assert fits(LAPTOP, win.size())
    assert plots_share(win) >= 0.6
    # everything inside the window: menus, toolbar, plots, readout and status bar
    inside = win.rect()
    for widget in (win.menuBar(), win.toolbar, win.readout, win.statusBar(), win.progress):
        top_left = widget.mapTo(win, widget.rect().topLeft())
        assert inside.contains(QRect(top_left, widget.size())), widget
    laptop_plots = win.plot.width() + win.loss_plot.width()
    win.close()

    big = _window(qtbot, tmp_path, "big.ini")
    _show_on(qtbot, big, LARGE)
    assert big.plot.width() + big.loss_plot.width() > laptop_plots
    big.close()


@pytest.mark.parametrize("available", [LAPTOP, SMALL])
def test_the_smallest_window_fits_a_small_screen(qtbot, tmp_path, available):
    win = _window(qtbot, tmp_path)
    _show_on(qtbot, win, available)
    assert fits(available, win.minimumSizeHint()), win.minimumSizeHint()
    assert fits(available, win.minimumSize().expandedTo(win.minimumSizeHint()))
    win.close()


def test_a_saved_geometry_too_large_for_this_screen_is_not_restored(qtbot, tmp_path):
    available = _window(qtbot, tmp_path, "probe.ini").screen().availableGeometry()
    win = _window(qtbot, tmp_path)
    win.show()
    win.setGeometry(QRect(0, 0, available.width() + 500, available.height() + 300))
    win.close()
    again = _window(qtbot, tmp_path)
    assert fits(available, again.size()), (again.size(), available)
    again.close()


def test_a_saved_geometry_that_fits_comes_back(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    available = win.screen().availableGeometry()
    inner = available.marginsRemoved(FRAME)
    size = win.minimumSizeHint().expandedTo(QSize(700, 560)).boundedTo(inner.size())
    saved = QRect(inner.topLeft(), size)
    win.show()
    win.setGeometry(saved)
    qtbot.waitUntil(lambda: win.geometry() == saved)
    win.close()
    again = _window(qtbot, tmp_path)
    assert again.geometry() == saved
    again.close()


# --------------------------------------------------------------------------- readout


def first_line(win: MainWindow) -> str:
    return win.readout.text().split("\n")[0]


@pytest.mark.slow
def test_the_readout_numbers_keep_their_places_during_a_run(window, qtbot):
    p = window.panel
    p.learning_rate.setText("0.05")
    p.epochs.setValue(500)
    lines = []
    for i in range(12):
        window.act_step.trigger()
        qtbot.waitUntil(lambda i=i: window.controller.session.history.count == i + 1
                        and window.controller.session.state is RunState.PAUSED)
        lines.append(first_line(window))
    window.act_stop.trigger()
    qtbot.waitUntil(lambda: window.controller.session.state is RunState.IDLE)
    assert len({len(line) for line in lines}) == 1, lines
    for label in (f"w{NBSP}", f"b{NBSP}", "(loss"):
        assert len({line.index(label) for line in lines}) == 1, (label, lines)
    assert len(set(lines)) == len(lines)  # the numbers did change


def test_a_random_start_shows_the_w_and_b_it_drew(window, qtbot):
    config = TrainConfig(init_w=None, init_b=None, seed=11)
    window.panel.set_config(config)
    w, b = initial_parameters(config, window.controller.model.dataset.dtype)
    text = window.readout.text().replace(NBSP, " ")
    assert "start (drawn from seed 11):" in text
    assert f"w {w:.6g}" in text and f"b {b:.6g}" in text
    # the run starts where the readout said
    with qtbot.waitSignal(window.controller.runFinished, timeout=20_000):
        assert window.controller.train()
    assert window.controller.session.init == (w, b)
    assert f"w {w:.6g}" in window.readout.text().replace(NBSP, " ")


# --------------------------------------------------------------------------- tooltips


def test_a_disabled_train_button_says_why(window, qtbot):
    button = window.toolbar.widgetForAction(window.act_train)
    assert window.act_train.isEnabled() and "No data" not in button.toolTip()
    window.controller.clear()
    qtbot.waitUntil(lambda: not window.act_train.isEnabled())
    assert "No data" in button.toolTip()
    assert "No data" in window.act_train.statusTip()
    # buttons bound to an action say it too
    assert "Nothing to redo" in window.data_panel.btn_redo.toolTip()


# --------------------------------------------------------------------------- speed


def test_a_first_launch_trains_at_a_watchable_speed_and_the_speed_is_remembered(
        qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    win.show()
    assert win.speed.currentIndex() == DEFAULT_SPEED
    assert 0.05 <= win.speed.currentData() <= 0.5  # 2 to 20 epochs a second
    epochs = win.panel.epochs.value()
    t0 = time.monotonic()
    with qtbot.waitSignal(win.controller.runFinished, timeout=60_000):
        assert win.controller.train()
    took = time.monotonic() - t0
    assert win.controller.session.history.count == epochs
    # the default run lasts long enough to watch (at least a second), every epoch drawn
    assert took >= 0.9 * epochs * win.speed.currentData() >= 1.0, took
    win.speed.setCurrentIndex(5)
    win.close()
    again = _window(qtbot, tmp_path)
    assert again.speed.currentIndex() == 5
    again.close()


# --------------------------------------------------------------------------- fit to data


def test_fit_to_data_restores_both_views_after_zooming(window, qtbot):
    with qtbot.waitSignal(window.controller.runFinished, timeout=20_000):
        assert window.controller.train()
    d = window.controller.model.dataset
    loss = window.controller.session.history.loss
    window.plot.getViewBox().setRange(xRange=(0.1, 0.2), yRange=(0.1, 0.2), padding=0)
    window.loss_plot.getViewBox().setRange(xRange=(3, 4), yRange=(-1, 0), padding=0)
    window.act_fit_view.trigger()
    (x0, x1), (y0, y1) = window.plot.getViewBox().viewRange()
    assert x0 <= d.x.min() and d.x.max() <= x1 and y0 <= d.y.min() and d.y.max() <= y1
    (e0, e1), (l0, l1) = window.loss_plot.getViewBox().viewRange()
    assert e0 <= 0 and len(loss) - 1 <= e1
    assert l0 <= float(np.min(loss)) and float(np.max(loss)) <= l1
    keys = {k.toString() for k in window.act_fit_view.shortcuts()}
    assert {"Ctrl+0", "Home"} <= keys


# --------------------------------------------------------------------------- presentation


def _layout(win: MainWindow):
    return (bytes(win.saveState()), win.geometry(), win.isFullScreen(),
            win.menuBar().isVisible(), win.font().pointSizeF(),
            win.readout.font().pointSizeF(), win.plot.fit_line.opts["pen"].widthF(),
            win.plot.scatter.opts["size"],
            {d.objectName(): d.isVisible() for d in win.findChildren(QDockWidget)})


def test_presentation_mode_is_large_and_leaving_it_restores_the_layout(window, qtbot):
    top = window.centralWidget().y()
    window.toolbar.hide()  # the toolbar comes back for the mode, and goes again after
    qtbot.waitUntil(lambda: window.centralWidget().y() < top)  # laid out without it
    before = _layout(window)
    assert window.act_presentation.shortcut().toString() == "F11"
    window.act_presentation.trigger()
    qtbot.waitUntil(window.isFullScreen)
    assert not any(d.isVisible() for d in window.findChildren(QDockWidget))
    ticks = window.plot.getPlotItem().getAxis("bottom").style["tickFont"]
    assert ticks is not None and ticks.pointSizeF() >= 14
    assert not window.menuBar().isVisible()
    assert window.toolbar.isVisible()
    for name in ("train", "pause", "stop", "step"):
        assert window.toolbar.widgetForAction(window.actions_by_name[name]).isVisible(), name
    assert window.font().pointSizeF() >= 1.5 * before[4]
    # the readout as large as keeps its lines on one line (READOUT_CHARS), at most 1.6×
    from gdstudio.ui.classroom.status_room import READOUT_CHARS, readout_scale

    qtbot.waitUntil(lambda: window.readout.font().pointSizeF() == pytest.approx(
        before[5] * readout_scale(window.readout.contentsRect().width())))
    assert window.readout.fontMetrics().horizontalAdvance(
        "0" * READOUT_CHARS) <= window.readout.contentsRect().width()
    assert window.plot.fit_line.opts["pen"].widthF() >= 2 * before[6]
    assert window.plot.scatter.opts["size"] >= 2 * before[7]
    assert window.act_leave_presentation.isEnabled()
    assert window.act_leave_presentation.shortcut().toString() == "Esc"
    window.act_leave_presentation.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert not window.act_presentation.isChecked()
    assert _layout(window) == before
    assert not window.toolbar.isVisible()
    assert window.plot.getPlotItem().getAxis("bottom").style["tickFont"] is None
    assert not window.act_leave_presentation.isEnabled()  # Esc is free again


def test_closing_in_presentation_mode_saves_the_normal_layout(qtbot, tmp_path):
    win = _window(qtbot, tmp_path)
    win.show()
    qtbot.waitExposed(win)
    win.act_presentation.trigger()
    qtbot.waitUntil(win.isFullScreen)
    win.close()
    again = _window(qtbot, tmp_path)
    again.show()
    qtbot.waitExposed(again)
    assert not again.isFullScreen() and again.menuBar().isVisible()
    assert again.findChild(QDockWidget, "trainingDock").isVisible()
    assert again.readout.font().pointSizeF() == win.readout.font().pointSizeF()
    again.close()


def test_the_epoch_progress_appearing_does_not_move_the_run_progress(window, qtbot):
    """A stochastic run's second bar (the updates in the epoch under way) comes on the left
    of the run's progress: the run's bar stays where it was."""
    from PySide6.QtWidgets import QApplication

    from gdstudio.core.training.control import EpochProgress

    window.statusBar().showMessage("Training")
    QApplication.processEvents()
    progress, epoch = window.progress, window.epoch_progress
    assert progress.isVisible() and not epoch.isVisible()
    where = progress.geometry()
    epoch.show_position(EpochProgress(6, 0, 100, 0.0, 0.0))
    qtbot.waitUntil(lambda: epoch.geometry().right() < progress.geometry().left())
    assert epoch.format() == "epoch 7: 0 / 100"
    assert progress.isVisible() and progress.geometry() == where
    epoch.setVisible(False)
    QApplication.processEvents()
    assert progress.geometry() == where
