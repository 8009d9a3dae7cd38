"""pyqtgraph plots: the editable data plot and the loss plot.

Plot items are created once; data changes call ``setData`` on them. The scatter is set once
per data change, never per epoch; per frame only the fit line and the loss curve change.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

#: Beyond this many points the scatter shows an evenly thinned subset; training uses all.
MAX_SHOWN_POINTS = 100_000
#: A click within this many pixels of a point hits it.
HIT_RADIUS_PX = 8.0

# Kept runs' colours; red is the current run's (and the fit line's).
RUN_COLORS = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
              "#7f7f7f", "#bcbd22", "#000000"]


def _cache_axes(plot: pg.PlotWidget) -> None:
    """Draw axes (and grid lines) from a cached pixmap until their range changes."""
    for axis in plot.getPlotItem().axes.values():
        axis["item"].setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


class _PassiveScatter(pg.ScatterPlotItem):
    """A scatter that leaves every click to the EditViewBox (which knows about editing)."""

    def mouseClickEvent(self, ev):
        ev.ignore()


class EditViewBox(pg.ViewBox):
    """A ViewBox that turns mouse gestures into edit requests (it never edits by itself).

    Left click on empty space asks to add a point; left click on a point selects it
    (Shift or Ctrl adds to the selection); left drag on a point moves it; right click on a
    point asks to delete it. Dragging empty space pans, the wheel zooms.
    """

    def __init__(self, plot: DataPlot):
        super().__init__(enableMenu=False)
        self._plot = plot
        self._drag_index: int | None = None

    def mouseClickEvent(self, ev):
        pos = self.mapSceneToView(ev.scenePos())
        index = self._plot.point_at(pos)
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            if index is None:
                self._plot.addRequested.emit(pos.x(), pos.y())
            else:
                extend = bool(ev.modifiers() & (Qt.KeyboardModifier.ShiftModifier
                                                | Qt.KeyboardModifier.ControlModifier))
                self._plot.select(index, extend)
        elif ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            if index is not None:
                self._plot.deleteRequested.emit((index,))
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        if ev.isStart():
            start = self.mapSceneToView(ev.buttonDownScenePos())
            self._drag_index = self._plot.point_at(start)
        if self._drag_index is None:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        pos = self.mapSceneToView(ev.scenePos())
        if ev.isFinish():
            index, self._drag_index = self._drag_index, None
            self._plot.preview_move(None)
            self._plot.moveRequested.emit(index, pos.x(), pos.y())
        else:
            self._plot.preview_move((self._drag_index, pos.x(), pos.y()))


class DataPlot(pg.PlotWidget):
    """The points, the current fit line and the closed-form best-fit line."""

    #: The user asked to add a point at data coordinates (x, y).
    addRequested = Signal(float, float)
    #: The user asked to move point ``index`` to (x, y).
    moveRequested = Signal(int, float, float)
    #: The user asked to delete the points with these indices.
    deleteRequested = Signal(object)
    #: The selection changed (a tuple of indices).
    selectionChanged = Signal(object)

    def __init__(self, parent=None):
        self._vb = EditViewBox(self)
        super().__init__(parent, viewBox=self._vb)
        self.setBackground("w")
        self.showGrid(x=True, y=True, alpha=0.25)
        self.setLabel("bottom", "x")
        self.setLabel("left", "y")
        self.setTitle("Data and fitted line")
        self._x = np.empty(0)
        self._y = np.empty(0)
        self.selection: tuple[int, ...] = ()
        self.scatter = _PassiveScatter(
            size=7, pen=pg.mkPen("#1f4e79"), brush=pg.mkBrush(31, 119, 180, 170), pxMode=True
        )
        self.selected = _PassiveScatter(
            size=12, pen=pg.mkPen("#ff7f0e", width=2), brush=pg.mkBrush(None), pxMode=True
        )
        self.optimum_line = pg.PlotDataItem(pen=pg.mkPen(QColor(0, 0, 0, 90), width=2,
                                                         style=Qt.PenStyle.DashLine))
        self.fit_line = pg.PlotDataItem(pen=pg.mkPen("#d62728", width=3))
        # The scatter is drawn from a cached pixmap while only the fit line changes.
        self.scatter.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.addItem(self.scatter)
        self.addItem(self.selected)
        for line in (self.optimum_line, self.fit_line):  # lines never move the view
            self.addItem(line, ignoreBounds=True)
        _cache_axes(self)
        self._legend = self.addLegend(offset=(-10, 10))
        # clicks and drags on the legend go to the data underneath
        self._legend.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._legend.addItem(self.fit_line, "current fit")
        self._legend.addItem(self.optimum_line, "least squares")
        self._fit: tuple[float, float] | None = None
        self._optimum: tuple[float, float] | None = None
        self._vb.sigRangeChanged.connect(self._redraw_lines)

    # --------------------------------------------------------------- data
    def set_points(self, x: np.ndarray, y: np.ndarray, autorange: bool = False) -> None:
        """Show these points (thinned beyond :data:`MAX_SHOWN_POINTS`)."""
        self._x = np.asarray(x, dtype=np.float64)
        self._y = np.asarray(y, dtype=np.float64)
        self.selection = tuple(i for i in self.selection if i < len(self._x))
        stride = max(1, -(-len(self._x) // MAX_SHOWN_POINTS))
        self.scatter.setData(self._x[::stride], self._y[::stride])
        self._show_selection()
        if autorange and len(self._x):
            self.autoRange(padding=0.08)
        self._redraw_lines()

    @property
    def shown_count(self) -> int:
        return len(self.scatter.data)

    def point_at(self, pos: QPointF) -> int | None:
        """Index of the point within :data:`HIT_RADIUS_PX` pixels of ``pos``, if any."""
        if not len(self._x):
            return None
        px, py = self._vb.viewPixelSize()
        if not px or not py:
            return None
        d2 = ((self._x - pos.x()) / px) ** 2 + ((self._y - pos.y()) / py) ** 2
        i = int(np.argmin(d2))
        return i if d2[i] <= HIT_RADIUS_PX**2 else None

    def select(self, index: int | None, extend: bool = False) -> None:
        if index is None:
            sel = ()
        elif extend:
            sel = tuple(sorted(set(self.selection) ^ {index}))
        else:
            sel = (index,)
        self.set_selection(sel)

    def set_selection(self, indices) -> None:
        self.selection = tuple(indices)
        self._show_selection()
        self.selectionChanged.emit(self.selection)

    def _show_selection(self) -> None:
        idx = list(self.selection)
        self.selected.setData(self._x[idx], self._y[idx])

    def preview_move(self, move) -> None:
        """Show a point being dragged at its new place (None ends the preview)."""
        if move is None:
            self._show_selection()
            return
        _, x, y = move
        self.selected.setData([x], [y])

    # --------------------------------------------------------------- lines
    def set_fit(self, w: float | None, b: float | None = None, exact: bool = True) -> None:
        """Show the current fit; ``exact=False`` (live frames) skips sub-pixel moves."""
        self._fit = None if w is None else (float(w), float(b))
        self._redraw_lines(exact=exact)

    def set_optimum(self, w: float | None, b: float | None = None,
                    label: str | None = None) -> None:
        """Show the dashed optimum line (None: none); ``label`` renames its legend entry."""
        self._optimum = None if w is None else (float(w), float(b))
        if label is not None:
            self._legend.getLabel(self.optimum_line).setText(label)
        self._redraw_lines()

    def set_optimum_visible(self, visible: bool) -> None:
        self.optimum_line.setVisible(visible)

    def _redraw_lines(self, *_, exact: bool = True) -> None:
        (x0, x1), (y0, y1) = self._vb.viewRange()
        px, py = self._vb.viewPixelSize()
        px, py = px or 1.0, py or 1.0
        for line, params in ((self.fit_line, self._fit), (self.optimum_line, self._optimum)):
            segment = None if params is None else clip_line(*params, x0, x1, y0, y1)
            key = None
            if segment is not None:  # the ends in whole pixels: a sub-pixel move is no change
                xs, ys = segment
                key = (tuple(np.round((xs - x0) / px).tolist()),
                       tuple(np.round((ys - y0) / py).tolist()), x0, x1, y0, y1)
            if not exact and key == getattr(line, "gd_segment", False):
                continue  # nothing visible changed: no repaint
            line.gd_segment = key
            if segment is None:
                line.setData([], [])
            else:
                line.setData(*segment)


def clip_line(w: float, b: float, x0: float, x1: float, y0: float, y1: float):
    """The part of ``y = w*x + b`` inside the view rectangle, as ([xa, xb], [ya, yb]).

    Clipping in data coordinates keeps steep lines (w of 1e16 after a divergence) where they
    belong; Qt cannot draw a segment whose ends lie 1e17 units off screen. None if the line
    misses the view.
    """
    lo, hi = x0, x1
    if w != 0:
        xa, xb = (y0 - b) / w, (y1 - b) / w
        lo, hi = max(lo, min(xa, xb)), min(hi, max(xa, xb))
    elif not y0 <= b <= y1:
        return None
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi:
        return None
    xs = np.array([lo, hi])
    return xs, np.clip(w * xs + b, y0, y1)


class PeakDecimator:
    """A growing series summarized by the min and max of fixed-size blocks.

    :meth:`update` only reads the values added since the last call, and the view it returns
    never has more than about ``2 * max_blocks`` points plus one block of raw tail, however
    long the series grows: the loss curve keeps every epoch but draws a thinned view.
    """

    def __init__(self, max_blocks: int = 2000):
        self.max_blocks = max_blocks
        self.reset()

    def reset(self) -> None:
        self.block = 1
        self.done = 0
        self.lo = np.empty(0)
        self.hi = np.empty(0)

    def update(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(y)
        if n < self.done:
            self.reset()
        full = (n - self.done) // self.block * self.block
        if full and self.block > 1:
            seg = np.asarray(y[self.done:self.done + full], np.float64).reshape(-1, self.block)
            self.lo = np.concatenate([self.lo, seg.min(axis=1)])
            self.hi = np.concatenate([self.hi, seg.max(axis=1)])
            self.done += full
        elif n > 2 * self.max_blocks and self.block == 1:
            self.block = 2
            return self.update(y)
        while len(self.lo) > self.max_blocks:
            even = len(self.lo) // 2 * 2
            if even < len(self.lo):  # an unpaired last block goes back to the raw tail
                self.done -= self.block
            self.lo = np.minimum(self.lo[0:even:2], self.lo[1:even:2])
            self.hi = np.maximum(self.hi[0:even:2], self.hi[1:even:2])
            self.block *= 2
        if self.block == 1:
            return np.arange(n, dtype=np.float64), np.asarray(y, np.float64)
        starts = np.arange(len(self.lo), dtype=np.float64) * self.block
        xs = np.empty(2 * len(starts) + (n - self.done))
        ys = np.empty_like(xs)
        m = 2 * len(starts)
        xs[0:m:2], xs[1:m:2] = starts, starts + self.block - 1
        ys[0:m:2], ys[1:m:2] = self.hi, self.lo  # a falling loss: high first, then low
        xs[m:] = np.arange(self.done, n)
        ys[m:] = y[self.done:n]
        return xs, ys


class LossPlot(pg.PlotWidget):
    """The loss over epochs: the current run live, kept runs overlaid with a legend."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.setLabel("bottom", "epoch")
        self.setLabel("left", "loss (full data, start of epoch)")
        self.setTitle("Loss")
        _cache_axes(self)  # no grid here: it would be redrawn every frame as the range grows
        self.getAxis("left").enableAutoSIPrefix(False)
        self.legend = self.addLegend(offset=(-10, 10), brush=(255, 255, 255, 210),
                                     labelTextSize="8pt")
        self.legend.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.current = self.plot(pen=pg.mkPen("#d62728", width=2), name="current run")
        self._decimator = PeakDecimator()
        self._current_loss = np.empty(0)
        self._log = False
        self._live = False
        self._y_view: tuple[float, float] | None = None
        self.kept: dict[int, pg.PlotDataItem] = {}

    def set_log(self, on: bool) -> None:
        self._log = on
        self._y_view = None
        self.setLogMode(y=on)
        self.set_current(self._current_loss, reset=True)
        for item in self.kept.values():
            item.setData(*self._view(item.gd_loss))

    def _positive(self, y: np.ndarray) -> np.ndarray:
        """On a log axis a zero loss cannot be drawn; show it at the smallest positive float."""
        return np.maximum(y, np.finfo(np.float64).tiny) if self._log else y

    def _view(self, loss: np.ndarray):
        xs, ys = PeakDecimator().update(loss)
        return xs, self._positive(ys)

    def set_current(self, loss: np.ndarray, reset: bool = False) -> None:
        """Show the current run's loss; only the epochs added since the last call are read."""
        if reset or len(loss) < len(self._current_loss):
            self._decimator.reset()
        self._current_loss = loss
        xs, ys = self._decimator.update(loss)
        ys = self._positive(ys)
        self.current.setData(xs, ys)
        if self._live and len(ys):
            self._grow_y_range(float(ys.min()), float(ys.max()))

    def begin_run(self, epochs: int) -> None:
        """Fix the view for a live run: x spans the run's epochs and y only ever grows, so
        the axes are not re-drawn every frame (that would cost more than the curve)."""
        self._live = True
        longest = max([epochs] + [len(item.gd_loss) for item in self.kept.values()])
        self.disableAutoRange()
        self.setXRange(0, max(longest - 1, 1), padding=0.02)
        self._y_view = None
        for item in self.kept.values():
            finite = item.gd_loss[np.isfinite(item.gd_loss)]
            if len(finite):
                self._grow_y_range(float(finite.min()), float(finite.max()))

    def end_run(self) -> None:
        """Back to fitting the view to all curves."""
        self._live = False
        self.enableAutoRange()

    def _grow_y_range(self, lo: float, hi: float) -> None:
        if self._log:
            lo = np.floor(np.log10(max(lo, np.finfo(np.float64).tiny)))
            hi = np.ceil(np.log10(max(hi, np.finfo(np.float64).tiny)) + 0.05)
        else:
            lo, hi = min(0.0, lo), hi * 1.08 if hi > 0 else 1.0
        view = self._y_view
        if view is not None and view[0] <= lo and hi <= view[1]:
            return
        if view is not None:
            lo, hi = min(lo, view[0]), max(hi, view[1])
        if hi <= lo:
            hi = lo + 1.0
        self._y_view = (lo, hi)
        self.setYRange(lo, hi, padding=0)

    @property
    def drawn_points(self) -> int:
        return len(self.current.getData()[0] if self.current.getData()[0] is not None else [])

    def add_kept(self, key: int, loss: np.ndarray, label: str, index: int) -> None:
        color = RUN_COLORS[index % len(RUN_COLORS)]
        item = self.plot(*self._view(loss), pen=pg.mkPen(color, width=2), name=label)
        item.gd_loss = np.asarray(loss)
        self.kept[key] = item

    def remove_kept(self, key: int) -> None:
        item = self.kept.pop(key, None)
        if item is not None:
            self.removeItem(item)
            self.legend.removeItem(item)
