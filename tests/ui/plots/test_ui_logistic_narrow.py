"""The data plot's equation, accuracy and boundary under logistic regression stay whole in a
1024×768 window (they were cut off at the plot's right edge)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from gdstudio.core.data.presets import make


def test_the_sigmoids_numbers_fit_in_the_plot_of_a_small_window(window, qtbot):
    c = window.controller
    window.resize(1024, 768)
    assert c.replace_data(make("hours-pass"), "Load preset")
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")
    overlay = window.line_views.logistic
    overlay.set_line(0.6752, -0.01265)
    QApplication.processEvents()
    label, box = overlay.label, window.plot.getViewBox()
    assert label.isVisible() and "boundary x = " in overlay.text
    shown = label.textItem.toPlainText()
    assert all(part in shown for part in overlay.text.replace("\n", "   ").split("   "))
    assert label.sceneBoundingRect().right() <= box.sceneBoundingRect().right()
    # wide again: side by side, as before
    window.resize(1800, 900)
    QApplication.processEvents()
    assert label.textItem.toPlainText() == overlay.text
