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


def update_in_place(scatter, xs: np.ndarray, ys: np.ndarray, grow: bool = False) -> bool:
    """Show the points ``(xs, ys)`` in ``scatter`` (a ``pyqtgraph.ScatterPlotItem`` whose
    spots all have its default style) by writing their coordinates into its records; False
    (nothing done) when it shows no points or more than one point more or fewer (with
    ``grow``, any number more: a run's epoch markers, several epochs a frame)."""
    data = getattr(scatter, "data", None)
    m = len(xs)
    more = m - len(data) if data is not None else 0
    if data is None or not len(data) or not m or more < -1 or (more > 1 and not grow):
        return False
    if m == len(data) and _repaint_moved(scatter, data, xs, ys):
        return True
    if more > 0:
        extra = np.repeat(data[-1:], more)  # the same style as every other spot
        extra["item"] = None
        data = np.concatenate([data, extra])
    elif m == len(data) - 1:
        data = data[:-1]
    data["x"] = xs
    data["y"] = ys
    scatter.data = data
    scatter.gd_bounds = None  # (see _bounds)
    scatter.prepareGeometryChange()
    scatter.informViewBoundsChanged()
    scatter.bounds = [None, None]
    scatter.invalidate()
    scatter.sigPlotChanged.emit(scatter)
    return True


def update_one(scatter, x: np.ndarray, y: np.ndarray, stride: int, old_n: int, kind: str,
               index: int) -> bool:
    """After an edit of one point of ``old_n`` (``kind`` ``"move"``, or ``"add"`` at the
    end; ``index`` the moved or added point) show the points ``x``, ``y`` in ``scatter``,
    which shows every ``stride``-th of them and still does: the spot of that point, if it
    is one, written in O(1). False (nothing done) when it cannot be (a spot added, the
    spots' bounds changed...): :func:`update_in_place` then writes them all."""
    data = getattr(scatter, "data", None)
    if data is None or len(data) != -(-old_n // stride):
        return False
    if kind == "move" and len(x) == old_n and 0 <= index < old_n:
        if index % stride:
            return True  # not a point shown
        return _repaint_moved(scatter, data, None, None,
                              ((index // stride, float(x[index]), float(y[index])),))
    if kind == "add" and len(x) == old_n + 1 and index == old_n:
        if -(-len(x) // stride) == len(data):
            return True  # not shown: nothing to draw
        return _append_spot(scatter, data, float(x[index]), float(y[index]))
    return False


def move_spot(scatter, spot: int, x: float, y: float) -> bool:
    """Move spot ``spot`` of ``scatter`` to (x, y) in O(1) (see :func:`update_one`); False
    (nothing done) when it cannot be."""
    data = getattr(scatter, "data", None)
    if data is None or not 0 <= spot < len(data):
        return False
    return _repaint_moved(scatter, data, None, None, ((spot, x, y),))


def append_spot(scatter, x: float, y: float) -> bool:
    """Add a spot at (x, y) after the last of ``scatter`` in O(1) (see :func:`update_one`);
    False (nothing done) when it cannot be."""
    data = getattr(scatter, "data", None)
    return data is not None and _append_spot(scatter, data, x, y)


def keep_room(scatter) -> np.ndarray:
    """Move the scatter's spot records into an array with room for 1/64 more after them
    (its ``gd_room``; ``scatter.data`` a view of its start), so that a spot added after an
    edit is written in O(1); call after its ``setData``."""
    data = scatter.data
    m = len(data)
    room = np.empty(m + m // 64 + 16, dtype=data.dtype)
    room[:m] = data
    scatter.data = room[:m]
    scatter.gd_room = room
    return room


def _append_spot(scatter, data, x: float, y: float) -> bool:
    """Show one more spot at (x, y) if it lies within the spots' bounds: its record written
    into room kept after the records (made once per 1/64 more spots), its square painted."""
    if not len(data):
        return False
    x0, x1, y0, y1 = _bounds(scatter, data)
    px, py = scatter.pixelVectors()
    if not (x0 <= x <= x1 and y0 <= y <= y1) or px is None or py is None:
        return False
    m = len(data)
    room = getattr(scatter, "gd_room", None)
    if room is None or data.base is not room or m >= len(room) \
            or data.__array_interface__["data"][0] != room.__array_interface__["data"][0]:
        room = keep_room(scatter)
    room[m] = room[m - 1]  # the same style as every other spot
    room["item"][m] = None
    room["x"][m], room["y"][m] = x, y
    data = room[:m + 1]
    scatter.data = data
    scatter.gd_bounds = (data, (x0, x1, y0, y1))
    pad = 2.0 * scatter.pixelPadding() + 2.0
    wx, wy = pad * px.length(), pad * py.length()
    scatter.update(QRectF(x - wx, y - wy, 2 * wx, 2 * wy))
    return True


def _repaint_moved(scatter, data, xs, ys, moves=None) -> bool:
    """Write the spots that moved, if at most :data:`FEW_MOVED` and within the scatter's
    bounds, and ask for the places they leave and reach to be painted again; False (nothing
    done) otherwise."""
    if moves is None:
        with np.errstate(invalid="ignore"):
            moved = np.flatnonzero((data["x"] != xs) | (data["y"] != ys))
        if len(moved) > FEW_MOVED:
            return False
        moves = tuple((int(i), float(xs[i]), float(ys[i])) for i in moved)
    if not len(moves):
        return True  # none of the points shown changed
    bounds = _bounds(scatter, data)
    x0, x1, y0, y1 = bounds
    # the bounds stay those of the spots: no spot leaves a bound, none passes one (a spot
    # that keeps its y, on a row of logistic regression's, keeps the y bounds as they are)
    inside = all(x0 <= nx <= x1 and y0 <= ny <= y1
                 and (x0 < data["x"][i] < x1 or nx == data["x"][i])
                 and (y0 < data["y"][i] < y1 or ny == data["y"][i]) for i, nx, ny in moves)
    px, py = scatter.pixelVectors()
    if not inside or px is None or py is None:
        return False
    pad = 2.0 * scatter.pixelPadding() + 2.0  # the spot's radius with its pen, and a margin
    wx, wy = pad * px.length(), pad * py.length()
    rects = [QRectF(float(cx) - wx, float(cy) - wy, 2 * wx, 2 * wy)
             for i, nx, ny in moves for cx, cy in ((data["x"][i], data["y"][i]), (nx, ny))]
    for i, nx, ny in moves:
        data["x"][i], data["y"][i] = nx, ny
    for rect in rects:
        scatter.update(rect)
    return True


def _bounds(scatter, data) -> tuple[float, float, float, float]:
    """The spots' (x min, x max, y min, y max), kept with the records they are of (spots
    moved within them leave them as they are)."""
    kept = getattr(scatter, "gd_bounds", None)
    if kept is None or kept[0] is not data:
        kept = (data, (float(data["x"].min()), float(data["x"].max()),
                       float(data["y"].min()), float(data["y"].max())))
        scatter.gd_bounds = kept
    return kept[1]
