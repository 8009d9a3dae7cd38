"""Logistic regression on the data plot: the two classes' look, the sigmoid's curve, and the
overlay of one sigmoid p(x) = σ(w·x + b): its 0.5 boundary x = −b/w, the points it puts in
the wrong class (ringed), its equation and accuracy, and its log-odds line z = w·x + b on an
axis of its own at the right (a view option).

The log-odds axis is drawn to the same scale everywhere: z = 0 at p = 0.5 and z = ±6 at
p = 0 and 1 (:data:`Z_PER_P`), so the log-odds line crosses zero exactly where the sigmoid
crosses 0.5, at the boundary.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gdstudio.core.drawing.plotmath import clip_line
from gdstudio.ui.numbers.line_loss import boundary, boundary_text, misclassified, sigmoid

#: Each class's look: colour-blind safe colours (Okabe and Ito's blue and reddish purple)
#: and a symbol of its own (circle, square), so neither colour alone tells them apart.
CLASS_STYLES = {
    0: {"size": 8, "symbol": "o", "pen": pg.mkPen("#00446b"),
        "brush": pg.mkBrush(0, 114, 178, 190)},
    1: {"size": 8, "symbol": "s", "pen": pg.mkPen("#7a3d63"),
        "brush": pg.mkBrush(204, 121, 167, 210)},
}
#: How far a jittered point may lie from its row (y units; the rows are 1 apart).
JITTER = 0.08
#: Samples of a sigmoid across the view (plus its steepest part, about the boundary).
CURVE_SAMPLES = 400
#: Log-odds units per unit of p on the right-hand axis (z = 0 at p = 0.5).
Z_PER_P = 12.0
#: At most this many misclassified points are ringed (beyond, the accuracy says how many).
MAX_RINGS = 5_000
RING_PEN = pg.mkPen("#000000", width=1.6)
BOUNDARY_PEN = pg.mkPen("#444444", width=1.5, style=Qt.PenStyle.DashLine)
LOG_ODDS_PEN = pg.mkPen("#009e73", width=2, style=Qt.PenStyle.DashDotLine)


def shown_labels(y: np.ndarray) -> np.ndarray:
    """The row each y is drawn on or snaps to: 1 from 0.5 up, else 0."""
    return (np.asarray(y, dtype=np.float64) >= 0.5).astype(np.float64)


def jitter_of(x: np.ndarray) -> np.ndarray:
    """A point's offset from its row, in [−:data:`JITTER`, :data:`JITTER`): drawn from the
    bits of its x, so a point keeps its place through other points' edits."""
    bits = np.ascontiguousarray(x, dtype=np.float64).view(np.uint64)
    mixed = (bits * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(11)
    return (mixed.astype(np.float64) / 2.0**53 - 0.5) * (2 * JITTER)


def class_rows(x: np.ndarray, y: np.ndarray, jitter: bool) -> np.ndarray:
    """Where the points are drawn: each on its class's row, jittered on request."""
    rows = shown_labels(y)
    return rows + jitter_of(x) if jitter and len(x) else rows


def sigmoid_curve(w: float, b: float, x0: float, x1: float,
                  samples: int = CURVE_SAMPLES) -> tuple[np.ndarray, np.ndarray] | None:
    """The points (x, σ(w·x + b)) drawn for the view's x from ``x0`` to ``x1``: evenly
    spaced, and dense about the boundary (where a steep sigmoid turns); None when w or b is
    not a finite number."""
    if not (np.isfinite(w) and np.isfinite(b)) or not x1 > x0:
        return None
    xs = np.linspace(x0, x1, samples)
    edge = boundary(w, b)
    if edge is not None and x0 < edge < x1:
        with np.errstate(over="ignore", divide="ignore"):
            near = edge + np.linspace(-8.0, 8.0, 65) / abs(w)  # z from −8 to 8
        xs = np.unique(np.concatenate([xs, near[(near > x0) & (near < x1)]]))
    with np.errstate(over="ignore", invalid="ignore"):
        z = w * xs + b
    return xs, sigmoid(z)


class LogisticOverlay:
    """The boundary, the ringed misclassified points, the equation with the accuracy and
    the log-odds line and axis of one sigmoid on ``plot`` (a
    :class:`~gdstudio.ui.plots.data_plot.DataPlot`), shown while :meth:`set_active`."""

    def __init__(self, plot):
        self.plot = plot
        self.vb = plot.getViewBox()
        self.active = False
        self.log_odds = False
        self.line: tuple[float, float] | None = None
        self.text = ""
        self.boundary_line = pg.InfiniteLine(angle=90, movable=False, pen=BOUNDARY_PEN)
        self.rings = pg.ScatterPlotItem(size=17, symbol="o", pen=RING_PEN,
                                        brush=pg.mkBrush(None), pxMode=True)
        self.z_line = pg.PlotDataItem(pen=LOG_ODDS_PEN)
        for item in (self.boundary_line, self.rings, self.z_line):
            item.setVisible(False)
            plot.addItem(item, ignoreBounds=True)
        self.label = pg.TextItem("", color="k", fill=pg.mkBrush(255, 255, 255, 200))
        self.label.setParentItem(self.vb)
        self.label.setPos(6, 4)
        self.label.setZValue(40)
        self.label.setVisible(False)
        # The right-hand axis shows z for the view's p: a view box of its own holding
        # nothing, under the plot's (it takes no mouse), with the plot's view's geometry.
        self.z_box = pg.ViewBox(enableMenu=False)
        self.z_box.setMouseEnabled(False, False)
        self.z_box.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.z_box.setAcceptHoverEvents(False)
        self.z_box.setZValue(-100)
        plot.scene().addItem(self.z_box)
        self.vb.sigResized.connect(self._fit_box)
        self._fit_box()
        self.z_axis = plot.getAxis("right")
        self.z_axis.linkToView(self.z_box)
        self.z_axis.setLabel("log-odds z = w·x + b")
        plot.showAxis("right", False)
        self.vb.sigRangeChanged.connect(self._on_range_changed)

    # ----------------------------------------------------------------- requests
    def set_active(self, active: bool) -> None:
        """Show the overlay (logistic regression) or hide all of it (the line)."""
        self.active = bool(active)
        self.redraw()

    def set_log_odds(self, on: bool) -> None:
        """Show or hide the log-odds line z = w·x + b and its axis."""
        self.log_odds = bool(on)
        self.redraw()

    def set_line(self, w: float | None, b: float | None = None) -> None:
        """Show the boundary, misclassified points and accuracy of p = σ(w·x + b)."""
        self.line = None if w is None else (float(w), float(b))
        self.redraw()

    def _fit_box(self, *_) -> None:
        self.z_box.setGeometry(self.vb.sceneBoundingRect())
        if self.text:
            self._fit_label()

    # ----------------------------------------------------------------- drawing
    @property
    def z_shown(self) -> bool:
        """Whether the log-odds line and axis are on screen."""
        return self.active and self.log_odds

    def redraw(self) -> None:
        on = self.active and self.line is not None
        self.plot.showAxis("right", self.z_shown)
        self.z_line.setVisible(self.z_shown and self.line is not None)
        self._on_range_changed()
        if not on:
            for item in (self.boundary_line, self.rings, self.label):
                item.setVisible(False)
            self.text = ""
            return
        w, b = self.line
        edge = boundary(w, b)
        self.boundary_line.setVisible(edge is not None)
        if edge is not None:
            self.boundary_line.setValue(edge)
        x, y = self.plot.points()
        wrong = misclassified(x, y, w, b)
        count = int(np.count_nonzero(wrong))
        if 0 < count <= MAX_RINGS:
            self.rings.setData(x[wrong], self.plot.shown_y()[wrong])
        else:
            self.rings.setData([], [])
        self.rings.setVisible(True)
        acc = 1.0 - count / len(x) if len(x) else None  # (as accuracy(): one pass)
        self.text = logistic_text(w, b, acc, len(x), count)
        self._fit_label()
        self.label.setVisible(True)

    def _fit_label(self, *_) -> None:
        """Show :attr:`text` in the label, the accuracy and the boundary each on a line of
        its own when the plot is too narrow for them side by side (it was cut off)."""
        self.label.setText(self.text)
        if self.label.textItem.boundingRect().width() > self.vb.width() - 12:
            self.label.setText(self.text.replace("   ", "\n"))

    def _on_range_changed(self, *_) -> None:
        if not self.z_shown:
            return
        (x0, x1), (y0, y1) = self.vb.viewRange()
        self.z_box.setYRange((y0 - 0.5) * Z_PER_P, (y1 - 0.5) * Z_PER_P, padding=0)
        if self.line is None:
            self.z_line.setData([], [])
            return
        w, b = self.line
        # z = w·x + b drawn in the plot's p units: p = 0.5 + z / Z_PER_P
        segment = clip_line(w / Z_PER_P, 0.5 + b / Z_PER_P, x0, x1, y0, y1)
        self.z_line.setData(*(segment if segment is not None else ([], [])))

    def z_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The log-odds line as drawn, in (x, z) units."""
        xs, ps = self.z_line.getData()
        if xs is None:
            return np.empty(0), np.empty(0)
        return np.asarray(xs), (np.asarray(ps) - 0.5) * Z_PER_P


def logistic_text(w: float, b: float, acc: float | None, n: int, wrong: int) -> str:
    """The overlay's text: the equation, then the accuracy (right of all) and the
    boundary."""
    parts = [f"p = σ({w:.4g}·x + {b:.4g})".replace("+ -", "− ")]
    if acc is not None:
        parts.append(f"accuracy {acc:.1%} ({n - wrong:,}/{n:,})")
    edge = boundary(w, b)
    parts.append("no boundary (w = 0)" if edge is None and w == 0 else
                 f"boundary x = {boundary_text(edge)}" if edge is not None else
                 "boundary beyond float64")
    return parts[0] + "\n" + "   ".join(parts[1:])  # (two lines: narrow windows)

