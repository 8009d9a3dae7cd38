"""Presentation mode with logistic regression: switched to while presenting, the sigmoid and
every curve of the data plot are drawn as thick as the rest, the texts as large."""

from __future__ import annotations

import pyqtgraph as pg

from gdstudio.ui.classroom.presentation import FONT_SCALE, LINE_SCALE


def widths(plot) -> list[tuple[float, float]]:
    """(pen width, its width as made) of each curve on ``plot`` (a curve with no pen: none)."""
    out = []
    for item in plot.getPlotItem().listDataItems():
        if isinstance(item, pg.PlotDataItem) and item.opts["pen"] is not None \
                and item.isVisible():
            base = getattr(item, "gd_base_pen", None)
            out.append((pg.mkPen(item.opts["pen"]).widthF(),
                        None if base is None else max(base.widthF(), 1.0)))
    return out


def test_switching_to_logistic_regression_while_presenting_draws_it_large(window, qtbot):
    c = window.controller
    c.view_options.set("presentation", True)
    assert window.presentation.active
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")
    shown = widths(window.plot)
    assert shown  # the sigmoid at least
    qtbot.waitUntil(lambda: all(base is not None and width == base * LINE_SCALE
                                for width, base in widths(window.plot)), timeout=3000)
    texts = [i for i in window.plot.scene().items()
             if isinstance(i, pg.TextItem) and i.isVisible() and i.textItem.toPlainText()]
    assert texts  # the readout on the plot: p = σ(w·x + b), accuracy, boundary
    qtbot.waitUntil(lambda: all(
        getattr(i, "gd_base_font", None) is not None
        and i.textItem.font().pointSizeF() == i.gd_base_font.pointSizeF() * FONT_SCALE
        for i in texts), timeout=3000)
    c.view_options.set("presentation", False)
    assert all(width == base for width, base in widths(window.plot))
