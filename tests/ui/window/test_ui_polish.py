"""Small things a learner notices: the presets greyed during a run, the status message in
presentation mode, "-0" in the equation, the valley's label inside the landscape."""

from __future__ import annotations

import pytest

from gdstudio.core.settings.config import TrainConfig


def _presets(window):
    menu = window.presets_menu
    return menu.menuAction(), [a for a in menu.actions() if a.objectName().startswith("preset-")]


def test_presets_are_greyed_while_a_run_is_active(window, qtbot):
    c = window.controller
    entry, items = _presets(window)
    assert items and entry.isEnabled() and all(a.isEnabled() for a in items)
    window.speed.setCurrentIndex(window.speed.count() - 1)  # slow: the run stays active
    assert c.train(TrainConfig(epochs=1000, init_w=0.0, init_b=0.0))
    qtbot.waitUntil(lambda: c.state == "running", timeout=10_000)
    assert not entry.isEnabled()
    assert not any(a.isEnabled() for a in items)
    assert "stop it (Shift+F5)" in entry.statusTip()  # the words of the data's lock
    c.pause()
    qtbot.waitUntil(lambda: c.state == "paused", timeout=10_000)
    assert not entry.isEnabled()
    with qtbot.waitSignal(c.runFinished, timeout=10_000):
        c.stop()
    assert entry.isEnabled() and all(a.isEnabled() for a in items)
    assert entry.statusTip() == ""


def _type(field, text):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


@pytest.mark.parametrize(("w", "b", "shown"), [("-0", "3", "y = 0·x + 3"),
                                               ("2", "-0", "y = 2·x + 0"),
                                               ("-0", "-0.0", "y = 0·x + 0")])
def test_a_typed_minus_zero_shows_as_zero_in_the_equation(window, qtbot, w, b, shown):
    from gdstudio.core.models.line.linefit import equation_text

    views = window.line_views
    panel = views.your_panel
    panel.enabled.setChecked(True)
    _type(panel.w_field, w)
    _type(panel.b_field, b)
    assert views.overlay.text.startswith(shown + "    "), views.overlay.text
    assert views.overlay.label.toPlainText().startswith(shown + "    ")  # as drawn
    assert equation_text(-0.0, -0.0) == "y = 0·x + 0"


@pytest.mark.parametrize("points", [[(2.0, 5.0)], [(3.0, 1.0), (3.0, 4.0), (3.0, -2.0)]])
def test_the_valley_label_stays_inside_the_landscape(window, qtbot, points):
    from gdstudio.core.data.dataset import Dataset

    c = window.controller
    x, y = zip(*points, strict=True)
    assert c.replace_data(Dataset(list(x), list(y)), "valley")
    plot = window.landscape_plot
    qtbot.waitUntil(lambda: plot.frame is not None and not plot.frame.unique, timeout=10_000)
    label = plot.valley_label
    assert label.textItem.toPlainText() == "many optima (a valley)"
    view = plot.getViewBox()
    for zoom in (None, 0.6):
        if zoom:  # the user zooms: the label follows, still inside
            view.scaleBy((zoom, zoom))
        qtbot.wait(10)
        box, inside = label.sceneBoundingRect(), view.sceneBoundingRect()
        assert box.width() > 20
        assert inside.contains(box), (box, inside)


def _message_fits(window) -> bool:
    bar = window.statusBar()
    message = bar.currentMessage()
    covered = sum(x.width() for x in (window.progress, window.import_progress,
                                      window.epoch_progress) if x.isVisible())
    return bar.fontMetrics().horizontalAdvance(message) + 24 <= bar.width() - covered


def test_a_long_status_message_is_readable_in_presentation_mode(window, qtbot):
    c = window.controller
    window.resize(1024, 768)
    window.presentation.set_active(True)
    qtbot.wait(50)
    bar = window.statusBar()
    words = ("The data is locked while training runs: stop it (Shift+F5) to edit. Press F5 "
             "to train on the data, or open a preset to start again from the first "
             "tutorial's points.").split()
    long_message = ""
    while bar.fontMetrics().horizontalAdvance(long_message) + 24 < bar.width() - 200:
        long_message = f"{long_message} {words.pop(0)}".strip()  # fits the bar, not the
    assert bar.fontMetrics().horizontalAdvance(long_message) + 24 <= bar.width()  # bar and
    # the 260-pixel progress bar beside it
    bar.showMessage(long_message)
    qtbot.wait(10)
    assert _message_fits(window)
    # a run: its progress shows beside a short message, narrower, and hides for a long one
    window.speed.setCurrentIndex(window.speed.count() - 1)
    assert c.train(TrainConfig(epochs=1000, init_w=0.0, init_b=0.0))
    qtbot.waitUntil(lambda: c.state == "running", timeout=10_000)
    bar.showMessage("Training…")
    qtbot.wait(10)
    assert window.progress.isVisible() and _message_fits(window)
    bar.showMessage(long_message)
    qtbot.wait(10)
    assert _message_fits(window)
    with qtbot.waitSignal(c.runFinished, timeout=10_000):
        c.stop()
    window.presentation.set_active(False)
    assert window.progress.isVisible() and window.progress.maximumWidth() == 260
