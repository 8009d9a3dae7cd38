"""The method and hyperparameter panels: widgets that produce a :class:`TrainConfig`.

Every field is made from the description of the training settings
(:data:`gdstudio.core.settings.description.SETTINGS`), and which fields are shown is
:func:`gdstudio.core.settings.description.applicable` of the chosen path. A field that does not
apply is
hidden and never blocks Train, even when its text is invalid; the optimizer box, greyed for
the manual and analytic implementations, says that they take plain steps and gives the user's
choice back when nn.Linear + torch.optim is chosen again. Momentum is each optimizer's own:
the momentum typed for SGD stays with SGD, and RMSprop shows its own.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import BY_NAME, OPTIMIZER_LABELS, SETTINGS, applicable
from gdstudio.ui.panels.fields import (
    ERROR_STYLE,
    INVALID_STYLE,
    ComboBox,
    FieldRow,
    FloatEdit,
    HintLabel,
    SpinBox,
    make_input,
    spin,
)
from gdstudio.ui.panels.lr_gauge import LearningRateGauge

__all__ = ["INVALID_STYLE", "ComboBox", "FloatEdit", "SettingsPanel", "SpinBox", "spin"]

#: What the greyed optimizer box shows for an implementation without torch.optim.
PLAIN_STEPS = "plain steps (w -= lr·grad)"
_PLAIN = "plain"  # the greyed box's item (never a choice: the box is disabled with it)
_PATHS = {
    "analytic": "Path: gradients written out (no autograd), the same plain steps "
                "w -= lr * grad; stochastic descent matches autograd step for step and runs "
                "far faster.",
    "manual": "Path: autograd, as in the tutorials: tensors w, b with requires_grad, "
              "loss.backward(), w -= lr * w.grad.",
    "module": "Path: autograd with nn.Linear(1, 1), the loss module and "
              "torch.optim.{optimizer}.",
}
_PATH_TEXTS = (_PATHS["analytic"], _PATHS["manual"],
               *(_PATHS["module"].format(optimizer=o) for o in OPTIMIZER_LABELS.values()))
#: Messages of a refused start that name no panel label, by their first words, and the field
#: they are about (the dtype limits of :mod:`gdstudio.core.settings.limits`, the memory check).
PROBLEM_FIELDS = {"The learning rate": "learning_rate", "Adam's first step": "learning_rate",
                  "The Huber delta": "huber_delta", "The start w": "init_w",
                  "The start b": "init_b", "The weight decay": "weight_decay", "eps": "eps",
                  "Not enough memory": "epochs"}


class SettingsPanel(QWidget):
    """Method, implementation, optimizer, loss and hyperparameters."""

    #: Any setting changed.
    settingsChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        method_box = QGroupBox("Method")
        method_form = QFormLayout(method_box)
        hyper_box = QGroupBox("Hyperparameters")
        self.form = form = QFormLayout(hyper_box)
        #: Each setting's row (its input and error line), by name.
        self.rows: dict[str, FieldRow] = {}
        self.random_init = QCheckBox("Random start from the seed (like nn.Linear)")
        self.path_label = HintLabel(lines=3, texts=_PATH_TEXTS)
        self.path_label.setStyleSheet("color: #555;")
        self.stable_label = HintLabel(lines=3)
        self.stable_label.setStyleSheet("color: #555;")
        #: The learning-rate gauge, under the step-size guide.
        self.lr_gauge = LearningRateGauge()
        self.lr_gauge.optimalRequested.connect(self._on_lr_gauge_optimal_requested)
        for s in SETTINGS:
            widget = make_input(s)
            setattr(self, s.name, widget)
            row = self.rows[s.name] = FieldRow(widget)
            target = method_form if s.kind == "choice" else form
            if s.name == "init_w":
                form.addRow(self.random_init)
            if s.kind == "bool":
                target.addRow(row)
            else:
                target.addRow(s.label, row)
            if s.name == "learning_rate":
                form.addRow(self.stable_label)  # the whole width: fewer lines
                form.addRow(self.lr_gauge)
        method_form.addRow(self.path_label)
        #: Problems that name no field (rare: every known one has its field).
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        form.addRow(self.error_label)
        layout.addWidget(method_box)
        layout.addWidget(hyper_box)
        layout.addStretch(1)

        #: The optimizer the user chose (kept while the box is greyed), and each momentum
        #: optimizer's own momentum (the text of its field).
        self._optimizer_choice = BY_NAME["optimizer"].default
        self._momentum_of: dict[str, str] = {}
        self._edits = [w for w in self.fields().values() if isinstance(w, FloatEdit)]
        for name, widget in self.fields().items():
            if isinstance(widget, ComboBox):
                handler = self._on_optimizer_changed if name == "optimizer" else self._changed
                widget.currentIndexChanged.connect(handler)
            elif isinstance(widget, QLineEdit):
                widget.textChanged.connect(self._changed)
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(self._changed)
            else:
                widget.valueChanged.connect(self._changed)
        self.random_init.toggled.connect(self._changed)
        self._guides = None  # config -> StepGuide for the current data, or None
        self._path = None
        self._update_visibility()

    # ------------------------------------------------------------------ API
    def fields(self) -> dict[str, QWidget]:
        """The input of each setting, by name (in the description's order)."""
        return {name: row.widget for name, row in self.rows.items()}

    def in_use(self) -> frozenset[str]:
        """The settings the chosen path uses (shown); ``init_w``/``init_b`` only for a start
        typed in."""
        used = set(applicable(self._choices()))
        if self.random_init.isChecked():
            used -= {"init_w", "init_b"}
        return frozenset(used)

    def config(self) -> TrainConfig:
        """The settings as a TrainConfig; raises ValueError naming the first invalid field.

        Settings that do not apply keep their field's value when it is valid and the
        description keeps them (Adam's betas while SGD is chosen); the others take their
        default (momentum for Adam, weight decay for the manual implementation).
        """
        errors = self.errors()
        if errors:
            raise ValueError(errors[0])
        return self._config()

    def errors(self) -> list[str]:
        """``'Label: what is wrong'`` for each invalid field in use, top to bottom."""
        used = self.in_use()
        out = []
        for name, row in self.rows.items():
            err = row.error() if name in used else None
            if err:
                out.append(f"{BY_NAME[name].label}: {err}")
        return out

    def reveal_errors(self) -> str | None:
        """Show every invalid field's error next to it; focus the first and return its
        message (None if every field in use is valid)."""
        used = self.in_use()
        first = None
        for name, row in self.rows.items():
            if name in used and row.error():
                row.reveal()
                if first is None:
                    first = name
                    row.widget.setFocus()
        return None if first is None else self.errors()[0]

    def show_problem(self, message: str) -> str | None:
        """Show the message of a refused start next to the field it is about (the field's
        label starts it, or its first words are known); returns that field's name, or None
        when it names none (the message then goes under the settings)."""
        name = None
        for s in SETTINGS:
            if message.startswith(f"{s.label}:"):
                name = s.name
                break
        else:
            for words, field in PROBLEM_FIELDS.items():
                if message.startswith(words):
                    name = field
                    break
        if name is None:
            self.error_label.setText(message)
            return None
        self.error_label.setText("")
        row = self.rows[name]
        if row.error() and message.startswith(f"{BY_NAME[name].label}:"):
            self.reveal_errors()  # every invalid field in use says why; the first has focus
        else:
            row.show_problem(message)
            row.widget.setFocus()  # where the fix is typed
        return name

    def field_error_text(self, name: str) -> str:
        """The error line under the field of setting ``name`` as shown ('' when none)."""
        return self.rows[name].text()

    def set_config(self, c: TrainConfig) -> None:
        """Show the settings of ``c`` (used for restoring settings)."""
        widgets = [*self.fields().values(), self.random_init]
        blockers = [w.blockSignals(True) for w in widgets]
        try:
            for s in SETTINGS:
                widget, value = getattr(self, s.name), getattr(c, s.name)
                if s.kind == "choice":
                    widget.setCurrentIndex(max(0, widget.findData(value)))
                elif s.kind == "bool":
                    widget.setChecked(bool(value))
                elif s.kind == "int":
                    widget.setValue(min(value, widget.maximum()))
                elif value is not None or s.name not in ("init_w", "init_b"):
                    widget.setText("" if value is None else repr(value))
            self.random_init.setChecked(c.init_w is None)
            self._optimizer_choice = c.optimizer
            self._momentum_of = {}
        finally:
            for w, b in zip(widgets, blockers, strict=True):
                w.blockSignals(b)
        for edit in self._edits:
            edit._check()
        self._changed()

    def set_start(self, w: str, b: str) -> bool:
        """Start at ``w``, ``b`` (the text of the Initial w and b fields): the random start
        turns off; one :attr:`settingsChanged` for the three. False (nothing changes) while
        one of the three is locked (greyed by a lesson)."""
        widgets = (self.init_w, self.init_b, self.random_init)
        if not all(x.isEnabled() for x in widgets):
            return False
        blockers = [x.blockSignals(True) for x in widgets]
        try:
            self.init_w.setText(w)
            self.init_b.setText(b)
            self.random_init.setChecked(False)
        finally:
            for x, blocked in zip(widgets, blockers, strict=True):
                x.blockSignals(blocked)
        for edit in (self.init_w, self.init_b):
            edit._check()
        self._changed()
        return True

    def set_step_guide(self, guides) -> None:
        """Show the step-size guide under the learning rate: ``guides(config)`` gives the
        :class:`~gdstudio.core.models.line.stepsize.StepGuide` of the current data (None: no
        data)."""
        self._guides = guides
        self._update_stable_label()

    # ------------------------------------------------------------------ internals
    def _choices(self) -> TrainConfig:
        """The path the user chose: method, implementation, optimizer, loss, fit_bias."""
        return TrainConfig(method=self.method.currentData(), impl=self.impl.currentData(),
                           optimizer=self._optimizer_choice, loss=self.loss.currentData(),
                           fit_bias=self.fit_bias.isChecked(),
                           lr_schedule=self.lr_schedule.currentData())

    def _value(self, name: str):
        widget = getattr(self, name)
        if isinstance(widget, ComboBox):
            return self._optimizer_choice if name == "optimizer" else widget.currentData()
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        return widget.value()

    def _config(self) -> TrainConfig:
        """The TrainConfig of the fields, an invalid field taking its default (so that the
        step-size guide follows the other fields while one is invalid)."""
        used = self.in_use()
        values = {}
        for s in SETTINGS:
            row = self.rows[s.name]
            keep = s.name in used or s.kept_when_not_applicable
            values[s.name] = self._value(s.name) if keep and row.error() is None else s.default
        if self.random_init.isChecked():
            values["init_w"] = values["init_b"] = None
        values["nesterov"] = values["nesterov"] and values["momentum"] > 0
        return TrainConfig(**values)

    def _on_lr_gauge_optimal_requested(self, lr: float) -> None:
        self.learning_rate.setText(repr(lr))

    def _update_stable_label(self) -> None:
        guide = None if self._guides is None else self._guides(self._config())
        valid = self.learning_rate.error() is None
        self.lr_gauge.set_guide(guide, self.learning_rate.value() if valid else None)
        if guide is None:
            self.stable_label.setText("stable bound: n/a")
            self.stable_label.setToolTip("Add points to get a bound.")
            self.stable_label.setStyleSheet("color: #555;")
            return
        text = guide.text()
        over = (guide.limit is not None and self.learning_rate.error() is None
                and self.learning_rate.value() >= guide.limit)
        self.stable_label.setText(text)
        self.stable_label.setStyleSheet("color: #d62728; font-weight: bold;"
                                        if over and not guide.guide_only else "color: #555;")
        self.stable_label.setToolTip(
            "The largest stable learning rate for this method on this data. "
            + ("The learning rate is above it." if over else ""))

    def _on_optimizer_changed(self, index: int) -> None:
        chosen = self.optimizer.itemData(index) if index >= 0 else None
        if chosen in BY_NAME["optimizer"].keys and chosen != self._optimizer_choice:
            self._switch_momentum(self._optimizer_choice, chosen)
            self._optimizer_choice = chosen
        self._changed()

    def _switch_momentum(self, old: str, new: str) -> None:
        """Keep the old optimizer's momentum with it and show the new one's own."""
        momentum = BY_NAME["momentum"]
        if old in momentum.optimizers:
            self._momentum_of[old] = self.momentum.text()
        if new in momentum.optimizers:
            text = self._momentum_of.get(new, repr(momentum.default))
            if text != self.momentum.text():
                self.momentum.blockSignals(True)
                self.momentum.setText(text)
                self.momentum.blockSignals(False)
                self.momentum._check()
                self.rows["momentum"]._on_edited()

    def _update_visibility(self) -> None:
        used = self.in_use()
        path = (used, self.method.currentData(), self.impl.currentData(),
                self._optimizer_choice, self.loss.currentData())
        if path != self._path:  # the rows change anyway: the hint may take less room now
            self._path = path
            self.stable_label.reset()
        module = "optimizer" in used
        box = self.optimizer
        box.setEnabled(module)
        blocked = box.blockSignals(True)
        plain = box.findData(_PLAIN)
        if module and plain >= 0:
            box.removeItem(plain)
        elif not module and plain < 0:
            box.addItem(PLAIN_STEPS, _PLAIN)  # greyed: never the stale choice
        wanted = box.findData(self._optimizer_choice if module else _PLAIN)
        if box.currentIndex() != wanted:
            box.setCurrentIndex(wanted)
        box.blockSignals(blocked)
        impl = self.impl.currentData()
        self.path_label.setText(_PATHS[impl].format(
            optimizer=OPTIMIZER_LABELS[self._optimizer_choice]))
        for name, row in self.rows.items():
            if BY_NAME[name].kind != "choice":
                self.form.setRowVisible(row, name in used)
        momentum = self.momentum.value() if self.momentum.error() is None else 0.0
        self.nesterov.setEnabled(bool(momentum and momentum > 0))

    def _changed(self, *_) -> None:
        self._update_visibility()
        self._update_stable_label()
        self.settingsChanged.emit()
