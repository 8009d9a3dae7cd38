"""The line itself, on the data plot: its residuals, its equation and R².

Residuals are drawn as vertical segments from each point to the line, or as squares whose
side is the residual: the vertical side is |residual| in y units and the horizontal side is
|residual| scaled by the view's aspect (the x units a pixel holds per y unit), so each square
*looks* square at any zoom and its area on screen is proportional to the squared error. They
are redrawn when the view's range changes. Residuals are drawn for up to
:data:`MAX_RESIDUALS` points (beyond, only the equation and R²).

R² comes in O(1) from the data's exact MSE landscape when the overlay is given one
(:func:`exact_r2`), whatever the number of points: computed from the points it is several
passes over them, and on the GUI thread while a pure-Python training loop holds the
interpreter lock each pass waits for it (about 35 ms on 100,000 points; tests/bench/results).
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QColor, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem

from gdstudio.core.models.line.linefit import (
    LineReport,
    equation_text,
    line_report,
    r2_from_landscape,
)

MAX_RESIDUALS = 5_000
#: Beyond this many points R² computed from the points (O(n), while the data's exact
#: landscape is not there yet) is computed at most every THROTTLE seconds.
SYNC_POINTS = 100_000
THROTTLE = 0.1
RESIDUAL_COLOR = QColor(214, 39, 40, 170)


def exact_r2(landscape, w: float, b: float) -> float | None:
    """R² = 1 − SSE/SST of y = w·x + b from the data's :class:`~gdstudio.core.models.line.landscape.
    MSELandscape` (see :func:`~gdstudio.core.models.line.linefit.r2_from_landscape`). None
    when SST = 0 or the loss is beyond float64."""
    return r2_from_landscape(landscape, w, b)[0]


def r2_text(r2: float | None, n: int, y_varies: bool = True) -> str:
    """R² as the plot shows it (as
    :attr:`~gdstudio.core.models.line.linefit.LineReport.r2_text`)."""
    count = np.broadcast_to(np.float64(0.0), (n,))  # n residuals' worth, no memory
    return LineReport(count, 0.0, 0.0, r2, y_varies).r2_text


class LineOverlay:
    """Residuals (segments or squares), the equation and R² of one line on ``plot``.
    ``exact()``, if given, returns the MSE landscape of the points the plot shows (or None
    while there is none): R² then costs O(1)."""

    def __init__(self, plot, exact=None):
        self.plot = plot
        self._exact = exact
        self.vb = plot.getViewBox()
        self.mode = "off"  # "off", "segments" or "squares"
        #: Shown (the line model); logistic regression shows its own overlay instead.
        self.active = True
        self.line: tuple[float, float] | None = None
        #: The squares drawn: (x, y, width, height) in data coordinates.
        self.square_rects: list[tuple[float, float, float, float]] = []
        self.segments = pg.PlotDataItem([], [], pen=pg.mkPen(RESIDUAL_COLOR, width=1.5),
                                        connect="pairs")
        plot.addItem(self.segments, ignoreBounds=True)
        self.squares = QGraphicsPathItem()
        pen = pg.mkPen(RESIDUAL_COLOR, width=1)
        pen.setCosmetic(True)
        self.squares.setPen(pen)
        self.squares.setBrush(pg.mkBrush(214, 39, 40, 40))
        plot.addItem(self.squares, ignoreBounds=True)
        self.label = pg.TextItem("", color="k", fill=pg.mkBrush(255, 255, 255, 200))
        self.label.setParentItem(self.vb)
        self.label.setPos(6, 4)
        self.label.setZValue(40)
        self.text = ""
        self._last = 0.0
        self._timer = QTimer(plot)  # ends with the plot
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.redraw)
        self.vb.sigRangeChanged.connect(self._on_range_changed)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.redraw()

    def set_active(self, active: bool) -> None:
        """Show the residuals, equation and R² (the line) or none of them (another model:
        they are the line's)."""
        self.active = bool(active)
        self.redraw()

    def set_line(self, w: float | None, b: float | None = None) -> None:
        """Show the residuals, equation and R² of y = w·x + b (None: nothing)."""
        self.line = None if w is None else (float(w), float(b))
        n = self.plot.count
        land = self._exact() if self._exact is not None else None
        if (n <= SYNC_POINTS or (land is not None and land.n == n)  # O(1): with the line
                or time.monotonic() - self._last >= THROTTLE):
            self.redraw()
        elif not self._timer.isActive():
            self._timer.start(int(THROTTLE * 1000))

    def _on_range_changed(self, *_) -> None:
        if self.mode == "squares":
            self._draw_residuals()

    def redraw(self) -> None:
        self._last = time.monotonic()
        n = self.plot.count
        if self.line is None or not n or not self.active:
            self.text = ""
            self.label.setText("")
            self.label.setVisible(False)
        else:
            land = self._exact() if self._exact is not None else None
            if land is not None and land.n == n:
                r2, varies = r2_from_landscape(land, *self.line)
                text = r2_text(r2, n, varies)
            else:
                text = line_report(*self.plot.points(), *self.line).r2_text
            self.text = f"{equation_text(*self.line)}    {text}"
            self.label.setText(self.text)
            self.label.setVisible(True)
        self._draw_residuals()

    def _draw_residuals(self) -> None:
        show = (self.active and self.line is not None
                and 0 < self.plot.count <= MAX_RESIDUALS)
        x, y = self.plot.points() if show else (None, None)
        seg = show and self.mode == "segments"
        sq = show and self.mode == "squares"
        if seg:
            w, b = self.line
            with np.errstate(over="ignore", invalid="ignore"):  # a typed w of 1e308
                fit = w * x + b
            self.segments.setData(np.repeat(x, 2), np.column_stack([y, fit]).ravel())
        else:
            self.segments.setData([], [])
        self.square_rects = []
        path = QPainterPath()
        if sq:
            w, b = self.line
            with np.errstate(over="ignore", invalid="ignore"):
                fit = w * x + b
            px, py = self.vb.viewPixelSize()
            aspect = px / py if py else 1.0
            for xi, yi, fi in zip(x.tolist(), y.tolist(), fit.tolist(), strict=True):
                side = abs(yi - fi)
                rect = (xi, min(yi, fi), side * aspect, side)
                self.square_rects.append(rect)
                path.addRect(QRectF(*rect))
        self.squares.setPath(path)
        self.squares.setVisible(sq)
