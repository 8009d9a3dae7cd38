"""A descent path that grows while a run goes, drawn so that a frame costs what is new.

A run's path grows at its end (:class:`~gdstudio.core.training.path.PathBuffer` appends; only its
last point, the latest update, may be replaced) until it is thinned, which changes all of
it; so does a batch run's, thinned by a stride that doubles. :class:`GrowingPath` draws the
points in pieces of :data:`CHUNK` points: each full piece is a ``QGraphicsPathItem`` painted
once into a cached pixmap, and only the open piece at the end is stroked again when points
arrive. The pieces are Qt's own items, so painting them runs no Python: on the GUI thread
each Python ``paint`` waits for the interpreter lock that a pure-Python training loop holds
(tests/bench/results/README.md), and a whole path re-stroked every frame (up to 20,000 points) cost
about as much as the rest of the window's frame.

A long path of many small updates (a stochastic run's) stays readable when it fades: with
:meth:`GrowingPath.set_style` ``fade=True`` each full piece is drawn the fainter the older it
is (the oldest at :data:`FADE_OLDEST` of the pen's opacity, the newest and the open end at
the pen's), so the latest updates stand out and the old ones leave the landscape visible.
"""

from __future__ import annotations

import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

#: Points per piece of a path (a piece is stroked once; the open one at the end each frame).
CHUNK = 1000
#: The opacity of the oldest piece of a fading path, as a fraction of its pen's.
FADE_OLDEST = 0.3


class GrowingPath:
    """The polyline through rows ``(w, b)`` on ``plot`` (a PlotWidget), with ``pen``, drawn
    in pieces; :meth:`set_points` draws only what is new when the points grew at the end."""

    def __init__(self, plot, pen: QPen, z: float = 0.0):
        self._plot_ref = weakref.ref(plot)  # (weakly: the plot is freed as soon as it is dropped)
        self._base_pen = QPen(pen)
        self._pen = QPen(pen)
        self._base_width = pen.widthF()
        self._scale = 1.0
        self._fade = False
        self._z = z
        self._visible = True
        self._data = np.empty((1024, 2))
        self._n = 0
        self._pieces: list[QGraphicsPathItem] = []  # full pieces, cached
        self._closed = 0  # the last point of the full pieces (each piece starts where the
        # one before ends)
        self._tail = self._new_piece(cached=False)
        #: How many pieces were stroked anew since made (a test counts them).
        self.strokes = 0

    @property
    def _plot(self):
        return self._plot_ref()

    # ------------------------------------------------------------------ drawing
    def _new_piece(self, cached: bool) -> QGraphicsPathItem:
        item = QGraphicsPathItem()
        item.setPen(self._pen)
        item.setZValue(self._z)
        item.setVisible(self._visible)
        if cached:
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._plot.addItem(item, ignoreBounds=True)
        return item

    def _stroke(self, item: QGraphicsPathItem, first: int, last: int) -> None:
        d = self._data
        if last > first:
            item.setPath(pg.arrayToQPath(d[first:last + 1, 0], d[first:last + 1, 1]))
            self.strokes += 1
        else:
            item.setPath(pg.QtGui.QPainterPath())

    def clear(self) -> None:
        for item in self._pieces:
            self._plot.removeItem(item)
        self._pieces = []
        self._closed = 0
        self._n = 0
        self._stroke(self._tail, 0, 0)

    def set_points(self, points) -> None:
        """Draw the polyline through ``points`` (rows ``(w, b)``). Points that extend the
        ones drawn (the same first ones, more of them) only add to the drawing."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        n = len(p)
        closed = self._closed
        same_start = (self._pieces and n > closed
                      and np.array_equal(p[:closed + 1], self._data[:closed + 1]))
        if not same_start:
            self.clear()
            closed = 0
        if n > len(self._data):
            grown = np.empty((max(n, 2 * len(self._data)), 2))
            grown[:closed + 1] = self._data[:closed + 1]
            self._data = grown
        self._data[closed:n] = p[closed:n]
        self._n = n
        while n - 2 - closed >= CHUNK:  # a full piece, stroked once, then cached (never
            # with the last point: a growing path may replace it, the latest update)
            piece = self._new_piece(cached=True)
            self._stroke(piece, closed, closed + CHUNK)
            self._pieces.append(piece)
            closed += CHUNK
        if self._fade and closed != self._closed:
            self._restyle()  # one piece older each: fainter
        self._closed = closed
        self._stroke(self._tail, closed, n - 1)

    # ------------------------------------------------------------------ style
    def piece_pen(self, index: int) -> QPen:
        """The pen of piece ``index`` of :meth:`items` (the last one is the open end)."""
        pen = QPen(self._pen)
        count = len(self._pieces)
        if self._fade and index < count:
            color = pen.color()
            color.setAlphaF(color.alphaF() * (
                FADE_OLDEST + (1 - FADE_OLDEST) * (index + 1) / (count + 1)))
            pen.setColor(color)
        return pen

    def _restyle(self) -> None:
        for index, item in enumerate(self.items()):
            item.setPen(self.piece_pen(index))

    def set_style(self, pen: QPen, fade: bool = False) -> None:
        """Draw with ``pen`` from now on (thickened as :meth:`set_width_scale` says), each
        full piece the fainter the older it is when ``fade``."""
        if pen == self._base_pen and bool(fade) == self._fade:
            return
        self._base_pen, self._base_width, self._fade = QPen(pen), pen.widthF(), bool(fade)
        self.set_width_scale(self._scale)

    # ------------------------------------------------------------------ as a data item
    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        """The points drawn, as ``(w, b)`` arrays (copies)."""
        d = self._data[:self._n]
        return d[:, 0].copy(), d[:, 1].copy()

    def items(self) -> list[QGraphicsPathItem]:
        return [*self._pieces, self._tail]

    def setVisible(self, visible: bool) -> None:
        self._visible = bool(visible)
        for item in self.items():
            item.setVisible(self._visible)

    def isVisible(self) -> bool:
        return self._visible

    def remove(self) -> None:
        """Take every piece off the plot (the path is not drawn again)."""
        for item in self.items():
            self._plot.removeItem(item)
        self._pieces = []

    def pen(self) -> QPen:
        return QPen(self._pen)

    def set_width_scale(self, scale: float) -> None:
        """Draw ``scale`` times as thick as made (presentation mode)."""
        self._scale = float(scale)
        self._pen = QPen(self._base_pen)
        self._pen.setWidthF((self._base_width or 1.0) * scale)
        self._restyle()
