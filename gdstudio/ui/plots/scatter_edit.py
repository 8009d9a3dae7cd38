"""The data plot's scatter after an edit of one point: which points are shown, and the
coordinates written in place.

Beyond :data:`MAX_SHOWN_POINTS` points the plot shows every ``stride``-th point. pyqtgraph's
``ScatterPlotItem.setData`` styles every spot again (about a second for 100,000 spots), so an
edit that leaves as many points shown, or one more or fewer, writes the new coordinates into
the scatter's record array instead (well under a millisecond a thousand points). The stride
of a new data set leaves room for added points (``n + n/64``), and an edit keeps the stride
while it shows at most :data:`MAX_SHOWN_POINTS` and at least half as many: adding one point
to a million never changes which points are shown.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem

#: Beyond this many points the scatter shows an evenly thinned subset; training uses all.
MAX_SHOWN_POINTS = 100_000


def shown_stride(n: int, current: int | None = None) -> int:
    """Every how many of ``n`` points one is shown; ``current``: the stride before an edit
    (None for a new data set)."""
    if n <= MAX_SHOWN_POINTS:
        return 1
    if current is not None and current > 1:
        shown = -(-n // current)
        if MAX_SHOWN_POINTS // 2 <= shown <= MAX_SHOWN_POINTS:
            return current
    return -(-(n + n // 64) // MAX_SHOWN_POINTS)


#: Up to this many spots moved (and the points' bounds unchanged) only the places they
#: leave and reach are painted again.
FEW_MOVED = 8


class ExposedScatter(pg.ScatterPlotItem):
    """A scatter whose paint draws only the spots in the part of it that must be painted
    again (``option.exposedRect``): a moved spot repaints two small squares of its cached
    pixmap, not its 100,000 spots (about 70 ms)."""

    def __init__(self, *args, **kwargs):
        self._exposed = None
        super().__init__(*args, **kwargs)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)

    def paint(self, p, option, widget):
        self._exposed = option.exposedRect
        try:
            super().paint(p, option, widget)
        finally:
            self._exposed = None

    def viewRect(self):
        rect = super().viewRect()
        if self._exposed is not None and rect is not None:
            return rect.intersected(self._exposed)
        return rect


def update_in_place(scatter, xs: np.ndarray, ys: np.ndarray) -> bool:
    """Show the points ``(xs, ys)`` in ``scatter`` (a ``pyqtgraph.ScatterPlotItem`` whose
    spots all have its default style) by writing their coordinates into its records; False
    (nothing done) when it shows no points or more than one point more or fewer."""
    data = getattr(scatter, "data", None)
    m = len(xs)
    if data is None or not len(data) or abs(m - len(data)) > 1 or not m:
        return False
    if m == len(data) and _repaint_moved(scatter, data, xs, ys):
        return True
    if m == len(data) + 1:
        extra = data[-1:].copy()  # the same style as every other spot
        extra["item"] = None
        data = np.concatenate([data, extra])
    elif m == len(data) - 1:
        data = data[:-1]
    data["x"] = xs
    data["y"] = ys
    scatter.data = data
    scatter.prepareGeometryChange()
    scatter.informViewBoundsChanged()
    scatter.bounds = [None, None]
    scatter.invalidate()
    scatter.sigPlotChanged.emit(scatter)
    return True


def _repaint_moved(scatter, data, xs, ys) -> bool:
    """Write the spots that moved, if at most :data:`FEW_MOVED` and within the scatter's
    bounds, and ask for the places they leave and reach to be painted again; False (nothing
    done) otherwise."""
    with np.errstate(invalid="ignore"):
        moved = np.flatnonzero((data["x"] != xs) | (data["y"] != ys))
    if len(moved) > FEW_MOVED:
        return False
    if not len(moved):
        return True  # none of the points shown changed
    inside = (xs.min(), xs.max(), ys.min(), ys.max()) == (
        data["x"].min(), data["x"].max(), data["y"].min(), data["y"].max())
    px, py = scatter.pixelVectors()
    if not inside or px is None or py is None:
        return False
    pad = 2.0 * scatter.pixelPadding() + 2.0  # the spot's radius with its pen, and a margin
    wx, wy = pad * px.length(), pad * py.length()
    rects = [QRectF(float(cx) - wx, float(cy) - wy, 2 * wx, 2 * wy)
             for i in moved for cx, cy in ((data["x"][i], data["y"][i]), (xs[i], ys[i]))]
    data["x"][moved] = xs[moved]
    data["y"][moved] = ys[moved]
    for rect in rects:
        scatter.update(rect)
    return True
