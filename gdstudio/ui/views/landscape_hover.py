"""Hovering the landscape: the moment of the run's path nearest the pointer.

The points that can be named are the moments of the timeline's run (its start and the end
of every epoch, the path's marked points): within :data:`HOVER_PX` pixels of the pointer,
the nearest one's epoch, w, b and loss are shown beside it, worded as the timeline words
them. The updates inside an epoch are drawn but not named.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal, Slot

#: How near the pointer a moment must be to be named (pixels).
HOVER_PX = 10.0


class LandscapeHover(QObject):
    """Names the moment of ``timeline``'s run nearest the pointer on ``plot``."""

    #: The text shown ('' when none).
    hoverChanged = Signal(str)

    def __init__(self, timeline, plot, parent=None):
        super().__init__(parent)
        self.timeline, self.plot = timeline, plot
        self.text = ""
        self.item = pg.TextItem("", color="k", fill=pg.mkBrush(255, 255, 230, 230),
                                anchor=(0, 1))
        self.item.setZValue(30)
        self.item.hide()
        plot.addItem(self.item, ignoreBounds=True)
        plot.hovered.connect(self.hover_at)

    def _moments(self) -> np.ndarray:
        """Rows (w, b) of the run's moments 0 … N (the start, then each epoch's end)."""
        columns = self.timeline.columns()
        if columns is None:
            return np.empty((0, 2))
        _, w, b, init, end, _ = columns
        points = np.column_stack([np.r_[init[0], w], np.r_[init[1], b]])
        if end is not None and len(end) > 3 and end[3]:  # stopped inside an epoch: the last
            points[-1] = end[:2]  # moment is the line reached there (as the timeline says)
        return points

    @Slot(float, float)
    def hover_at(self, w: float, b: float) -> str:
        """The text for the pointer at (w, b) in the landscape's coordinates."""
        points = self._moments()
        text = ""
        if len(points):
            pw, pb = self.plot.getViewBox().viewPixelSize()
            if pw > 0 and pb > 0:
                with np.errstate(over="ignore", invalid="ignore"):
                    d2 = ((points[:, 0] - w) / pw) ** 2 + ((points[:, 1] - b) / pb) ** 2
                d2 = np.where(np.isfinite(d2), d2, np.inf)
                n = int(np.argmin(d2))
                if d2[n] <= HOVER_PX ** 2:
                    moment = self.timeline.moment_at(n)
                    if moment is not None:
                        text = moment.text()
                        self.item.setPos(*points[n])
        self.item.setText(text)
        self.item.setVisible(bool(text))
        if text != self.text:
            self.text = text
            self.hoverChanged.emit(text)
        return text
