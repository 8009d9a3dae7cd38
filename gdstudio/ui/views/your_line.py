""""Your line": a line the learner sets by hand, by dragging two handles on the data plot or
typing w and b, with its loss (the chosen loss function, exact) always in view.

:class:`YourLine` emits :attr:`~YourLine.lineChanged` (w, b) whenever the line moves; the
landscape's marker can follow it. While it is on, the residuals, equation and R² on the data
plot are those of your line.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QObject, QSignalBlocker, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QWidget

from gdstudio.ui.numbers.line_loss import exact_loss
from gdstudio.ui.studio import palette

YOUR_COLOR = QColor(palette.YOUR_COLOR)
LOSS_NAMES = {"mse": "MSE", "mae": "MAE", "huber": "Huber loss"}


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
        for handle, x in zip(self.handles, self.handle_xs(), strict=True):
            with QSignalBlocker(handle):
                handle.setPos(x, self.w * x + self.b)

    def _draw(self) -> None:
        x, _ = self.plot.points()
        (vx0, vx1), _ = self.plot.getViewBox().viewRange()
        lo = min(vx0, float(x.min())) if len(x) else vx0
        hi = max(vx1, float(x.max())) if len(x) else vx1
        self.item.setData([lo, hi], [self.w * lo + self.b, self.w * hi + self.b])
        self.update_loss()
        if self.active:
            self.lineChanged.emit(self.w, self.b)

    @Slot()
    def update_loss(self, *_) -> None:
        if not self.active:  # (an O(n) statistic of the data: not made for a hidden line)
            return
        loss = exact_loss(self.controller, self.w, self.b)
        self.panel.loss_label.setText(loss_words(self.controller.loss, loss)
                                      if len(self.controller.dataset) else "no points")

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

    @Slot(object)
    def _on_handle_moved(self, *_) -> None:
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
