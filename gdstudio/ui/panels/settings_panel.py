"""The method and hyperparameter panels: widgets that produce a :class:`TrainConfig`."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core import TrainConfig

INVALID_STYLE = "QLineEdit { border: 2px solid #d62728; background: #fdecea; }"


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

    def error(self) -> str | None:
        text = self.text().strip()
        if not text and self._allow_empty:
            return None
        try:
            value = float(text)
        except ValueError:
            return f"{text!r} is not a number; type e.g. 0.001 or 1e-3."
        if not math.isfinite(value):
            return "Enter a finite number."
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
        self.setStyleSheet(INVALID_STYLE if err else "")
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


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    box = SpinBox()
    box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    box.setRange(lo, hi)
    box.setValue(value)
    box.setKeyboardTracking(True)
    box.setGroupSeparatorShown(True)
    return box


class SettingsPanel(QWidget):
    """Method, implementation, optimizer, loss and hyperparameters."""

    #: Any setting changed.
    settingsChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        d = TrainConfig()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        method_box = QGroupBox("Method")
        form = QFormLayout(method_box)
        self.method = ComboBox()
        for key, label in (("batch", "Batch gradient descent"), ("sgd", "Stochastic (per point)"),
                           ("minibatch", "Mini-batch")):
            self.method.addItem(label, key)
        self.impl = ComboBox()
        self.impl.addItem("Manual autograd", "manual")
        self.impl.addItem("nn.Linear + torch.optim", "module")
        self.impl.addItem("Analytic gradients (fast)", "analytic")
        self.optimizer = ComboBox()
        for key, label in (("sgd", "SGD"), ("adam", "Adam"), ("rmsprop", "RMSprop"),
                           ("adagrad", "Adagrad")):
            self.optimizer.addItem(label, key)
        self.loss = ComboBox()
        for key, label in (("mse", "MSE (nn.MSELoss)"), ("mae", "MAE (nn.L1Loss)"),
                           ("huber", "Huber (nn.HuberLoss)")):
            self.loss.addItem(label, key)
        form.addRow("Descent", self.method)
        form.addRow("Implementation", self.impl)
        form.addRow("Optimizer", self.optimizer)
        form.addRow("Loss", self.loss)
        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        self.path_label.setStyleSheet("color: #555;")
        form.addRow(self.path_label)
        layout.addWidget(method_box)

        hyper_box = QGroupBox("Hyperparameters")
        form = QFormLayout(hyper_box)
        self.form = form
        self.learning_rate = FloatEdit(d.learning_rate, minimum=0, min_inclusive=False,
                                       what="a positive number")
        self.stable_label = QLabel()
        self.stable_label.setStyleSheet("color: #555;")
        self.stable_label.setWordWrap(True)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("", self.stable_label)
        self.epochs = _spin(1, 100_000_000, d.epochs)
        form.addRow("Epochs", self.epochs)
        self.batch_size = _spin(1, 100_000_000, d.batch_size)
        form.addRow("Batch size", self.batch_size)
        self.random_init = QCheckBox("Random start from the seed (like nn.Linear)")
        form.addRow(self.random_init)
        self.init_w = FloatEdit(d.init_w, what="a finite number")
        self.init_b = FloatEdit(d.init_b, what="a finite number")
        form.addRow("Initial w", self.init_w)
        form.addRow("Initial b", self.init_b)
        self.fit_bias = QCheckBox("Fit the bias b (off: y = w·x)")
        self.fit_bias.setChecked(True)
        form.addRow(self.fit_bias)
        self.seed = _spin(0, 2**31 - 1, d.seed)
        form.addRow("Seed", self.seed)
        self.shuffle = QCheckBox("Shuffle every epoch (seeded)")
        form.addRow(self.shuffle)
        self.momentum = FloatEdit(d.momentum, minimum=0, maximum=1, max_inclusive=False,
                                  what="in [0, 1)")
        form.addRow("Momentum", self.momentum)
        self.nesterov = QCheckBox("Nesterov")
        form.addRow(self.nesterov)
        self.beta1 = FloatEdit(d.beta1, minimum=0, maximum=1, max_inclusive=False,
                               what="in [0, 1)")
        self.beta2 = FloatEdit(d.beta2, minimum=0, maximum=1, max_inclusive=False,
                               what="in [0, 1)")
        self.alpha = FloatEdit(d.alpha, minimum=0, maximum=1, max_inclusive=False,
                               what="in [0, 1)")
        self.eps = FloatEdit(d.eps, minimum=0, min_inclusive=False, allow_empty=True,
                             what="a positive number, or empty for torch's default")
        self.eps.setPlaceholderText("torch default")
        self.weight_decay = FloatEdit(d.weight_decay, minimum=0, what="0 or more")
        self.huber_delta = FloatEdit(d.huber_delta, minimum=0, min_inclusive=False,
                                     what="a positive number")
        form.addRow("Beta 1", self.beta1)
        form.addRow("Beta 2", self.beta2)
        form.addRow("Alpha (smoothing)", self.alpha)
        form.addRow("Eps", self.eps)
        form.addRow("Weight decay", self.weight_decay)
        form.addRow("Huber delta", self.huber_delta)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d62728;")
        form.addRow(self.error_label)
        layout.addWidget(hyper_box)
        layout.addStretch(1)

        self._edits = [self.learning_rate, self.init_w, self.init_b, self.momentum, self.beta1,
                       self.beta2, self.alpha, self.eps, self.weight_decay, self.huber_delta]
        for combo in (self.method, self.impl, self.optimizer, self.loss):
            combo.currentIndexChanged.connect(self._changed)
        for edit in self._edits:
            edit.textChanged.connect(self._changed)
        for spin in (self.epochs, self.batch_size, self.seed):
            spin.valueChanged.connect(self._changed)
        for box in (self.random_init, self.fit_bias, self.shuffle, self.nesterov):
            box.toggled.connect(self._changed)
        self._guides = None  # config -> StepGuide for the current data, or None
        self._update_visibility()

    # ------------------------------------------------------------------ API
    def config(self) -> TrainConfig:
        """The settings as a TrainConfig; raises ValueError naming the first invalid field."""
        errors = self.errors()
        if errors:
            raise ValueError(errors[0])
        module = self.impl.currentData() == "module"
        optimizer = self.optimizer.currentData() if module else "sgd"
        momentum_used = module and optimizer in ("sgd", "rmsprop")
        random = self.random_init.isChecked()
        return TrainConfig(
            method=self.method.currentData(), impl=self.impl.currentData(),
            optimizer=optimizer, loss=self.loss.currentData(),
            learning_rate=self.learning_rate.value(), epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            init_w=None if random else self.init_w.value(),
            init_b=None if random else self.init_b.value(),
            seed=self.seed.value(), shuffle=self.shuffle.isChecked(),
            fit_bias=self.fit_bias.isChecked(),
            momentum=self.momentum.value() if momentum_used else 0.0,
            nesterov=(self.nesterov.isChecked() and momentum_used and optimizer == "sgd"
                      and self.momentum.value() > 0),
            weight_decay=self.weight_decay.value() if module else 0.0,
            beta1=self.beta1.value(), beta2=self.beta2.value(), alpha=self.alpha.value(),
            eps=self.eps.value(), huber_delta=self.huber_delta.value(),
        )

    def errors(self) -> list[str]:
        labels = {self.learning_rate: "Learning rate", self.init_w: "Initial w",
                  self.init_b: "Initial b", self.momentum: "Momentum", self.beta1: "Beta 1",
                  self.beta2: "Beta 2", self.alpha: "Alpha", self.eps: "Eps",
                  self.weight_decay: "Weight decay", self.huber_delta: "Huber delta"}
        out = []
        for edit in self._edits:
            if not edit.isEnabled() or edit.isHidden():
                continue
            err = edit.error()
            if err:
                out.append(f"{labels[edit]}: {err}")
        return out

    def set_config(self, c: TrainConfig) -> None:
        """Show the settings of ``c`` (used for restoring settings)."""
        blockers = [w.blockSignals(True) for w in self._all_widgets()]
        try:
            self.method.setCurrentIndex(max(0, self.method.findData(c.method)))
            self.impl.setCurrentIndex(max(0, self.impl.findData(c.impl)))
            self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(c.optimizer)))
            self.loss.setCurrentIndex(max(0, self.loss.findData(c.loss)))
            self.learning_rate.setText(repr(c.learning_rate))
            self.epochs.setValue(c.epochs)
            self.batch_size.setValue(c.batch_size)
            self.random_init.setChecked(c.init_w is None)
            if c.init_w is not None:
                self.init_w.setText(repr(c.init_w))
            if c.init_b is not None:
                self.init_b.setText(repr(c.init_b))
            self.fit_bias.setChecked(c.fit_bias)
            self.seed.setValue(min(c.seed, 2**31 - 1))
            self.shuffle.setChecked(c.shuffle)
            self.nesterov.setChecked(c.nesterov)
            for name in ("momentum", "beta1", "beta2", "alpha", "eps", "weight_decay",
                         "huber_delta"):
                value = getattr(c, name)
                getattr(self, name).setText("" if value is None else repr(value))
        finally:
            for w, b in zip(self._all_widgets(), blockers, strict=True):
                w.blockSignals(b)
        for edit in self._edits:
            edit._check()
        self._changed()

    def set_step_guide(self, guides) -> None:
        """Show the step-size guide under the learning rate: ``guides(config)`` gives the
        :class:`~gdstudio.core.stepsize.StepGuide` of the current data (None: no data)."""
        self._guides = guides
        self._update_stable_label()

    # ------------------------------------------------------------------ internals
    def _all_widgets(self):
        return [self.method, self.impl, self.optimizer, self.loss, self.epochs, self.batch_size,
                self.random_init, self.fit_bias, self.seed, self.shuffle, self.nesterov,
                *self._edits]

    def _update_stable_label(self) -> None:
        if self._guides is None:
            self.stable_label.setText("stable bound: n/a")
            self.stable_label.setToolTip("Add points to get a bound.")
            self.stable_label.setStyleSheet("color: #555;")
            return
        guide = self._guides(self._guide_config())
        text = guide.text()
        over = (guide.limit is not None and self.learning_rate.error() is None
                and self.learning_rate.value() >= guide.limit)
        self.stable_label.setText(text)
        self.stable_label.setStyleSheet("color: #d62728; font-weight: bold;"
                                        if over and not guide.guide_only else "color: #555;")
        self.stable_label.setToolTip(
            "The largest stable learning rate for this method on this data. "
            + ("The learning rate is above it." if over else ""))

    def _guide_config(self) -> TrainConfig:
        """The settings the guide depends on, even while another field is invalid."""
        try:
            return self.config()
        except ValueError:
            pass

        def value(edit, default):
            return edit.value() if edit.error() is None else default

        module = self.impl.currentData() == "module"
        optimizer = self.optimizer.currentData() if module else "sgd"
        momentum = value(self.momentum, 0.0) if module and optimizer in ("sgd", "rmsprop") else 0
        return TrainConfig(
            method=self.method.currentData(), impl=self.impl.currentData(),
            optimizer=optimizer, loss=self.loss.currentData(),
            batch_size=self.batch_size.value(), shuffle=self.shuffle.isChecked(),
            fit_bias=self.fit_bias.isChecked(), momentum=momentum,
            nesterov=self.nesterov.isChecked() and optimizer == "sgd" and momentum > 0,
            weight_decay=value(self.weight_decay, 0.0) if module else 0.0,
            huber_delta=value(self.huber_delta, 1.0))

    def _update_visibility(self) -> None:
        module = self.impl.currentData() == "module"
        optimizer = self.optimizer.currentData()
        method = self.method.currentData()
        self.optimizer.setEnabled(module)
        if self.impl.currentData() == "analytic":
            self.path_label.setText("Path: gradients written out (no autograd), the same plain "
                                    "steps w -= lr * grad; stochastic descent matches autograd "
                                    "step for step and runs far faster.")
        elif not module:
            self.path_label.setText("Path: autograd, as in the tutorials: tensors w, b with "
                                    "requires_grad, loss.backward(), w -= lr * w.grad.")
        else:
            self.path_label.setText("Path: autograd with nn.Linear(1, 1), the loss module "
                                    f"and torch.optim.{self.optimizer.currentText()}.")
        show = {
            self.batch_size: method == "minibatch",
            self.shuffle: method != "batch",
            self.momentum: module and optimizer in ("sgd", "rmsprop"),
            self.nesterov: module and optimizer == "sgd",
            self.beta1: module and optimizer == "adam",
            self.beta2: module and optimizer == "adam",
            self.alpha: module and optimizer == "rmsprop",
            self.eps: module and optimizer in ("adam", "rmsprop", "adagrad"),
            self.weight_decay: module,
            self.huber_delta: self.loss.currentData() == "huber",
            self.init_w: not self.random_init.isChecked(),
            self.init_b: not self.random_init.isChecked() and self.fit_bias.isChecked(),
        }
        for widget, visible in show.items():
            self.form.setRowVisible(widget, visible)

    def _changed(self, *_) -> None:
        self._update_visibility()
        self._update_stable_label()
        errors = self.errors()
        self.error_label.setText("\n".join(errors))
        self.settingsChanged.emit()
