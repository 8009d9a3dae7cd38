"""The editable data plot: the points, the current fit line, the least-squares line and the
final lines of the kept runs selected in the compare list.

For logistic regression (:meth:`DataPlot.set_model`) the points are the two classes, each in
its colour and symbol on its row (y = 0 and y = 1, jittered on request), and every line
(w, b) is drawn as the sigmoid p(x) = σ(w·x + b) (:mod:`gdstudio.ui.plots.sigmoid_overlay`).

Plot items are created once; data changes call ``setData`` on them. The scatter is set once
per data change, never per epoch; per frame only the fit line changes.
"""

from __future__ import annotations

import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from gdstudio.core.drawing.plotmath import clip_line
from gdstudio.ui.plots.common import (
    CURRENT_COLOR,
    CURRENT_Z,
    SELECTED_Z,
    cache_axes,
    legend_title,
    run_pen,
)
from gdstudio.ui.plots.scatter_edit import (  # noqa: F401
    MAX_SHOWN_POINTS,
    ExposedScatter,
    append_spot,
    keep_room,
    move_spot,
    shown_stride,
    update_in_place,
    update_one,
)
from gdstudio.ui.plots.sigmoid_overlay import (
    CLASS_STYLES,
    class_rows,
    shown_labels,
    sigmoid_curve,
)
from gdstudio.ui.studio.palette import SELECTED_COLOR

#: The least-squares (or optimum) line's colour.
OPTIMUM_COLOR = QColor(0, 0, 0, 90)

#: The y range logistic regression's points are shown in (p from 0 to 1, the rows, room for
#: jitter and, above, for the equation).
ROWS_RANGE = (-0.14, 1.26)

#: A click within this many pixels of a point hits it.
HIT_RADIUS_PX = 8.0


class _PassiveScatter(ExposedScatter):
    """A scatter that leaves every click to the EditViewBox (which knows about editing)."""

    def mouseClickEvent(self, ev):
        ev.ignore()


class EditViewBox(pg.ViewBox):
    """A ViewBox that turns mouse gestures into edit requests (it never edits by itself).

    Left click on empty space asks to add a point; left click on a point selects it
    (Shift or Ctrl adds to the selection); left drag on a point moves it; right click on a
    point asks to delete it. Dragging empty space pans, the wheel zooms. While the data is
    not editable (:meth:`DataPlot.set_editable`), a dragged point stays where it is until the
    drag ends, and the move is asked for then (and refused).
    """

    def __init__(self, plot: DataPlot):
        super().__init__(enableMenu=False)
        self._plot_ref = weakref.ref(plot)  # (weakly: see LandscapeViewBox)
        self._drag_index: int | None = None
        #: A tool that takes the left button's clicks and drags instead (the spray brush:
        #: ``click(pos)``, ``drag(pos, start, finish)``, positions in data coordinates).
        self.tool = None

    @property
    def _plot(self) -> DataPlot | None:
        return self._plot_ref()

    def mouseClickEvent(self, ev):
        pos = self.mapSceneToView(ev.scenePos())
        if self.tool is not None and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.tool.click(pos)
            return
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

    def autoRange(self, *args, **kwargs):
        """Fit the view to the points (the plot's ``autoRange`` too: View ▸ Fit to data);
        for logistic regression y from a little below 0 to above 1, room for the equation
        (:data:`ROWS_RANGE`)."""
        super().autoRange(*args, **kwargs)
        plot = self._plot
        if plot is not None and plot.model == "logistic":
            self.setYRange(*ROWS_RANGE, padding=0)

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        if self.tool is not None:
            ev.accept()
            self.tool.drag(self.mapSceneToView(ev.scenePos()), ev.isStart(), ev.isFinish())
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
        elif self._plot.editable:
            self._plot.preview_move((self._drag_index, pos.x(), pos.y()))


class DataPlot(pg.PlotWidget):
    """The points, the current fit line, the closed-form best-fit line and the final lines
    of selected kept runs. The legend is the title: nothing covers the points."""

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
        self._x = np.empty(0)
        self._y = np.empty(0)
        self._xy64 = None
        self._stride = 1  # every how many points one is shown
        self.selection: tuple[int, ...] = ()
        #: The points may be moved now: a dragged point is shown at its new place during
        #: the drag (see :meth:`set_editable`).
        self.editable = True
        self.scatter = _PassiveScatter(
            size=7, pen=pg.mkPen("#1f4e79"), brush=pg.mkBrush(31, 119, 180, 170), pxMode=True
        )
        #: The model the points are of: ``"line"``, or ``"logistic"`` (two classes; then
        #: :attr:`scatter` holds class 0 and :attr:`scatter_one` class 1).
        self.model = "line"
        #: Logistic regression's points spread a little about their row (y = 0 or 1).
        self.jitter = False
        self._shown_y = None  # the rows' y as drawn (logistic regression), made when read
        self.scatter_one = _PassiveScatter(pxMode=True, **CLASS_STYLES[1])
        self.scatter_one.setVisible(False)
        self.selected = _PassiveScatter(
            size=12, pen=pg.mkPen(SELECTED_COLOR, width=2), brush=pg.mkBrush(None), pxMode=True
        )
        self.optimum_line = pg.PlotDataItem(pen=pg.mkPen(OPTIMUM_COLOR, width=2,
                                                         style=Qt.PenStyle.DashLine))
        self.fit_line = pg.PlotDataItem(pen=pg.mkPen(CURRENT_COLOR, width=3))
        self.fit_line.setZValue(CURRENT_Z)
        #: The final lines of the selected kept runs, by run key.
        self.run_lines: dict[int, pg.PlotDataItem] = {}
        # The scatter is drawn from a cached pixmap while only the fit line changes.
        for scatter in (self.scatter, self.scatter_one):
            scatter.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.addItem(self.scatter)
        self.addItem(self.scatter_one)
        self.addItem(self.selected)
        for line in (self.optimum_line, self.fit_line):  # lines never move the view
            self.addItem(line, ignoreBounds=True)
        cache_axes(self)
        self.optimum_label = "least squares"
        self._show_legend()
        self._fit: tuple[float, float] | None = None
        self._optimum: tuple[float, float] | None = None
        self._vb.sigRangeChanged.connect(self._redraw_lines)

    # --------------------------------------------------------------- data
    def set_points(self, x: np.ndarray, y: np.ndarray, autorange: bool = False,
                   point: tuple[str, int] | None = None) -> None:
        """Show these points (thinned beyond :data:`MAX_SHOWN_POINTS`). ``autorange``: a
        new data set, the view fits it; else an edit, and when the points shown are as many
        as before or one more or fewer (an edit of one point) the scatter's coordinates are
        written in place (the scatter's ``setData`` takes about a second on 100,000 points).
        ``point``: the edit was of one point, ``("move", index)`` or ``("add", index)`` (at
        the end): only that point's spot, if it is shown, is written (O(1))."""
        old_n, old_y = len(self._x), self._y
        self._x, self._y = np.asarray(x), np.asarray(y)
        self._xy64 = None  # the points in float64, made when first read (points())
        self._shown_y = None
        self.selection = tuple(i for i in self.selection if i < len(self._x))
        stride = self._stride
        self._stride = shown_stride(len(self._x), None if autorange else self._stride)
        if self.model == "logistic":
            if (not autorange and point is not None and self._stride == stride
                    and self._class_edit(old_y, old_n, stride, *point)):
                self._show_selection()
            else:
                self._set_classes(autorange)
            return
        if (not autorange and point is not None and self._stride == stride
                and update_one(self.scatter, self._x, self._y, stride, old_n, *point)):
            self._show_selection()
            return
        xs = self._x[::self._stride].astype(np.float64)
        ys = self._y[::self._stride].astype(np.float64)
        if autorange or not update_in_place(self.scatter, xs, ys):
            self.scatter.setData(xs, ys)
            keep_room(self.scatter)
        self._show_selection()
        if autorange and len(self._x):
            self.autoRange(padding=0.08)
        self._redraw_lines()

    def _set_classes(self, autorange: bool) -> None:
        """Logistic regression's points: class 0 in :attr:`scatter`, class 1 in
        :attr:`scatter_one`, each on its row (written whole: two classes' styles)."""
        x, _ = self.points()
        y = self.shown_y()
        step = self._stride
        xs, ys, labels = x[::step], y[::step], np.asarray(self._y[::step])
        for label, scatter in ((0, self.scatter), (1, self.scatter_one)):
            mine = labels == label if label else labels != 1
            scatter.setData(xs[mine], ys[mine])
            keep_room(scatter)  # (a point added later is written in O(1))
        self._show_selection()
        if autorange and len(self._x):
            self.autoRange(padding=0.08)
        self._redraw_lines()

    def _class_edit(self, old_y, old_n: int, stride: int, kind: str, index: int) -> bool:
        """After an edit of one point of logistic regression's (a move that keeps its
        class, or a point added at the end), write that point's spot in its class's scatter
        only (O(1) but for a count of the class before it); False (nothing done) when it
        cannot be (a class changed, the spots' bounds changed...)."""
        n = len(self._x)
        if kind == "move" and n == old_n and 0 <= index < n:
            if index % stride:
                return True  # not a point shown
            if (old_y[index] >= 0.5) != (self._y[index] >= 0.5):
                return False  # to the other class's scatter
        elif kind != "add" or n != old_n + 1 or index != old_n:
            return False
        elif index % stride:
            return True  # not shown
        one = bool(self._y[index] >= 0.5)
        scatter = self.scatter_one if one else self.scatter
        rows = self._y[:index:stride] >= 0.5
        spot = int(np.count_nonzero(rows if one else ~rows))
        x, y = float(self.points()[0][index]), float(self.shown_y()[index])
        if kind == "add":
            return append_spot(scatter, x, y)
        return move_spot(scatter, spot, x, y)

    def set_model(self, model: str) -> None:
        """Show the points and lines of ``model``: ``"line"`` (points, straight lines) or
        ``"logistic"`` (two classes on their rows, sigmoids; the y axis is p(class 1))."""
        if model == self.model:
            return
        self.model = model
        logistic = model == "logistic"
        self.scatter.setData([], [])
        self.scatter_one.setData([], [])
        style = CLASS_STYLES[0] if logistic else {
            "size": 7, "pen": pg.mkPen("#1f4e79"), "brush": pg.mkBrush(31, 119, 180, 170),
            "symbol": "o"}
        self.scatter.setSize(style["size"])
        self.scatter.setSymbol(style["symbol"])
        self.scatter.setPen(style["pen"])
        self.scatter.setBrush(style["brush"])
        self.scatter_one.setVisible(logistic)
        self.setLabel("left", "p(class 1)" if logistic else "y")
        for line in [self.fit_line, self.optimum_line, *self.run_lines.values()]:
            line.gd_drawn = line.gd_segment = None
        self._show_legend()
        self.set_points(self._x, self._y, autorange=True)

    def set_jitter(self, on: bool) -> None:
        """Spread logistic regression's points a little about their row (a view only: the
        data keeps its labels)."""
        if bool(on) != self.jitter:
            self.jitter = bool(on)
            self._shown_y = None
            if self.model == "logistic":
                self._set_classes(False)

    def shown_y(self) -> np.ndarray:
        """The points' y as drawn: the data's y, or for logistic regression each point on
        its row (jittered when :attr:`jitter` is on)."""
        y = self.points()[1]
        if self.model != "logistic":
            return y
        if self._shown_y is None or len(self._shown_y) != len(y):
            self._shown_y = class_rows(self.points()[0], y, self.jitter)
        return self._shown_y

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """The points' x and y (float64), all of them."""
        if self._xy64 is None or self._xy64[0] is not self._x:
            self._xy64 = (self._x, np.asarray(self._x, dtype=np.float64),
                          np.asarray(self._y, dtype=np.float64))
        return self._xy64[1], self._xy64[2]

    @property
    def count(self) -> int:
        """How many points the plot has (shown or not)."""
        return len(self._x)

    @property
    def shown_count(self) -> int:
        if self.model == "logistic":
            return len(self.scatter.data) + len(self.scatter_one.data)
        return len(self.scatter.data)

    def point_at(self, pos: QPointF) -> int | None:
        """Index of the point within :data:`HIT_RADIUS_PX` pixels of ``pos``, if any."""
        if not len(self._x):
            return None
        px, py = self._vb.viewPixelSize()
        if not px or not py:
            return None
        x, y = self.points()[0], self.shown_y()
        d2 = ((x - pos.x()) / px) ** 2 + ((y - pos.y()) / py) ** 2
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
        if not idx and not len(self.selected.data):
            return  # none shown, none to show
        if self.model == "logistic":
            self.selected.setData(self.points()[0][idx], self.shown_y()[idx])
            return
        self.selected.setData(self._x[idx].astype(np.float64), self._y[idx].astype(np.float64))

    def set_editable(self, editable: bool) -> None:
        """Whether the points may be moved now (False while a lock refuses a move: a drag
        does not move the point on screen)."""
        self.editable = bool(editable)

    def preview_move(self, move) -> None:
        """Show a point being dragged at its new place (None ends the preview)."""
        if move is None:
            self._show_selection()
            return
        _, x, y = move
        if self.model == "logistic":  # the point goes to the row it would be moved to
            y = float(shown_labels(np.array([y]))[0])
        self.selected.setData([x], [y])

    # --------------------------------------------------------------- lines
    @property
    def fit(self) -> tuple[float, float] | None:
        """The (w, b) of the fit line shown, or None."""
        return self._fit

    def set_fit(self, w: float | None, b: float | None = None, exact: bool = True) -> None:
        """Show the current fit; ``exact=False`` (live frames) skips sub-pixel moves."""
        self._fit = None if w is None else (float(w), float(b))
        self._redraw_lines(exact=exact)

    def set_optimum(self, w: float | None, b: float | None = None,
                    label: str | None = None) -> None:
        """Show the dashed optimum line (None: none); ``label`` renames its legend entry
        (:attr:`optimum_label`)."""
        self._optimum = None if w is None else (float(w), float(b))
        if label is not None and label != self.optimum_label:
            self.optimum_label = label
            self._show_legend()
        self._redraw_lines()

    def set_optimum_visible(self, visible: bool) -> None:
        self.optimum_line.setVisible(visible)
        self._show_legend()

    def _show_legend(self) -> None:
        entries = [(CURRENT_COLOR, False, "current fit" if self.model == "line"
                    else "current sigmoid")]
        if self.optimum_line.isVisible():
            entries.append(("#8c8c8c", True, self.optimum_label))
        self.setTitle(legend_title(entries))

    def set_run_lines(self, runs) -> None:
        """Draw the final line y = w·x + b of each of these kept runs
        (:class:`~gdstudio.ui.studio.kept_runs.KeptRun`) in its colour, dashed if it was trained on
        data changed since; lines of other runs go."""
        keys = {run.key for run in runs}
        for key in [key for key in self.run_lines if key not in keys]:
            self.removeItem(self.run_lines.pop(key))
        for run in runs:
            line = self.run_lines.get(run.key)
            if line is None:
                line = self.run_lines[run.key] = pg.PlotDataItem()
                line.setZValue(SELECTED_Z)  # (the selected runs' lines, below the fit)
                self.addItem(line, ignoreBounds=True)
            line.setPen(run_pen(run.color, run.stale, width=2))
            line.gd_params = (float(run.summary.w), float(run.summary.b))
            line.gd_segment = line.gd_drawn = False
        self._redraw_lines()

    def _redraw_lines(self, *_, exact: bool = True) -> None:
        (x0, x1), (y0, y1) = self._vb.viewRange()
        px, py = self._vb.viewPixelSize()
        px, py = px or 1.0, py or 1.0
        lines = [(self.fit_line, self._fit), (self.optimum_line, self._optimum)]
        lines += [(line, line.gd_params) for line in self.run_lines.values()]
        for line, params in lines:
            drawn = (params, x0, x1, y0, y1)
            if drawn == getattr(line, "gd_drawn", None):
                continue  # neither the line nor the view changed (an edit of the points)
            if self.model == "logistic":
                segment = None if params is None else sigmoid_curve(*params, x0, x1)
            else:
                segment = None if params is None else clip_line(*params, x0, x1, y0, y1)
            key = None
            if segment is not None:  # the ends in whole pixels: a sub-pixel move is no change
                xs, ys = segment
                with np.errstate(over="ignore", invalid="ignore"):  # data near 1e300
                    key = (tuple(np.round((xs - x0) / px).tolist()),
                           tuple(np.round((ys - y0) / py).tolist()), x0, x1, y0, y1)
            if not exact and key == getattr(line, "gd_segment", False):
                continue  # nothing visible changed: no repaint
            line.gd_segment = key
            line.gd_drawn = drawn
            if segment is None:
                line.setData([], [])
            else:
                line.setData(*segment)
