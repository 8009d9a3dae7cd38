"""What both plots share: the runs' colours, cached axes, and a legend in the title (outside
the plot area, so it never covers or clips a curve)."""

from __future__ import annotations

from html import escape

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from gdstudio.ui.studio.palette import CURRENT_COLOR, RUN_COLORS

__all__ = ["CURRENT_COLOR", "RUN_COLORS", "cache_axes", "legend_title", "run_pen"]

SOLID, DASHED = "\u2501\u2501", "\u254d\u254d"


def cache_axes(plot: pg.PlotWidget) -> None:
    """Draw axes (and grid lines) from a cached pixmap until their range changes."""
    for axis in plot.getPlotItem().axes.values():
        axis["item"].setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def legend_title(entries) -> str:
    """A plot title that is its legend: ``entries`` are (colour, dashed, text), each shown as
    a short line of its colour (dashed or solid) and its text."""
    parts = [f'<span style="color:{color}">{DASHED if dashed else SOLID}</span>'
             f"&nbsp;{escape(text)}" for color, dashed, text in entries]
    return "&nbsp;&nbsp;&nbsp;".join(parts)


#: Line widths: a curve, a selected (highlighted) curve.
WIDTH, HIGHLIGHT_WIDTH = 2, 4
#: The alpha of the other curves while a kept run is selected.
DIMMED_ALPHA = 70
#: Stacking of a run's curve or line: kept runs, selected kept runs above them, and the
#: current run on top (it never hides under a kept run, even an identical or selected one).
KEPT_Z, SELECTED_Z, CURRENT_Z = 0, 3, 5


def run_pen(color: str, stale: bool = False, width: float = WIDTH, alpha: int = 255):
    """The pen of a run's curve or line: dashed when trained on data changed since."""
    c = QColor(color)
    c.setAlpha(alpha)
    pen = pg.mkPen(c, width=width)
    if stale:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen
