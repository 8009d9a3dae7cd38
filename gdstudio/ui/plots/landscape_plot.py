"""The loss landscape over (w, b): a colour map of log10 L with contour lines, the optimum,
the descent paths on it, the start and the preview.

The widget draws facts and forwards requests: a :class:`~gdstudio.core.drawing.landscape_frame.
LandscapeFrame` (from :class:`gdstudio.ui.numbers.landscape_model.LandscapeModel`) gives the colour
map,
the contours, the optimum and the curvature; paths and markers are set by their owner. A
left click or drag asks for a new start (:attr:`LandscapePlot.startRequested`, on every move
of a drag); the start marker moves when its owner calls :meth:`LandscapePlot.set_start`.
Every item is created once and changed with ``setData``. While a run goes, only what changed
is painted again: the current path draws only its new part (:class:`GrowingPath`), and the
markers, the epoch ends and the kept paths are painted from cached pixmaps.

A stochastic or mini-batch run's path of thousands of updates stays readable at any length
and in presentation mode: its updates are drawn thin, the older ones fading
(:data:`UPDATES_WIDTH`), and the ends of its epochs bold, joined one to the next from the
end of the first epoch (the epoch trail, also fading when it is long; it does not join the
start, from which the first epoch's updates wander, so it never reads as a straight run). A
full-batch run's path is its epoch ends, drawn bold.
"""

from __future__ import annotations

import math
import time
import weakref

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPainter, QPen, QTextOption
from PySide6.QtWidgets import QGraphicsItem

from gdstudio.core.drawing.landscape_frame import LandscapeFrame
from gdstudio.core.drawing.plotmath import clip_line
from gdstudio.core.models.line.landscape import VIEW_LIMIT
from gdstudio.ui.plots.common import RUN_COLORS, cache_axes
from gdstudio.ui.plots.path_item import GrowingPath
from gdstudio.ui.plots.scatter_edit import update_in_place
from gdstudio.ui.studio.palette import PREVIEW_COLOR

_CENTRED = QTextOption(Qt.AlignmentFlag.AlignHCenter)
#: The plot's title (a frame with a ``title`` of its own says another: logistic regression's)
TITLE = "Loss landscape (log colour)"
#: the colour map of log10 L (perceptually uniform, dark = low loss)
COLORMAP = "viridis"
PATH_COLOR = "#d62728"
#: Pen widths (pixels, before presentation mode thickens them): a path of epoch ends (a
#: full-batch run's, and the epoch trail of a stochastic run), and the updates of a stochastic
#: or mini-batch run, thin and translucent (PATH_COLOR at UPDATES_ALPHA of 255).
PATH_WIDTH, UPDATES_WIDTH, UPDATES_ALPHA = 2.0, 0.5, 255
TRAIL_COLOR = "#7a0010"
#: Stacking: the current path above the landscape, the kept paths and the preview (which
#: lies between them), markers above it.
PATH_Z, MARKER_Z = 1, 2
PREVIEW_Z = PATH_Z - 0.75
#: Stacking of a kept path (its updates, then its epoch trail above them).
KEPT_Z = PATH_Z - 1
#: A kept stochastic run's epoch trail is its colour darkened as the current run's trail
#: (TRAIL_COLOR) is PATH_COLOR darkened (QColor.darker's factor).
TRAIL_DARKER = 175


def path_style(color, updates: bool) -> tuple[QPen, bool]:
    """The pen of a run's path in ``color`` and whether it fades: every update of a
    stochastic or mini-batch run (``updates``) thin and fading, a full-batch run's epoch
    ends bold."""
    if updates:
        c = QColor(color)
        c.setAlpha(UPDATES_ALPHA)
        return pg.mkPen(c, width=UPDATES_WIDTH), True
    return pg.mkPen(color, width=PATH_WIDTH), False


class KeptPath:
    """A kept run's path on ``plot``, drawn as the current run's is and in the run's
    ``color``: a full-batch run's epoch ends bold; a stochastic or mini-batch run's updates
    thin, the older ones fading, and its epoch ends (``trail``, from the first epoch's)
    joined by a bold, fading trail in the colour darkened, so that a long path
    does not form a solid band. Twice as thick while selected (:meth:`set_highlight`);
    finished, so painted from cached pixmaps."""

    def __init__(self, plot, points, color: str, label: str = "", updates: bool = False,
                 trail=None):
        pen, fade = path_style(color, updates)
        self.path = GrowingPath(plot, pen, z=KEPT_Z)
        self.path.set_style(pen, fade)
        self.path.set_points(points)
        bold = pg.mkPen(QColor(color).darker(TRAIL_DARKER), width=PATH_WIDTH)
        self.trail = GrowingPath(plot, bold, z=KEPT_Z + 0.5)
        self.trail.set_style(bold, fade=True)
        self.trail.set_points(np.empty((0, 2)) if trail is None else trail)
        for item in self.items():
            item.setToolTip(label)
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._scale, self._highlight = 1.0, False

    def items(self) -> list:
        return [*self.path.items(), *self.trail.items()]

    def getData(self) -> tuple[np.ndarray, np.ndarray]:
        """The path's points, as ``(w, b)`` arrays."""
        return self.path.getData()

    def setVisible(self, visible: bool) -> None:
        self.path.setVisible(visible)
        self.trail.setVisible(visible)

    def isVisible(self) -> bool:
        return self.path.isVisible()

    def zValue(self) -> float:
        """The highest of its pieces' (all below the current run's path)."""
        return max(item.zValue() for item in self.items())

    def set_width_scale(self, scale: float) -> None:
        """``scale`` times as thick as made (presentation mode)."""
        self._scale = float(scale)
        self._restyle()

    def set_highlight(self, on: bool) -> None:
        """Twice as thick while its run is selected in the compare list."""
        self._highlight = bool(on)
        self._restyle()

    def _restyle(self) -> None:
        scale = self._scale * (2.0 if self._highlight else 1.0)
        self.path.set_width_scale(scale)
        self.trail.set_width_scale(scale)

    def remove(self) -> None:
        self.path.remove()
        self.trail.remove()
#: How far the view may reach (and zooming out stops): twice as far as any point a view
#: frames, so every range the landscape is fitted to fits, and every span stays in float64.
VIEW_EDGE = 2 * VIEW_LIMIT
#: The narrowest span zooming in reaches: a pixel of a narrower one is so small that its
#: reciprocal, which the plot computes, leaves float64 (tiny data of 1e-300 still fits).
MIN_SPAN = 2.0 ** -1000
#: The condition number's distance from the view's edges (pixels), and the room it leaves
#: around a marker it must not cover (times the optimum marker's size).
CONDITION_MARGIN = 6
CONDITION_MARK_ROOM = 0.75


class _LandscapeImage(pg.ImageItem):
    """The colour map, scaled to the screen without smoothing: each grid sample is a block
    of a few pixels, and a redraw while a point is dragged stays within its frame (smooth
    scaling costs several milliseconds per paint)."""

    def paint(self, painter, *args):
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        super().paint(painter, *args)


class _ConditionText(pg.TextItem):
    """The condition number's label, placed again (``place()``) when its text grows
    (presentation mode's larger font)."""

    def __init__(self, place, **kwargs):
        super().__init__(**kwargs)
        self._place_ref = weakref.WeakMethod(place)  # (weakly: see LandscapeViewBox)

    def _place(self) -> None:
        place = self._place_ref()
        if place is not None:
            place()

    def setFont(self, font) -> None:
        super().setFont(font)
        self._place()


class LandscapeViewBox(pg.ViewBox):
    """Left click or drag: ask for the start there (on every move of a drag). Ctrl + left
    drag or middle drag pans, right drag and the wheel zoom."""

    def __init__(self, plot: LandscapePlot):
        super().__init__(enableMenu=False)
        # The plot's own items hold it weakly. A strong reference made a cycle (plot ->
        # view box -> plot) that only the garbage collector frees; it could free the view
        # box first, and the plot with its last reference, from within the view box's own
        # deletion: the plot's scene then deleted the half-deleted view box (a crash).
        self._plot_ref = weakref.ref(plot)
        self._setting_start = False

    @property
    def _plot(self) -> LandscapePlot | None:
        return self._plot_ref()

    def _request(self, scene_pos) -> None:
        pos = self.mapSceneToView(scene_pos)
        self._plot.startRequested.emit(float(pos.x()), float(pos.y()))

    def scaleBy(self, s=None, center=None, x=None, y=None):
        """Zoom (the wheel, a right drag), never out beyond a span of 2 × :data:`VIEW_EDGE`
        nor in below :data:`MIN_SPAN`: a step further would leave float64."""
        if s is not None:
            x, y = s[0], s[1]
        (x0, x1), (y0, y1) = self.viewRange()
        if x is not None:
            x = min(max(x, MIN_SPAN / (x1 - x0)), 2 * VIEW_EDGE / (x1 - x0))
        if y is not None:
            y = min(max(y, MIN_SPAN / (y1 - y0)), 2 * VIEW_EDGE / (y1 - y0))
        super().scaleBy(None, center, x, y)

    def mouseClickEvent(self, ev):
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._request(ev.scenePos())
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None):
        left = ev.button() == Qt.MouseButton.LeftButton
        if ev.isStart():
            ctrl = bool(ev.modifiers() & Qt.KeyboardModifier.ControlModifier)
            self._setting_start = left and not ctrl
        if not (left and self._setting_start):
            super().mouseDragEvent(ev, axis)  # pans (Ctrl + left, middle) or zooms (right)
            return
        ev.accept()
        if ev.isStart():
            self._request(ev.buttonDownScenePos())
        self._request(ev.scenePos())
        if ev.isFinish():
            self._setting_start = False


class LandscapePlot(pg.PlotWidget):
    """The landscape: axes ``w`` (horizontal) and ``b`` (vertical)."""

    #: The user asked to start the descent at (w, b) (click, or every move of a drag).
    startRequested = Signal(float, float)
    #: The pointer is over (w, b) of the landscape.
    hovered = Signal(float, float)
    #: The user panned or zoomed to ``w_lo, w_hi, b_lo, b_hi`` (resample there if wanted).
    viewChanged = Signal(float, float, float, float)

    def __init__(self, parent=None):
        self._vb = LandscapeViewBox(self)
        super().__init__(parent, viewBox=self._vb)
        self._vb.setLimits(xMin=-VIEW_EDGE, xMax=VIEW_EDGE, yMin=-VIEW_EDGE, yMax=VIEW_EDGE,
                           maxXRange=2 * VIEW_EDGE, maxYRange=2 * VIEW_EDGE)
        self.setBackground("w")
        self.setLabel("bottom", "w (slope)")
        self.setLabel("left", "b (intercept)")
        for side in ("bottom", "left"):  # ticks in w and b themselves (no "(x0.001)")
            self.getAxis(side).enableAutoSIPrefix(False)
        self.setTitle(TITLE)
        cache_axes(self)
        self.frame: LandscapeFrame | None = None
        cmap = pg.colormap.get(COLORMAP)
        self.image = _LandscapeImage(axisOrder="col-major")
        self.image.setLookupTable(cmap.getLookupTable(nPts=256))
        self.image.setZValue(-100)
        self.contours = pg.PlotCurveItem(pen=pg.mkPen(QColor(255, 255, 255, 150), width=1))
        self.valley = pg.PlotCurveItem(pen=pg.mkPen("w", width=2, style=Qt.PenStyle.DashLine))
        self.valley_label = pg.TextItem(color="w", anchor=(0.5, 1.2))
        self.eigen_lines = [pg.PlotCurveItem(pen=pg.mkPen(c, width=2,
                                                          style=Qt.PenStyle.DashDotLine))
                            for c in ("#ffd700", "#ff69b4")]
        self.optimum = pg.ScatterPlotItem(symbol="star", size=18, pen=pg.mkPen("k", width=1),
                                          brush=pg.mkBrush("w"))
        self.epoch_ends = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1),
                                             brush=pg.mkBrush(TRAIL_COLOR))
        self.preview = pg.PlotDataItem(pen=pg.mkPen(PREVIEW_COLOR, width=2,
                                                    style=Qt.PenStyle.DashLine))
        self.moment = pg.ScatterPlotItem(symbol="o", size=14, pen=pg.mkPen("k", width=2),
                                         brush=pg.mkBrush(None))
        self.start = pg.ScatterPlotItem(symbol="o", size=12, pen=pg.mkPen("w", width=2),
                                        brush=pg.mkBrush(PATH_COLOR))
        #: Where the current run's path began: a ring in the path's colour (under the start
        #: marker; seen alone once another start is set for the next run).
        self.run_start = pg.ScatterPlotItem(symbol="o", size=11, pen=pg.mkPen(PATH_COLOR,
                                            width=2.5), brush=pg.mkBrush(None))
        for item in (self.image, self.contours, self.valley, *self.eigen_lines, self.preview,
                     self.epoch_ends, self.optimum, self.moment, self.run_start, self.start):
            self.addItem(item, ignoreBounds=True)  # the view is set from the frame's ranges
        self.preview.setZValue(PREVIEW_Z)  # below the current path: never hides it
        for item in (self.epoch_ends, self.optimum, self.moment, self.run_start, self.start):
            item.setZValue(MARKER_Z)  # above the paths; repainted only when they change
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        #: The current run's path (drawn in pieces; ``path.getData()`` gives its points).
        self.path = GrowingPath(self, pg.mkPen(PATH_COLOR, width=PATH_WIDTH), z=PATH_Z)
        #: A stochastic run's epoch trail: its epochs' ends, joined (from the first's).
        self.epoch_trail = GrowingPath(self, pg.mkPen(TRAIL_COLOR, width=PATH_WIDTH),
                                       z=PATH_Z + 0.5)
        self.epoch_trail.set_style(pg.mkPen(TRAIL_COLOR, width=PATH_WIDTH), fade=True)
        self.addItem(self.valley_label)
        # the condition number sits in a corner of the view, not at data coordinates: the
        # first of them that covers neither the optimum nor the path's end (or covers least)
        self.condition_text = _ConditionText(self._place_condition_text, color="w",
                                             anchor=(0, 0), fill=(0, 0, 0, 120))
        self.condition_text.setParentItem(self._vb)
        self.condition_text.setPos(CONDITION_MARGIN, CONDITION_MARGIN)
        #: A sentence about the landscape (the frame's ``label``: logistic regression's
        #: separable data have no finite optimum; a coarser grid on large data), at the
        #: top of the view.
        self.landscape_label = pg.TextItem(color="w", anchor=(0.5, 0), fill=(0, 0, 0, 150))
        self.landscape_label.setParentItem(self._vb)
        self._vb.sigResized.connect(self._place_landscape_label)
        self._path_end = None
        self._vb.sigRangeChanged.connect(self._place_condition_text)
        self._vb.sigResized.connect(self._place_condition_text)
        #: The kept runs' paths, by key.
        self.kept: dict[object, KeptPath] = {}
        self._line_scale = 1.0  # presentation mode's
        self._frame_time = 0.0
        self.curvature_action = QAction("Show curvature (eigen-directions, condition number)",
                                        self, checkable=True)
        self.curvature_action.toggled.connect(self._show_curvature)
        self._show_curvature(False)
        self._vb.sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        self._valley_at = None
        self._vb.sigRangeChanged.connect(self._place_valley_label)
        self.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)

    # ------------------------------------------------------------------ the landscape
    def set_frame(self, frame: LandscapeFrame | None) -> None:
        """Draw ``frame`` (None: no data, nothing to draw). The view moves to the frame's
        ranges when they differ from the last frame's."""
        old, self.frame = self.frame, frame
        self._cache_landscape(False)
        if frame is None:
            self.image.clear()
            for item in (self.contours, self.valley, *self.eigen_lines):
                item.setData([], [])
            self.optimum.setData([], [])
            self.valley_label.setText("")
            self.condition_text.setText("")
            self._set_label("")
            return
        values = frame.values
        lo, hi = float(values.min()), float(values.max())
        self.image.setImage(values, autoLevels=False, levels=(lo, hi if hi > lo else lo + 1))
        (w0, w1), (b0, b1) = frame.w_range, frame.b_range
        nw, nb = values.shape
        dw, db = (w1 - w0) / max(nw - 1, 1), (b1 - b0) / max(nb - 1, 1)
        self.image.setRect(QRectF(w0 - dw / 2, b0 - db / 2, dw * nw, db * nb))
        xs, ys = frame.contours
        self.contours.setData(xs, ys, connect="pairs")
        if frame.optimum is not None:
            self.optimum.setData([frame.optimum[0]], [frame.optimum[1]])
        else:
            self.optimum.setData([], [])
        if frame.valley is not None:
            self.valley.setData(frame.valley[:, 0], frame.valley[:, 1])
            self.optimum.setData([], [])
        else:
            self.valley.setData([], [])
        self.valley_label.setText("" if frame.unique else "many optima (a valley)")
        if not frame.unique:
            self.valley_label.setToolTip(frame.note)
            self._valley_at = frame.optimum or (0.5 * (w0 + w1), 0.5 * (b0 + b1))
            self._place_valley_label()
        self._draw_curvature()
        self._set_label(frame.label)
        if self.getPlotItem().titleLabel.text != (frame.title or TITLE):
            self.setTitle(frame.title or TITLE)
        if old is None or (old.w_range, old.b_range) != (frame.w_range, frame.b_range):
            self.fit_view()

    def _set_label(self, text: str) -> None:
        if self.landscape_label.toPlainText() != text:
            self.landscape_label.setText(text)
        self.landscape_label.setVisible(bool(text))
        self._place_landscape_label()

    def _place_landscape_label(self, *_) -> None:
        """The label at the top of the view (a runaway path goes down as w grows, when b
        falls), wrapped to its width (a narrow window)."""
        box = self._vb.boundingRect()
        label = self.landscape_label
        width = max(box.width() - 2 * CONDITION_MARGIN, 40.0)
        if label.textItem.textWidth() != width:
            label.setTextWidth(width)
            label.textItem.document().setDefaultTextOption(_CENTRED)
        label.setPos(box.center().x(), box.top() + CONDITION_MARGIN)

    def _place_valley_label(self, *_) -> None:
        """The valley's label by the optimum drawn, but inside the view: its anchor slides
        from its left end to its right end as the point nears the view's right edge, and it
        goes below the point near the top."""
        if self._valley_at is None:
            return
        (x0, x1), (y0, y1) = self._vb.viewRange()
        x = min(max(float(self._valley_at[0]), x0), x1)
        y = min(max(float(self._valley_at[1]), y0), y1)
        fx = (x - x0) / (x1 - x0) if x1 > x0 else 0.5
        fy = (y - y0) / (y1 - y0) if y1 > y0 else 0.5
        self.valley_label.setAnchor((min(max(fx, 0.0), 1.0), 1.2 if fy < 0.8 else -0.2))
        self.valley_label.setPos(x, y)

    def _cache_landscape(self, on: bool) -> None:
        """While paths, markers or the preview move over a still landscape, draw the colour
        map and contours from a cached pixmap; while the landscape itself changes (a point
        dragged: a new frame within the last 0.2 s) refilling that cache every frame would
        only add to the cost."""
        now = time.monotonic()
        if not on:
            self._frame_time = now
        elif now - self._frame_time < 0.2:
            return
        mode = (QGraphicsItem.CacheMode.DeviceCoordinateCache if on
                else QGraphicsItem.CacheMode.NoCache)
        if self.image.cacheMode() != mode:
            self.image.setCacheMode(mode)
            self.contours.setCacheMode(mode)

    def fit_view(self) -> None:
        """Show the whole of the current frame's ranges (what the model fitted)."""
        if self.frame is not None:
            self.show_ranges(self.frame.w_range, self.frame.b_range)

    def show_ranges(self, w_range, b_range) -> None:
        """Show ``w_range`` × ``b_range`` (nothing if a span is empty or beyond float64:
        no plot can show it)."""
        (w0, w1), (b0, b1) = w_range, b_range
        if 0 < w1 - w0 < math.inf and 0 < b1 - b0 < math.inf:
            self.setRange(xRange=(w0, w1), yRange=(b0, b1), padding=0)

    def _draw_curvature(self) -> None:
        frame = self.frame
        if frame is None or frame.eigenvectors is None or frame.centre is None:
            for line in self.eigen_lines:
                line.setData([], [])
            self.condition_text.setText("")
            return
        (w0, w1), (b0, b1) = frame.w_range, frame.b_range
        cw, cb = frame.centre
        for line, vector in zip(self.eigen_lines, frame.eigenvectors.T, strict=True):
            vw, vb = float(vector[0]), float(vector[1])
            if vw != 0:
                slope = vb / vw
                clipped = clip_line(slope, cb - slope * cw, w0, w1, b0, b1)
            else:
                clipped = (np.array([cw, cw]), np.array([b0, b1])) if w0 <= cw <= w1 else None
            line.setData(*(clipped if clipped is not None else ([], [])))
        lo, hi = frame.eigenvalues
        kappa = frame.condition_number
        text = "condition number ∞" if not np.isfinite(kappa) else f"condition number {kappa:.4g}"
        self.condition_text.setText(f"{text}\nλ: {lo:.4g} (yellow), {hi:.4g} (pink)")
        self._place_condition_text()

    def _show_curvature(self, on: bool) -> None:
        for item in (*self.eigen_lines, self.condition_text):
            item.setVisible(on)
        self._place_condition_text()

    def condition_marks(self) -> list[tuple[QPointF, int]]:
        """What the condition number must not cover, in the view box's pixels, each with
        its weight: the optimum (most), the path's end, the timeline's moment, the start."""
        marks = []
        for item, weight in ((self.optimum, 4), (self.moment, 2), (self.start, 1)):
            xs, ys = item.getData()
            for x, y in zip(xs, ys, strict=True):
                marks.append((float(x), float(y), weight))
        if self._path_end is not None:
            marks.append((*self._path_end, 2))
        return [(self._vb.mapFromView(QPointF(x, y)), weight) for x, y, weight in marks
                if math.isfinite(x) and math.isfinite(y)]

    def _place_condition_text(self, *_) -> None:
        """The condition number in the corner of the view it covers least of the marks
        (:meth:`condition_marks`, with a marker's room around each): the top left if it
        covers none."""
        text = self.condition_text
        if not text.isVisible() or not text.toPlainText():
            return
        box = self._vb.boundingRect()
        size = text.textItem.boundingRect().size()
        marks = self.condition_marks()
        room = CONDITION_MARK_ROOM * self.optimum.opts["size"]
        best = None
        for ax, ay in ((0, 0), (1, 0), (0, 1), (1, 1)):
            x = box.left() + CONDITION_MARGIN if ax == 0 else box.right() - CONDITION_MARGIN
            y = box.top() + CONDITION_MARGIN if ay == 0 else box.bottom() - CONDITION_MARGIN
            rect = QRectF(x - ax * size.width(), y - ay * size.height(), size.width(),
                          size.height()).adjusted(-room, -room, room, room)
            covered = sum(weight for point, weight in marks if rect.contains(point))
            if best is None or covered < best[0]:
                best = (covered, (ax, ay), QPointF(x, y))
        text.setAnchor(best[1])
        text.setPos(best[2])

    # ------------------------------------------------------------------ paths and markers
    def set_path(self, points, updates: bool = False) -> None:
        """The current run's path, rows ``(w, b)`` (already thinned): its epoch ends, drawn
        bold, or with ``updates`` every update of a stochastic or mini-batch run, drawn thin
        and fading. When they extend the points drawn (a run going on) only the new part is
        drawn."""
        self._cache_landscape(True)
        self.path.set_style(*path_style(PATH_COLOR, updates))
        self.path.set_points(points)
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        self._path_end = (float(p[-1, 0]), float(p[-1, 1])) if len(p) else None
        self._place_condition_text()

    def scale_lines(self, scale: float) -> None:
        """The current path, its epoch trail and the kept paths ``scale`` times as thick as
        made (presentation mode; the other curves are the plot's data items, scaled by their
        owner)."""
        self._line_scale = float(scale)
        self.path.set_width_scale(scale)
        self.epoch_trail.set_width_scale(scale)
        for kept in self.kept.values():
            kept.set_width_scale(scale)

    def set_epoch_ends(self, points, trail: bool = False) -> None:
        """Markers at the end of each epoch (rows ``(w, b)``); with ``trail`` (a stochastic
        run's) they are joined, one to the next, by the epoch trail. The trail starts at the
        first epoch's end: a line from the start would cut straight across the updates the
        first epoch took."""
        self._cache_landscape(True)
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        # markers more (epochs ended) or the same ones: their places written in, not every
        # marker styled again (setData: milliseconds a frame while a run goes)
        if not (len(p) and update_in_place(self.epoch_ends, p[:, 0].copy(), p[:, 1].copy(),
                                           grow=True)):
            self.epoch_ends.setData(p[:, 0], p[:, 1])
        self.epoch_trail.set_points(p if trail else np.empty((0, 2)))

    def set_preview(self, points) -> None:
        """The preview of the first updates (rows ``(w, b)``), dashed; None hides it."""
        self._cache_landscape(True)
        p = np.empty((0, 2)) if points is None else np.asarray(points, np.float64).reshape(-1, 2)
        self.preview.setData(p[:, 0], p[:, 1])

    def set_start(self, w: float, b: float) -> None:
        self._cache_landscape(True)
        self.start.setData([w], [b])
        self._place_condition_text()

    def set_run_start(self, point) -> None:
        """The ring where the current run's path began, at ``(w, b)``; None hides it."""
        self._cache_landscape(True)
        self.run_start.setData(*(([point[0]], [point[1]]) if point is not None
                                 else ([], [])))

    def set_moment(self, point) -> None:
        """The marker of the timeline's moment at ``(w, b)``; None hides it."""
        self._cache_landscape(True)
        self.moment.setData(*(([point[0]], [point[1]]) if point is not None else ([], [])))
        self._place_condition_text()

    def add_kept(self, key, points, index: int, label: str = "", updates: bool = False,
                 epoch_ends=None) -> None:
        """Show a kept run's path in the ``index``-th kept colour (replacing ``key``'s),
        drawn as the current run's is (see :class:`KeptPath`): with ``updates`` the points
        are every update of a stochastic or mini-batch run, and ``epoch_ends`` (rows
        ``(w, b)``) its epochs' ends, joined by a bold trail (from the first's, as the
        current run's)."""
        self.remove_kept(key)
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        trail = None
        if updates and epoch_ends is not None and len(p):
            trail = np.asarray(epoch_ends, np.float64).reshape(-1, 2)
        kept = KeptPath(self, p, RUN_COLORS[index % len(RUN_COLORS)], label, updates, trail)
        kept.set_width_scale(self._line_scale)
        self.kept[key] = kept

    def remove_kept(self, key) -> None:
        kept = self.kept.pop(key, None)
        if kept is not None:
            kept.remove()

    def set_kept_visible(self, key, visible: bool) -> None:
        if key in self.kept:
            self.kept[key].setVisible(visible)

    # ------------------------------------------------------------------ mouse
    def _on_scene_mouse_moved(self, scene_pos) -> None:
        if self._vb.sceneBoundingRect().contains(scene_pos):
            pos = self._vb.mapSceneToView(scene_pos)
            self.hovered.emit(float(pos.x()), float(pos.y()))

    def _on_view_range_changed_manually(self, *_) -> None:
        (w0, w1), (b0, b1) = self._vb.viewRange()
        self.viewChanged.emit(float(w0), float(w1), float(b0), float(b1))
