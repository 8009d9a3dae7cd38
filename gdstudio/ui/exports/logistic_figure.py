"""The data view of a logistic regression run's figure (``gdstudio train --figure``): the
labelled points in two colours on their rows y = 0 and y = 1, the sigmoid p(x) = σ(w·x + b)
of the final (w, b) and the decision boundary x = −b/w, where p = 0.5 (see
:class:`~gdstudio.core.drawing.figure_data.FigureData`)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gdstudio.core.drawing.figure_data import FigureData
from gdstudio.ui.studio.palette import CURRENT_COLOR

__all__ = ["logistic_data_plot"]

#: Each class's marker: colour-blind-safe colours and two shapes.
CLASS_MARKERS = {0: ("o", "#0072b2"), 1: ("s", "#cc79a7")}
BOUNDARY_COLOR = "#444444"


def logistic_data_plot(data: FigureData) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w")
    plot.setLabel("bottom", "x")
    plot.setLabel("left", "label y, p(x)")
    shown = ("" if data.total_points <= data.drawn_points else
             f" ({data.drawn_points:,} of {data.total_points:,})")
    sign = "−" if data.b < 0 else "+"
    where = ("no boundary (w = 0)" if data.boundary is None
             else f"boundary x = {data.boundary:.4g}")
    plot.setTitle(f"p = σ({data.w:.4g}·x {sign} {abs(data.b):.4g}), {where}{shown}")
    for label, (symbol, colour) in CLASS_MARKERS.items():
        mine = data.y == label
        plot.addItem(pg.ScatterPlotItem(data.x[mine], data.y[mine], size=7, symbol=symbol,
                                        pen=pg.mkPen(None), brush=pg.mkBrush(colour),
                                        name=f"class {label}"))
    if data.sigmoid is not None:
        xs, p = data.sigmoid
        plot.addItem(pg.PlotCurveItem(xs, p, pen=pg.mkPen(CURRENT_COLOR, width=2)))
        if data.boundary is not None and xs[0] <= data.boundary <= xs[-1]:
            plot.addItem(pg.InfiniteLine(data.boundary, angle=90, pen=pg.mkPen(
                BOUNDARY_COLOR, width=1.5, style=Qt.PenStyle.DashLine)))
    plot.setYRange(-0.1, 1.1, padding=0)
    if len(data.x):
        plot.setXRange(*(data.sigmoid[0][[0, -1]] if data.sigmoid is not None
                         else (np.min(data.x), np.max(data.x))), padding=0)
    return plot
