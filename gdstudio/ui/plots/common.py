"""What both plots share: the kept runs' colours and cached axes."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

# Kept runs' colours; red is the current run's (and the fit line's).
RUN_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
              "#7f7f7f", "#bcbd22", "#000000"]


def cache_axes(plot: pg.PlotWidget) -> None:
    """Draw axes (and grid lines) from a cached pixmap until their range changes."""
    for axis in plot.getPlotItem().axes.values():
        axis["item"].setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
