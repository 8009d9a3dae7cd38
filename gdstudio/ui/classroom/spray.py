"""The spray brush: pressing and dragging on the data plot sprays points with Gaussian noise
around the cursor; the whole stroke is one undoable edit.

:class:`SprayStroke` is the arithmetic (no Qt): a burst where the stroke starts, then points
at :data:`RATE` a second of stroke time while the button is held (moving or not), each drawn
around the cursor with a spread of :data:`RADIUS_PX` screen pixels turned into data units.
:class:`SprayTool` takes the data plot's clicks and drags while the tool is on, shows the
stroke's points as it goes and hands them to the controller as one edit when it ends.

For logistic regression the brush sprays points of the class chosen in the data panel: the
noise spreads them along x, and each lands on its class's row (y = 0 or 1).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer, Slot

from gdstudio.core.data.dataset import Dataset
from gdstudio.ui.numbers.line_loss import model_of

#: The spread of the spray: the points fall within about this many pixels of the cursor
#: (twice the noise's standard deviation).
RADIUS_PX = 24.0
#: Points sprayed where a stroke starts (and by a click).
BURST = 6
#: Points a second while the button is held.
RATE = 60.0
#: At most this many points a stroke (a held button stops adding).
MAX_STROKE_POINTS = 2_000
#: While the button is held still, the spray goes on every this many milliseconds.
HOLD_MS = 50


class SprayStroke:
    """One stroke's points, in data coordinates.

    ``pixel`` is the size of one screen pixel in data units ``(dx, dy)``; ``seed`` makes the
    noise reproducible (tests); times are seconds (any clock)."""

    def __init__(self, pixel: tuple[float, float], seed=None, radius_px: float = RADIUS_PX,
                 rate: float = RATE):
        self.sigma = (radius_px / 2 * abs(pixel[0]), radius_px / 2 * abs(pixel[1]))
        self.rate = rate
        self.rng = np.random.default_rng(seed)
        self.x: list[float] = []
        self.y: list[float] = []
        self._time: float | None = None
        self._owed = 0.0

    def __len__(self) -> int:
        return len(self.x)

    def _spray(self, x: float, y: float, count: int) -> int:
        count = max(0, min(count, MAX_STROKE_POINTS - len(self.x)))
        if count:
            self.x.extend((x + self.rng.normal(0.0, self.sigma[0], count)).tolist())
            self.y.extend((y + self.rng.normal(0.0, self.sigma[1], count)).tolist())
        return count

    def start(self, x: float, y: float, now: float) -> int:
        """The button went down at ``(x, y)``: a burst; the number of points added."""
        self._time, self._owed = now, 0.0
        return self._spray(x, y, BURST)

    def move(self, x: float, y: float, now: float) -> int:
        """The cursor is at ``(x, y)`` at time ``now``: the points the time since the last
        call owes, at :attr:`rate` a second; the number added."""
        if self._time is None:
            return self.start(x, y, now)
        self._owed += max(0.0, now - self._time) * self.rate
        self._time = now
        count = int(self._owed + 1e-9)  # (0.1 s at 60 a second owes 6, not 5.999…)
        self._owed -= count
        return self._spray(x, y, count)

    def dataset(self, label: int | None = None) -> Dataset:
        """The stroke's points; with ``label`` (logistic regression), each at y = label."""
        y = np.array(self.y, dtype=np.float64)
        if label is not None:
            y = np.full(len(y), float(label))
        return Dataset(np.array(self.x, dtype=np.float64), y)


class SprayTool(QObject):
    """The spray brush on ``plot`` (a :class:`~gdstudio.ui.plots.DataPlot`) for
    ``controller``; :meth:`set_active` turns it on (it then takes the left button)."""

    def __init__(self, controller, plot, parent=None, clock=time.monotonic):
        super().__init__(parent)
        self.controller, self.plot, self.clock = controller, plot, clock
        self.seed = None
        self.stroke: SprayStroke | None = None
        self._cursor = (0.0, 0.0)
        self.preview = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#1f4e79"),
                                          brush=pg.mkBrush(255, 127, 14, 170), pxMode=True)
        self.preview.setZValue(8)
        plot.addItem(self.preview, ignoreBounds=True)
        self._hold = QTimer(self)
        self._hold.setInterval(HOLD_MS)
        self._hold.timeout.connect(self._on_hold_timeout)

    @property
    def active(self) -> bool:
        return self.plot.getViewBox().tool is self

    @Slot(bool)
    def set_active(self, on: bool) -> None:
        self.finish()
        self.plot.getViewBox().tool = self if on else None
        if on:
            self.controller.status("Spray brush: press and drag on the data plot to spray "
                                   "points; Ctrl+Z undoes a whole stroke.", 5000)

    # -------------------------------------------------------------- the plot's gestures
    def click(self, pos) -> None:
        if self.begin(pos.x(), pos.y()):
            self.finish()

    def drag(self, pos, start: bool, finish: bool) -> None:
        if start:
            self.begin(pos.x(), pos.y())
        elif self.stroke is not None:
            self.move_to(pos.x(), pos.y())
        if finish:
            self.finish()

    # -------------------------------------------------------------- the stroke
    def begin(self, x: float, y: float) -> bool:
        """Start a stroke at ``(x, y)`` (data coordinates); False if editing is locked."""
        self.finish()
        if not self.controller.edit_allowed("spray"):
            return False
        self.stroke = SprayStroke(self._pixel_size(), self.seed)
        self._cursor = (x, y)
        self.stroke.start(x, y, self.clock())
        self._show()
        self._hold.start()
        return True

    def _pixel_size(self) -> tuple[float, float]:
        """One screen pixel in data units; pyqtgraph's is NaN on data of tiny scale
        (1e-300), where the view's range over its size in pixels is not."""
        vb = self.plot.getViewBox()
        size = vb.size()
        out = []
        for given, (low, high), pixels in zip(vb.viewPixelSize(), vb.viewRange(),
                                              (size.width(), size.height()), strict=True):
            if not (math.isfinite(given) and given > 0):
                given = (high - low) / max(pixels, 1.0)
            out.append(given if math.isfinite(given) and given > 0 else 1.0)
        return out[0], out[1]

    def move_to(self, x: float, y: float) -> None:
        if self.stroke is not None:
            self._cursor = (x, y)
            if self.stroke.move(x, y, self.clock()):
                self._show()

    @Slot()
    def _on_hold_timeout(self) -> None:
        self.move_to(*self._cursor)

    def finish(self) -> bool:
        """End the stroke: its points become one edit; True if points were added."""
        self._hold.stop()
        stroke, self.stroke = self.stroke, None
        self.preview.setData([], [])
        if stroke is None or not len(stroke):
            return False
        n = len(stroke)
        if self.controller.add_points(stroke.dataset(self._label()),
                                      f"Spray {n} point{'s' if n != 1 else ''}", "spray"):
            self.controller.status(f"Sprayed {n:,} point{'s' if n != 1 else ''}.", 3000)
            return True
        return False

    def _label(self) -> int | None:
        """The class sprayed (logistic regression), or None (the line: y as sprayed)."""
        if model_of(self.controller) != "logistic":
            return None
        return self.controller.editing.add_class

    def _show(self) -> None:
        label = self._label()
        ys = self.stroke.y if label is None else [float(label)] * len(self.stroke)
        self.preview.setData(self.stroke.x, ys)
