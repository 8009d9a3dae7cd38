"""The learning-rate gauge: a log scale of the rate, coloured slow / safe / unstable for the
chosen method on the current data, with the optimal step and the stability limit marked, the
current rate shown, and a button that asks for the optimal step cut to four significant
digits, a rate the field shows in full (see :mod:`gdstudio.core.drawing.lr_scale` for the
scale and its regions). For logistic regression the limit is the cross-entropy's bound and
the button is *Use safe step*, half of it (see :mod:`gdstudio.ui.numbers.logistic_numbers`);
the tooltip adds the exact curvature at the start, a guide."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

from gdstudio.core.drawing.lr_scale import READABLE_DIGITS, GaugeScale, readable_rate

__all__ = ["REGION_COLORS", "GaugeBar", "LearningRateGauge"]

#: The colour of each region.
REGION_COLORS = {"slow": QColor("#f2c14e"), "safe": QColor("#5fb760"),
                 "unstable": QColor("#d9534f")}
BAR_HEIGHT = 22


class GaugeBar(QWidget):
    """The bar itself: the regions, a mark at the optimal step (white) and at the limit
    (black), and the current rate (a dark triangle and line)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.scale: GaugeScale | None = None
        self.learning_rate: float | None = None
        self.setMinimumWidth(120)
        self.setFixedHeight(BAR_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def x_of(self, lr: float) -> float:
        """The horizontal pixel of ``lr`` in the bar (its scale must be set)."""
        return self.scale.position(lr) * (self.width() - 1)

    def region_color(self, lr: float) -> QColor | None:
        """The colour the bar has at ``lr`` (None with no scale)."""
        return None if self.scale is None else REGION_COLORS[self.scale.region(lr)]

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        h = self.height()
        if self.scale is None:
            painter.fillRect(self.rect(), QColor("#dddddd"))
            painter.end()
            return
        s = self.scale
        x_slow, x_limit = self.x_of(s.slow_below), self.x_of(s.limit)
        for lo, hi, region in ((0.0, x_slow, "slow"), (x_slow, x_limit, "safe"),
                               (x_limit, self.width(), "unstable")):
            painter.fillRect(QRectF(lo, 4, hi - lo, h - 8), REGION_COLORS[region])
        painter.setPen(QPen(QColor("black"), 2))
        painter.drawLine(round(x_limit), 1, round(x_limit), h - 1)
        if s.optimal is not None:
            painter.setPen(QPen(QColor("white"), 2))
            x = round(self.x_of(s.optimal))
            painter.drawLine(x, 4, x, h - 5)
        if self.learning_rate is not None:
            x = self.x_of(self.learning_rate)
            painter.setPen(QPen(QColor("#222222"), 2))
            painter.drawLine(round(x), 0, round(x), h)
            painter.setBrush(QColor("#222222"))
            painter.drawPolygon(_triangle(x))
        painter.end()


def _triangle(x: float) -> list[QPointF]:
    return [QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 6)]


class LearningRateGauge(QWidget):
    """The bar and the "Use optimal step" button, one row high."""

    #: The user asked for the optimal step (the rate to set).
    optimalRequested = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = GaugeBar(self)
        self.use_optimal = QPushButton("Use optimal step")
        self.use_optimal.setEnabled(False)
        self.use_optimal.setAccessibleName("Use optimal step")
        self.use_optimal.setAccessibleDescription(
            "Set the learning rate to the optimal step for this data and method.")
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.use_optimal)
        self.use_optimal.clicked.connect(self._on_use_optimal_clicked)
        self._guide_only = False
        self._optimal = None
        #: The learning rate is locked (by a lesson): the button sets nothing.
        self.locked = False

    def set_locked(self, locked: bool) -> None:
        """Lock (a lesson locks the learning rate) or unlock the "Use optimal step" button."""
        self.locked = locked
        self.use_optimal.setEnabled(self._optimal is not None and not locked)

    def set_guide(self, guide, learning_rate: float | None) -> None:
        """Show ``guide`` (a :class:`~gdstudio.core.models.line.stepsize.StepGuide`, or None: no
        data)
        and the current rate (None while the field is invalid)."""
        scale = GaugeScale.of(guide)
        self.bar.scale = scale
        self.bar.learning_rate = learning_rate if scale is not None else None
        self._guide_only = bool(guide is not None and guide.guide_only)
        optimal = self._optimal = None if scale is None else scale.optimal
        self.use_optimal.setEnabled(optimal is not None and not self.locked)
        label = getattr(guide, "optimal_label", "Use optimal step")  # (logistic regression:
        if self.use_optimal.text() != label:  # "Use safe step", see logistic_numbers)
            self.use_optimal.setText(label)
            self.use_optimal.setAccessibleName(label)
        words = getattr(guide, "optimal_words", "")
        if optimal is None:
            tip = ("There is a safe step for plain batch descent only." if words else
                   "There is an optimal step for plain batch descent on the MSE only.")
        elif words:
            tip = (f"Set the learning rate to {readable_rate(optimal)!r}: {words} "
                   f"({optimal:.6g}), cut to {READABLE_DIGITS} digits")
        else:
            tip = (f"Set the learning rate to {readable_rate(optimal)!r}, the fastest step "
                   f"2/(\u03bbmin + \u03bbmax) = {optimal:.6g} of batch descent on this data, "
                   f"cut to {READABLE_DIGITS} digits")
        self.use_optimal.setToolTip(tip)
        tip = self._tooltip(scale, learning_rate)
        local = getattr(guide, "local_limit", None)
        if local is not None:
            tip += (f" A guide: at the start the curvature is {guide.curvature:.4g}, so steps "
                    f"up to about {local:.4g} are stable there.")
        self.bar.setToolTip(tip)
        self.bar.update()

    def region(self) -> str | None:
        """The region of the current rate, or None (no limit, or no valid rate)."""
        if self.bar.scale is None or self.bar.learning_rate is None:
            return None
        return self.bar.scale.region(self.bar.learning_rate)

    def _tooltip(self, scale, lr) -> str:
        if scale is None:
            return "No learning-rate limit to show for this method on this data."
        parts = [f"Stability limit {scale.limit:.4g} (black mark)"]
        if scale.optimal is not None:
            name = "safe" if self.use_optimal.text() == "Use safe step" else "optimal"
            parts.append(f"{name} step {scale.optimal:.4g} (white mark)")
        parts.append(f"slow below {scale.slow_below:.4g}")
        if lr is not None:
            parts.append(f"learning rate {lr:.4g}: {scale.region(lr)}")
        text = "; ".join(parts) + "."
        return text + (" A guide only for these settings." if self._guide_only else "")

    def _on_use_optimal_clicked(self) -> None:
        if not self.locked and self.bar.scale is not None and self.bar.scale.optimal is not None:
            self.optimalRequested.emit(readable_rate(self.bar.scale.optimal))
