"""The method and hyperparameter panels: a view of the training settings' model.

The settings are a :class:`~gdstudio.ui.studio.settings_model.SettingsModel` (the
controller's): the panel shows its entries and sends it what the user types and chooses; what
a run uses (:meth:`SettingsPanel.config`) is the model's. Every field is made from the
description of the training settings (:data:`gdstudio.core.settings.description.SETTINGS`),
and which fields are shown is the model's :meth:`~SettingsModel.in_use` (the applicable
settings of the chosen path). A field that does not apply is hidden and never blocks Train,
even when its text is invalid; the optimizer box, greyed for the manual and analytic
implementations, says that they take plain steps and gives the user's choice back when
nn.Linear + torch.optim is chosen again. Momentum is each optimizer's own: the momentum typed
for SGD stays with SGD, and RMSprop shows its own. Every change goes through the model, which
may refuse it (a setting a lesson locks): the panel then shows the model's entry again.
The model box (``model_choice``) switches the model through the settings model, which hands
the switch to the controller (the data may change with it); the loss box offers only the
chosen model's losses (:data:`~gdstudio.core.settings.description.MODEL_LOSSES`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import (
    BY_NAME,
    MODEL_LOSSES,
    OPTIMIZER_LABELS,
    SETTINGS,
)
from gdstudio.ui.panels.fields import (
    ERROR_STYLE,
    INVALID_STYLE,
    ComboBox,
    FieldRow,
    FloatEdit,
    HintLabel,
    SpinBox,
    follow_font,
    make_input,
    spin,
)
from gdstudio.ui.panels.lr_gauge import LearningRateGauge
from gdstudio.ui.studio.settings_model import Invalid, SettingsModel

__all__ = ["INVALID_STYLE", "ComboBox", "FloatEdit", "SettingsPanel", "SpinBox", "TrainStrip",
           "spin"]

#: What the greyed optimizer box shows for an implementation without torch.optim.
PLAIN_STEPS = "plain steps (w -= lr·grad)"
#: The panel's margins (left, top, right, bottom; pixels): "Basics" not pressed against
#: the dock's title above it.
PANEL_MARGINS = (0, 8, 0, 0)
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
    """Method, implementation, optimizer, loss and hyperparameters: a view of ``model`` (a
    model of its own when none is given).

    The settings a first run needs (those the description marks ``basic``: the method, the
    implementation, the learning rate and the epochs) are in the first section; the others
    are under *More settings*, one click away (:meth:`set_more_shown`; open when the panel is
    made, the window opens it as it was left). :meth:`show_only` shows only some settings
    (the ones a lesson leaves open, in presentation mode).
    """

    #: The settings changed (the panel shows them already).
    settingsChanged = Signal()
    #: More settings was opened (True) or closed (False).
    moreToggled = Signal(bool)

    def __init__(self, model: SettingsModel | None = None, parent=None):
        super().__init__(parent)
        self.model = model if model is not None else SettingsModel(self)
        layout = QVBoxLayout(self)
        # room under the dock's title ("Training") before "Basics"
        layout.setContentsMargins(*PANEL_MARGINS)
        self.basic_box = QGroupBox("Basics")
        basic_form = QFormLayout(self.basic_box)
        self.more_button = QToolButton()
        self.more_button.setCheckable(True)
        self.more_button.setAutoRaise(True)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.setAccessibleName("More settings")
        self.more_button.setAccessibleDescription(
            "Shows or hides the other training settings: optimizer, loss, schedule, batch "
            "size, start, seed, momentum and the rest.")
        self.method_box = QGroupBox("Method")
        method_form = QFormLayout(self.method_box)
        self.hyper_box = QGroupBox("Hyperparameters")
        self.form = form = QFormLayout(self.hyper_box)
        #: Each setting's row (its input and error line), by name.
        self.rows: dict[str, FieldRow] = {}
        self._forms: dict[str, QFormLayout] = {}
        self.random_init = QCheckBox("Random start from the seed (like nn.Linear)")
        self.random_init.setAccessibleName("Random start from the seed")
        self.random_init.setAccessibleDescription(
            "Draw the start w, b from the seed, as nn.Linear does, instead of the Initial w "
            "and b typed in.")
        self.path_label = HintLabel(lines=3, texts=_PATH_TEXTS)
        self.path_label.setStyleSheet("color: #555;")
        self.stable_label = HintLabel(lines=3)
        self.stable_label.setStyleSheet("color: #555;")
        #: The learning-rate gauge, under the step-size guide.
        self.lr_gauge = LearningRateGauge()
        self.lr_gauge.optimalRequested.connect(self._on_lr_gauge_optimal_requested)
        for s in SETTINGS:
            widget = make_input(s, self.model.maxima.get(s.name))
            # (the model choice is ``model_choice``: ``self.model`` is the settings model)
            setattr(self, "model_choice" if s.name == "model" else s.name, widget)
            row = self.rows[s.name] = FieldRow(widget)
            target = basic_form if s.basic else method_form if s.kind == "choice" else form
            self._forms[s.name] = target
            if s.name == "init_w":
                form.addRow(self.random_init)
            if s.kind == "bool":
                target.addRow(row)
            else:
                target.addRow(s.label, row)
            if s.name == "learning_rate":
                target.addRow(self.stable_label)  # the whole width: fewer lines
                target.addRow(self.lr_gauge)
        method_form.addRow(self.path_label)
        #: Problems that name no field (rare: every known one has its field).
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(ERROR_STYLE)
        basic_form.addRow(self.error_label)
        layout.addWidget(self.basic_box)
        layout.addWidget(self.more_button)
        layout.addWidget(self.method_box)  # (More settings: straight in the panel's layout,
        layout.addWidget(self.hyper_box)  # which then settles in one pass as before)
        layout.addStretch(1)
        #: Only these settings are shown (None: all), see :meth:`show_only`.
        self._only: frozenset[str] | None = None

        self._edits = [w for w in self.fields().values() if isinstance(w, FloatEdit)]
        self._guides = None  # config -> StepGuide for the current data, or None
        self._path = None
        self._show_limits()
        self._show_model()
        for name, widget in self.fields().items():
            if isinstance(widget, ComboBox):
                widget.currentIndexChanged.connect(lambda i, n=name: self._on_chosen(n, i))
            elif isinstance(widget, QLineEdit):
                widget.textChanged.connect(lambda *_, n=name: self._on_typed(n))
            elif isinstance(widget, QCheckBox):
                widget.toggled.connect(lambda on, n=name: self._send(n, bool(on)))
            else:
                widget.valueChanged.connect(lambda v, n=name: self._send(n, int(v)))
        self.random_init.toggled.connect(self._on_random_init_toggled)
        self.more_button.toggled.connect(self._on_more_button_toggled)
        self.model.settingsChanged.connect(self._on_model_settingsChanged)
        self.model.limitsChanged.connect(self._show_limits)
        self.more_button.setChecked(True)
        self._update_visibility()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            follow_font(self)  # the hints grow with the text (presentation mode)

    # ------------------------------------------------------------------ API
    def fields(self) -> dict[str, QWidget]:
        """The input of each setting, by name (in the description's order)."""
        return {name: row.widget for name, row in self.rows.items()}

    def in_use(self) -> frozenset[str]:
        """The settings the chosen path uses (shown); ``init_w``/``init_b`` only for a start
        typed in (the model's)."""
        return self.model.in_use()

    def more_shown(self) -> bool:
        """Whether More settings is open."""
        return self.more_button.isChecked()

    def set_more_shown(self, on: bool) -> None:
        """Open (True) or close More settings, as its button does."""
        self.more_button.setChecked(on)

    def more_names(self) -> tuple[str, ...]:
        """The settings under More settings (every one not marked ``basic``)."""
        return tuple(s.name for s in SETTINGS if not s.basic)

    def changed_in_more(self) -> list[str]:
        """The settings under More settings that the chosen path uses and that differ from
        their default (what the closed section's button counts)."""
        m, used = self.model, self.in_use()
        return [s.name for s in SETTINGS if not s.basic and s.name in used
                and (s.kind == "choice" or s.name not in ("init_w", "init_b"))
                and m.entry(s.name) != s.default]

    def show_only(self, names) -> None:
        """Show only the settings ``names`` (None: every setting, as the chosen path and
        More settings say): the ones a lesson leaves open, in presentation mode. The rest
        of the panel (More settings' button, the sections and hints of no shown setting)
        is hidden with them."""
        only = None if names is None else frozenset(names)
        if only == self._only:
            return
        self._only = only
        for name, row in self.rows.items():
            if BY_NAME[name].kind == "choice":
                self._forms[name].setRowVisible(row, self._shows(name))
        self.form.setRowVisible(self.random_init, self._shows("random_init"))
        self._update_visibility()

    def showing_any(self) -> bool:
        """Whether the panel shows any setting (with :meth:`show_only`, one of those it
        names may apply to no run of the chosen path)."""
        return any(not box.isHidden() for box in (self.basic_box, self.method_box,
                                                  self.hyper_box))

    def _shows(self, name: str) -> bool:
        return self._only is None or name in self._only

    def _reveal(self, name: str) -> None:
        """Open More settings if the field of ``name`` is there (it is about to be shown)."""
        if not BY_NAME[name].basic and self._only is None:
            self.set_more_shown(True)

    def config(self) -> TrainConfig:
        """The settings as a TrainConfig; raises ValueError naming the first invalid field
        (the model's :meth:`~SettingsModel.config`)."""
        return self.model.config()

    def errors(self) -> list[str]:
        """``'Label: what is wrong'`` for each invalid field in use, top to bottom."""
        return self.model.errors()

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
                    self._reveal(name)
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
            self._reveal(name)
            row.widget.setFocus()  # where the fix is typed
        return name

    def field_error_text(self, name: str) -> str:
        """The error line under the field of setting ``name`` as shown ('' when none)."""
        return self.rows[name].text()

    def set_config(self, c: TrainConfig) -> None:
        """Show the settings of ``c`` (restoring settings): the model takes them."""
        self.model.set_config(c)

    def set_start(self, w: str, b: str) -> bool:
        """Start at ``w``, ``b`` (the text of the Initial w and b fields, kept as typed): the
        random start turns off; one :attr:`settingsChanged` for the three. False (nothing
        changes) when the model refuses it (a lesson locks one of the three it changes)."""
        edits = ((self.init_w, w), (self.init_b, b))
        before = [edit.text() for edit, _ in edits]
        for edit, text in edits:
            with QSignalBlocker(edit):
                edit.setText(text)
        if not self.model.update({"init_w": self._entry(self.init_w),
                                  "init_b": self._entry(self.init_b)}, random_init=False):
            for (edit, _), text in zip(edits, before, strict=True):
                with QSignalBlocker(edit):
                    edit.setText(text)
                edit._check()
            return False
        for name in ("init_w", "init_b"):
            self.fields()[name]._check()
            self.rows[name]._on_edited()
        return True

    def set_step_guide(self, guides) -> None:
        """Show the step-size guide under the learning rate: ``guides(config)`` gives the
        :class:`~gdstudio.core.models.line.stepsize.StepGuide` of the current data (None: no
        data)."""
        self._guides = guides
        self._update_stable_label()

    # ------------------------------------------------------------------ the user's input
    def _send(self, name: str, entry) -> None:
        """The user's input for setting ``name`` goes to the model (a value the model
        refuses goes as an invalid input, with the model's words)."""
        try:
            taken = self.model.update({name: entry})
        except ValueError as exc:
            widget = self.fields()[name]
            text = widget.text() if isinstance(widget, QLineEdit) else str(entry)
            taken = self.model.set_invalid(name, text, str(exc))
        if not taken:
            self._show_model()  # refused (locked): the field shows the model's entry again

    def _on_random_init_toggled(self, on: bool) -> None:
        if not self.model.set_random_init(on):
            self._show_model()

    @staticmethod
    def _entry(edit: FloatEdit):
        """A number field's input as the model takes it: its value, or its text and error."""
        error = edit.error()
        return Invalid(edit.text(), error) if error else edit.value()

    def _on_typed(self, name: str) -> None:
        self._send(name, self._entry(self.fields()[name]))

    def _on_chosen(self, name: str, index: int) -> None:
        key = self.fields()[name].itemData(index) if index >= 0 else None
        if key in BY_NAME[name].keys:  # (never the greyed optimizer box's "plain steps")
            self._send(name, key)

    def _on_lr_gauge_optimal_requested(self, lr: float) -> None:
        self._send("learning_rate", lr)  # (the model refuses it while the rate is locked)

    def _on_more_button_toggled(self, on: bool) -> None:
        self._update_visibility()
        self.moreToggled.emit(on)

    # ------------------------------------------------------------------ showing the model
    def _on_model_settingsChanged(self) -> None:
        self._show_model()
        self._update_visibility()
        self._update_stable_label()
        self.settingsChanged.emit()

    def _show_limits(self) -> None:
        for name, high in self.model.maxima.items():
            box = self.fields()[name]
            if box.maximum() != high:
                box.setMaximum(high)

    def _show_model(self) -> None:
        """Show every entry of the model that a field does not show yet (a field that shows
        its entry already keeps its text as typed)."""
        m = self.model
        self._show_losses()
        for s in SETTINGS:
            widget, entry = self.fields()[s.name], m.entry(s.name)
            if s.name == "optimizer":
                continue  # the box shows the choice, or plain steps (_update_visibility)
            if s.kind == "choice":
                index = max(0, widget.findData(entry))
                if widget.currentIndex() != index:
                    with QSignalBlocker(widget):
                        widget.setCurrentIndex(index)
            elif s.kind == "bool":
                if widget.isChecked() != entry:
                    with QSignalBlocker(widget):
                        widget.setChecked(entry)
            elif s.kind == "int":
                shown = min(entry, widget.maximum())
                if widget.value() != shown:
                    with QSignalBlocker(widget):
                        widget.setValue(shown)
                    self.rows[s.name]._on_edited()
            elif self._entry(widget) != entry:
                text = entry.text if isinstance(entry, Invalid) else (
                    "" if entry is None else repr(entry))
                if text != widget.text():
                    with QSignalBlocker(widget):
                        widget.setText(text)
                    widget._check()
                    self.rows[s.name]._on_edited()
        if self.random_init.isChecked() != m.random_init:
            with QSignalBlocker(self.random_init):
                self.random_init.setChecked(m.random_init)

    def _show_losses(self) -> None:
        """The loss box offers the chosen model's losses, in the description's order."""
        keys = MODEL_LOSSES[self.model.value("model")]
        box = self.loss
        if [box.itemData(i) for i in range(box.count())] == [
                c.key for c in BY_NAME["loss"].choices if c.key in keys]:
            return
        with QSignalBlocker(box):
            box.clear()
            for choice in BY_NAME["loss"].choices:
                if choice.key in keys:
                    box.addItem(choice.label, choice.key)

    def _update_stable_label(self) -> None:
        m = self.model
        guide = None if self._guides is None else self._guides(m.draft())
        lr = m.value("learning_rate") if m.problem("learning_rate") is None else None
        self.lr_gauge.set_guide(guide, lr)
        if guide is None:
            self.stable_label.setText("stable bound: n/a")
            self.stable_label.setToolTip("Add points to get a bound.")
            _set_style(self.stable_label, "color: #555;")
            return
        text = guide.text()
        over = guide.limit is not None and lr is not None and lr >= guide.limit
        self.stable_label.setText(text)
        _set_style(self.stable_label, "color: #d62728; font-weight: bold;"
                   if over and not guide.guide_only else "color: #555;")
        self.stable_label.setToolTip(
            "The largest stable learning rate for this method on this data. "
            + ("The learning rate is above it." if over else ""))

    def _update_visibility(self) -> None:
        used = self.in_use()
        m = self.model
        optimizer = m.value("optimizer")
        path = (used, m.value("method"), m.value("impl"), optimizer, m.value("loss"))
        if path != self._path:  # the rows change anyway: the hint may take less room now
            self._path = path
            self.stable_label.reset()
        module = "optimizer" in used
        box = self.optimizer
        box.setEnabled(module)
        with QSignalBlocker(box):
            plain = box.findData(_PLAIN)
            if module and plain >= 0:
                box.removeItem(plain)
            elif not module and plain < 0:
                box.addItem(PLAIN_STEPS, _PLAIN)  # greyed: never the stale choice
            wanted = box.findData(optimizer if module else _PLAIN)
            if box.currentIndex() != wanted:
                box.setCurrentIndex(wanted)
        self.path_label.setText(_PATHS[m.value("impl")].format(
            optimizer=OPTIMIZER_LABELS[optimizer]))
        for name, row in self.rows.items():
            if BY_NAME[name].kind != "choice":
                self._forms[name].setRowVisible(row, name in used and self._shows(name))
        momentum = m.value("momentum")
        self.nesterov.setEnabled(bool(momentum and momentum > 0))
        self._update_sections()

    def _update_sections(self) -> None:
        """More settings' button and section, and the hints and sections of the settings
        shown."""
        lr = self._shows("learning_rate")
        for hint in (self.stable_label, self.lr_gauge):
            self._forms["learning_rate"].setRowVisible(hint, lr)
        self._forms["optimizer"].setRowVisible(self.path_label, self._shows("impl"))
        only = self._only
        self.more_button.setVisible(only is None)
        if only is None:
            self.basic_box.setVisible(True)
            for box in (self.method_box, self.hyper_box):
                box.setVisible(self.more_shown())
        else:  # a section shows if a setting it holds is shown
            used = self.in_use()
            shown = {n for n in only if n in BY_NAME
                     and (BY_NAME[n].kind == "choice" or n in used)}
            for box, form in ((self.basic_box, self._forms["method"]),
                              (self.method_box, self._forms["optimizer"]),
                              (self.hyper_box, self.form)):
                box.setVisible(any(self._forms[n] is form for n in shown)
                               or (box is self.hyper_box and "random_init" in only))
        open_ = self.more_shown()
        self.more_button.setArrowType(Qt.ArrowType.DownArrow if open_
                                      else Qt.ArrowType.RightArrow)
        changed = [] if open_ else self.changed_in_more()
        text = "More settings"
        if changed:
            text += f" ({len(changed)} changed)"
        self.more_button.setText(text)
        self.more_button.setToolTip(
            ("Hide" if open_ else "Show") + " the other settings"
            + ("; changed from their defaults: " + ", ".join(BY_NAME[n].label for n in changed)
               if changed else ""))


class TrainStrip(QWidget):
    """The Train button under the training settings, always in view (the window binds it to
    its Train action: it is enabled, and says Resume, as the action does)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.train_button = QPushButton("Train")
        self.train_button.setAccessibleName("Train")
        self.train_button.setAccessibleDescription(
            "Start a run with these settings, or resume a paused one (F5).")
        font = self.train_button.font()
        font.setBold(True)
        self.train_button.setFont(font)
        layout.addWidget(self.train_button)

    def buttons(self) -> dict[str, QPushButton]:
        """The buttons by the name of the action each one triggers."""
        return {"train": self.train_button}


def _set_style(widget, sheet: str) -> None:
    """Give ``widget`` the style ``sheet`` unless it has it (setting one polishes the widget
    again: half a millisecond after every edit of a point)."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)
