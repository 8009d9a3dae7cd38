"""The settings panel's field widgets: a number field, spin and combo boxes that ignore a
stray wheel, a field row with its own error line, and a hint label that is never clipped."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gdstudio.core.settings.description import Setting
from gdstudio.ui.studio.settings_model import SPIN_MAX

INVALID_STYLE = "QLineEdit { border: 2px solid #d62728; background: #fdecea; }"
ERROR_STYLE = "color: #d62728;"


class FloatEdit(QLineEdit):
    """A number field that accepts ``0.001`` or ``1e-3`` and flags anything else at once."""

    def __init__(self, value: float | None, *, minimum=-math.inf, maximum=math.inf,
                 min_inclusive=True, max_inclusive=True, what="a number", allow_empty=False,
                 parent=None):
        super().__init__(parent)
        self._allow_empty = allow_empty
        self._min, self._max = minimum, maximum
        self._min_inc, self._max_inc = min_inclusive, max_inclusive
        self._what = what
        self.setText(repr(float(value)) if value is not None else "")
        self.textChanged.connect(self._check)
        self._check()

    @classmethod
    def for_setting(cls, setting: Setting) -> FloatEdit:
        """The field of a number setting, with its range and default from the description."""
        what = setting.range_text()
        what = {"positive": "a positive number"}.get(what, what)
        if setting.optional and setting.default is None:
            what += ", or empty for torch's default"
        inf = math.inf
        edit = cls(setting.default,
                   minimum=-inf if setting.low is None else setting.low,
                   maximum=inf if setting.high is None else setting.high,
                   min_inclusive=not setting.low_open, max_inclusive=not setting.high_open,
                   what=what, allow_empty=setting.optional and setting.default is None)
        if setting.optional and setting.default is None:
            edit.setPlaceholderText("torch default")
        return edit

    def error(self) -> str | None:
        text = self.text().strip()
        if not text and self._allow_empty:
            return None
        if not text:
            return "Enter a number, e.g. 0.001 or 1e-3."
        try:
            value = float(text)
        except ValueError:
            return f"{text!r} is not a number; type e.g. 0.001 or 1e-3."
        if math.isinf(value) and text.lower().lstrip("+-") not in ("inf", "infinity"):
            return f"{text} is too large: numbers go up to about 1.8e308."
        if not math.isfinite(value):
            return "Enter a finite number."
        if value == 0 and any(c in "123456789" for c in text.lower().split("e")[0]):
            return f"{text} is too small: it rounds to 0 (numbers go down to about 5e-324)."
        low_bad = value < self._min or (value == self._min and not self._min_inc)
        high_bad = value > self._max or (value == self._max and not self._max_inc)
        if low_bad or high_bad:
            return f"Must be {self._what}."
        return None

    def value(self) -> float | None:
        text = self.text().strip()
        return None if not text and self._allow_empty else float(text)

    def set_value(self, value: float) -> None:
        self.setText(f"{float(value):g}" if abs(value) >= 1e-4 or value == 0 else repr(value))

    def _check(self) -> None:
        err = self.error()
        restyle(self, INVALID_STYLE if err else "")
        self.setToolTip(err or "")


class _NoWheelMixin:
    """Scrolling the panel must not change values: the wheel only acts on a focused field."""

    def wheelEvent(self, event):
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class SpinBox(_NoWheelMixin, QSpinBox):
    pass


class ComboBox(_NoWheelMixin, QComboBox):
    def __init__(self):
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)


def spin(lo: int, hi: int, value: int) -> QSpinBox:
    box = SpinBox()
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    box.setRange(lo, hi)
    box.setValue(value)
    box.setKeyboardTracking(True)
    box.setGroupSeparatorShown(True)
    return box


def make_input(setting: Setting, high: int | None = None) -> QWidget:
    """The input widget of a setting, from its description (``high``: the largest whole
    number it takes, :data:`SPIN_MAX` by default), named for screen readers and test
    automation by its label and described by :meth:`Setting.describe`."""
    widget = _input(setting, high)
    widget.setAccessibleName(setting.label)
    widget.setAccessibleDescription(setting.describe())
    return widget


def _input(setting: Setting, high: int | None) -> QWidget:
    if setting.kind == "choice":
        combo = ComboBox()
        for choice in setting.choices:
            combo.addItem(choice.label, choice.key)
        combo.setCurrentIndex(combo.findData(setting.default))
        return combo
    if setting.kind == "bool":
        box = QCheckBox(setting.label)
        box.setChecked(bool(setting.default))
        return box
    if setting.kind == "int":
        return spin(int(setting.low), SPIN_MAX if high is None else high, setting.default)
    return FloatEdit.for_setting(setting)


class HintLabel(QLabel):
    """A wrapped hint that never clips and does not move what is under it as its text changes.

    It keeps at least the height of ``lines`` lines, and room for its text with
    ``slack`` more characters (numbers in the hint that grow by a few digits while the data is
    edited): its height only grows until :meth:`reset` (called when the fields change anyway)
    or a change of width. ``texts``: every text it may show, if known; it then keeps the
    height of the tallest from the start.
    """

    def __init__(self, lines: int = 3, texts: tuple[str, ...] = (), slack: int = 12,
                 parent=None):
        super().__init__(parent)
        self._lines = lines
        self._texts = texts
        self._slack = "0" * slack
        self._floor = 0
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self._fit()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._fit()

    def reset(self) -> None:
        """Fit the height to the current text again (it may shrink)."""
        self._floor = 0
        self._fit()

    def _text_height(self, text: str, width: int) -> int:
        m = self.contentsMargins()
        inner = max(1, width - m.left() - m.right() - 2 * max(0, self.margin()))
        rect = self.fontMetrics().boundingRect(0, 0, inner, 1_000_000,
                                               int(Qt.TextFlag.TextWordWrap), text)
        return rect.height() + m.top() + m.bottom() + 2 * max(0, self.margin())

    def _fit(self) -> None:
        m = self.contentsMargins()
        height = self._lines * self.fontMetrics().lineSpacing() + m.top() + m.bottom()
        width = self.width()
        if width > 0:
            if self._floor == 0:  # (its own measure is never below its minimum: fitted
                self.setMinimumHeight(0)  # afresh, the one it had goes first)
            for text in (*self._texts, f"{self.text()} {self._slack}"):
                height = max(height, self._text_height(text, width))
            height = max(height, self.heightForWidth(width))
        self._floor = max(self._floor, height)
        if self._floor != self.minimumHeight():
            self.setMinimumHeight(self._floor)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._floor = 0
            self._fit()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # (presentation mode's larger text)
            self._floor = 0
            self._fit()


def follow_font(widget: QWidget) -> None:
    """Give ``widget``'s font to its labels that have a style sheet (their colour) and to
    its number fields (see :func:`restyle`): a widget with a style sheet keeps the font it
    was polished with, and would stay small when the window's text grows (presentation
    mode)."""
    for label in widget.findChildren(QLabel):
        if label.styleSheet():
            label.setFont(widget.font())
    for edit in widget.findChildren(FloatEdit):
        edit.setFont(widget.font())


def restyle(widget: QWidget, style: str) -> None:
    """Give ``widget`` the style sheet ``style`` (a field flagged or not) and keep its
    text as large as its parent's: taking a style sheet off gives a widget back the font
    it had when it was first polished, the small one in presentation mode."""
    if widget.styleSheet() == style:
        return
    widget.setStyleSheet(style)
    parent = widget.parentWidget()
    if parent is not None:
        widget.setFont(parent.font())


class FieldRow(QWidget):
    """An input and, under it, a line that says what is wrong with it.

    A number field's own error is shown once the user has left the field (or Train was
    pressed, :meth:`reveal`) and goes as soon as the field is valid; a problem found when a
    run is refused (:meth:`show_problem`) stays until the field is edited.
    """

    def __init__(self, widget: QWidget, parent=None):
        super().__init__(parent)
        self.widget = widget
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(widget)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setVisible(False)
        layout.addWidget(self.error_label)
        self._revealed = False
        self._problem: str | None = None
        if isinstance(widget, FloatEdit):
            widget.textChanged.connect(self._on_edited)
            widget.editingFinished.connect(self.reveal)
        elif isinstance(widget, QSpinBox):
            widget.valueChanged.connect(self._on_edited)

    def error(self) -> str | None:
        """The field's own error (a number field's), or None."""
        return self.widget.error() if isinstance(self.widget, FloatEdit) else None

    def text(self) -> str:
        """The error line as the user sees it ('' when hidden)."""
        return self.error_label.text() if self.error_label.isVisibleTo(self) else ""

    def reveal(self) -> None:
        """Show the field's error, if it has one, until it is valid."""
        self._revealed = True
        self._refresh()

    def show_problem(self, message: str) -> None:
        """Show ``message`` under the field and flag it, until the field is edited."""
        self._problem = message
        if isinstance(self.widget, QLineEdit):
            restyle(self.widget, INVALID_STYLE)
            self.widget.setToolTip(message)
        self._refresh()

    def _on_edited(self, *_) -> None:
        self._problem = None
        if self.error() is None:
            self._revealed = False
        self._refresh()

    def _refresh(self) -> None:
        message = self._problem
        if message is None and self._revealed:
            message = self.error()
        self.error_label.setText(message or "")
        visible = bool(message)
        if visible != self.error_label.isVisibleTo(self):
            self.error_label.setVisible(visible)
