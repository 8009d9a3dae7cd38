""""Your line": a line the learner sets by hand, by dragging two handles on the data plot or
typing w and b, with its loss (the chosen loss function, exact) always in view.

:class:`YourLine` emits :attr:`~YourLine.lineChanged` (w, b) whenever the line moves; the
landscape's marker can follow it. While it is on, the residuals, equation and R² on the data
plot are those of your line.

For logistic regression your line is a sigmoid p(x) = σ(w·x + b) with two handles: the
boundary handle at p = 0.5 (x = −b/w; dragging it along x moves the sigmoid, w kept) and the
slope handle at p = 0.88 (dragging it nearer the boundary makes the sigmoid steeper, across
it turns it round). Both handles stay on their heights.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QObject, QSignalBlocker, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QWidget

from gdstudio.ui.numbers.line_loss import accuracy, boundary, exact_loss
from gdstudio.ui.plots.sigmoid_overlay import sigmoid_curve
from gdstudio.ui.studio import palette

YOUR_COLOR = QColor(palette.YOUR_COLOR)
LOSS_NAMES = {"mse": "MSE", "mae": "MAE", "huber": "Huber loss", "bce": "cross-entropy",
              "bce-logits": "cross-entropy"}
#: The heights of the sigmoid's handles: the boundary's, and the slope handle's.
P_BOUNDARY, P_SLOPE = 0.5, 0.88
#: The log-odds at the slope handle: ln(0.88 / 0.12).
Z_SLOPE = math.log(P_SLOPE / (1.0 - P_SLOPE))


def loss_words(kind: str, loss: float | None) -> str:
    """'MSE 2675.00' (two decimals; very small or large values in ``.4g``)."""
    name = LOSS_NAMES.get(kind, kind)
    if loss is None:
        return f"{name}: beyond float64"
    return f"{name} {loss:.2f}" if 0.01 <= abs(loss) < 1e12 or loss == 0 else f"{name} {loss:.4g}"


def _typed(name: str, text: str) -> tuple[float | None, str]:
    """The number typed for ``name`` and '', or None and what is wrong (worded as the
    settings' fields word it)."""
    try:
        value = float(text)
    except ValueError:
        return None, "Type w and b as numbers, such as 9 and 350."
    if math.isinf(value) and text.lower().lstrip("+-") not in ("inf", "infinity"):
        return None, f"{name} = {text} is too large: numbers go up to about 1.8e308."
    if not math.isfinite(value):
        return None, "w and b must be finite numbers."
    if value == 0 and any(c in "123456789" for c in text.lower().split("e")[0]):
        return None, (f"{name} = {text} is too small: it rounds to 0 (numbers go down to "
                      "about 5e-324).")
    return value, ""


class YourLinePanel(QWidget):
    """The check box, the w and b fields and the loss."""

    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        self.enabled = QCheckBox("Show your line (drag its two handles)")
        self.w_field = QLineEdit("1")
        self.b_field = QLineEdit("0")
        self.loss_label = QLabel("")
        self.loss_label.setStyleSheet("font-weight: bold;")
        self.error_label = QLabel("")
        self.error_label.setStyleSheet("color: #b00;")
        for widget, name, description in (
                (self.enabled, "Show your line",
                 "Draw a line of your own on the data plot, with its loss, to compare with "
                 "the fit; drag its two handles or type its w and b."),
                (self.w_field, "Your line's w", "The slope w of your line."),
                (self.b_field, "Your line's b", "The intercept b of your line.")):
            widget.setAccessibleName(name)
            widget.setAccessibleDescription(description)
        form.addRow(self.enabled)
        form.addRow("w", self.w_field)
        form.addRow("b", self.b_field)
        form.addRow("loss", self.loss_label)
        form.addRow(self.error_label)


class YourLine(QObject):
    """Your line on ``plot`` and in ``panel``, its loss from ``controller``'s data."""

    #: Your line moved (w, b); None, None when it is hidden.
    lineChanged = Signal(object, object)

    def __init__(self, controller, plot, panel: YourLinePanel, parent=None):
        super().__init__(parent)
        self.controller, self.plot, self.panel = controller, plot, panel
        self.w, self.b = 1.0, 0.0
        #: ``"line"`` or ``"logistic"`` (a sigmoid; see :meth:`set_model`).
        self.model = "line"
        self._handle_x: tuple[float, float] | None = None  # where the handles were put
        self.item = pg.PlotDataItem([], [], pen=pg.mkPen(YOUR_COLOR, width=3))
        self.item.setZValue(6)
        plot.addItem(self.item, ignoreBounds=True)
        self.handles = [pg.TargetItem(movable=True, size=14, pen=pg.mkPen(YOUR_COLOR, width=2),
                                      brush=pg.mkBrush(255, 255, 255, 200)) for _ in range(2)]
        for handle in self.handles:
            handle.setZValue(25)
            plot.addItem(handle, ignoreBounds=True)
            handle.sigPositionChanged.connect(self._on_handle_moved)
        panel.enabled.toggled.connect(self._on_enabled_toggled)
        panel.w_field.editingFinished.connect(self._on_fields_edited)
        panel.b_field.editingFinished.connect(self._on_fields_edited)
        controller.dataChanged.connect(self._on_data_changed)
        controller.optimumChanged.connect(self.update_loss)  # the chosen loss changed
        self._set_visible(False)

    @property
    def active(self) -> bool:
        return self.panel.enabled.isChecked()

    def set_line(self, w: float, b: float) -> None:
        """Set your line to y = w·x + b (the fields, handles, line and loss follow)."""
        self.w, self.b = float(w), float(b)
        with QSignalBlocker(self.panel.w_field), QSignalBlocker(self.panel.b_field):
            self.panel.w_field.setText(f"{self.w:.6g}")
            self.panel.b_field.setText(f"{self.b:.6g}")
        self._place_handles()
        self._draw()

    def set_model(self, model: str) -> None:
        """Draw your line as a line or, for logistic regression, as a sigmoid."""
        self.model = model
        if self.active:
            self.set_line(self.w, self.b)

    def sigmoid_handles(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The sigmoid's handles: (x, 0.5) at the boundary, (x, 0.88) where z = ln(0.88/0.12)
        (with w = 0, the boundary handle at the middle of the data, the slope handle one
        data-span to its right)."""
        edge = boundary(self.w, self.b)
        if edge is None:
            lo, hi = self.handle_xs()
            edge = (lo + hi) / 2
            return (edge, P_BOUNDARY), (edge + 2.5 * (hi - lo), P_SLOPE)
        return (edge, P_BOUNDARY), (edge + Z_SLOPE / self.w, P_SLOPE)

    def handle_xs(self) -> tuple[float, float]:
        """Where the handles sit along x: a fifth of the data's span in from each end."""
        x, _ = self.plot.points()
        if len(x):
            lo, hi = float(x.min()), float(x.max())
        else:
            (lo, hi), _ = self.plot.getViewBox().viewRange()
        if hi <= lo:
            lo, hi = lo - 1.0, hi + 1.0
        span = hi - lo
        return lo + 0.2 * span, hi - 0.2 * span

    def _place_handles(self) -> None:
        if self.model == "logistic":
            places = self.sigmoid_handles()
            self._handle_x = (places[0][0], places[1][0])
        else:
            places = [(x, self.w * x + self.b) for x in self.handle_xs()]
        for handle, (x, y) in zip(self.handles, places, strict=True):
            with QSignalBlocker(handle):
                handle.setPos(x, y)

    def _draw(self) -> None:
        x, _ = self.plot.points()
        (vx0, vx1), _ = self.plot.getViewBox().viewRange()
        lo = min(vx0, float(x.min())) if len(x) else vx0
        hi = max(vx1, float(x.max())) if len(x) else vx1
        if self.model == "logistic":
            curve = sigmoid_curve(self.w, self.b, lo, hi)
            self.item.setData(*(curve if curve is not None else ([], [])))
        else:
            self.item.setData([lo, hi], [self.w * lo + self.b, self.w * hi + self.b])
        self.update_loss()
        if self.active:
            self.lineChanged.emit(self.w, self.b)

    @Slot()
    def update_loss(self, *_) -> None:
        if not self.active:  # (an O(n) statistic of the data: not made for a hidden line)
            return
        loss = exact_loss(self.controller, self.w, self.b)
        text = loss_words(self.controller.loss, loss)
        d = self.controller.dataset
        if self.model == "logistic" and len(d):
            text += f", accuracy {accuracy(d.x, d.y, self.w, self.b):.1%}"
        self.panel.loss_label.setText(text if len(d) else "no points")

    def _set_visible(self, on: bool) -> None:
        self.item.setVisible(on)
        for handle in self.handles:
            handle.setVisible(on)

    @Slot(bool)
    def _on_enabled_toggled(self, on: bool) -> None:
        self._set_visible(on)
        if on:
            self.set_line(self.w, self.b)
        else:
            self.lineChanged.emit(None, None)

    @Slot()
    def _on_fields_edited(self) -> None:
        values = []
        for name, field in (("w", self.panel.w_field), ("b", self.panel.b_field)):
            value, error = _typed(name, field.text().strip())
            if error:
                self.panel.error_label.setText(error)
                return
            values.append(value)
        self.panel.error_label.setText("")
        self.set_line(*values)

    def _sigmoid_handle_moved(self) -> None:
        """A sigmoid's handle dragged: the boundary handle moves b (w kept), the slope
        handle sets w (z = ln(0.88/0.12) there); both go back to their heights."""
        xb, xs = (h.pos().x() for h in self.handles)
        old = self._handle_x or (xb, xs)
        w = self.w
        if xs != old[1] and xs != xb:  # the slope handle
            w = Z_SLOPE / (xs - xb)
        b = -w * xb
        if math.isfinite(w) and math.isfinite(b) and w != 0:
            self.w, self.b = w, b
            with QSignalBlocker(self.panel.w_field), QSignalBlocker(self.panel.b_field):
                self.panel.w_field.setText(f"{self.w:.6g}")
                self.panel.b_field.setText(f"{self.b:.6g}")
        self._place_handles()
        self._draw()

    @Slot(object)
    def _on_handle_moved(self, *_) -> None:
        if self.model == "logistic":
            self._sigmoid_handle_moved()
            return
        (x1, y1), (x2, y2) = ((h.pos().x(), h.pos().y()) for h in self.handles)
        if x2 == x1:
            return
        w = (y2 - y1) / (x2 - x1)
        b = y1 - w * x1
        if not (math.isfinite(w) and math.isfinite(b)):  # a handle beyond float64 (a typed
            self._place_handles()  # w of 1e308 puts it at y = inf): the line stays
            return
        self.w, self.b = w, b
        with QSignalBlocker(self.panel.w_field), QSignalBlocker(self.panel.b_field):
            self.panel.w_field.setText(f"{self.w:.6g}")
            self.panel.b_field.setText(f"{self.b:.6g}")
        self._draw()

    @Slot(bool)
    def _on_data_changed(self, replaced: bool) -> None:
        if not self.active:
            return
        self._place_handles()
        self._draw()
