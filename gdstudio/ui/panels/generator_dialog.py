"""The generator dialogs: the noisy line's, and the two classes' for logistic regression."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
)

from gdstudio.core.errors import DataError
from gdstudio.ui.panels.settings_panel import FloatEdit
from gdstudio.ui.studio.generator import (
    GENERATOR_DEFAULTS,
    generate,
    generate_two_classes,
    two_class_defaults,
)
from gdstudio.ui.threads.torch_wait import wait_for_torch


class GenerateDialog(QDialog):
    """Slope, intercept, noise, x range with a step or N random x, and the seed."""

    def __init__(self, parent=None, values: dict | None = None):
        super().__init__(parent)
        self.setWindowTitle("Generate noisy line")
        v = {**GENERATOR_DEFAULTS, **(values or {})}
        form = QFormLayout(self)
        form.addRow(QLabel("Y = slope·X + intercept + noise·randn, after torch.manual_seed(seed)"))
        self.slope = FloatEdit(v["slope"], what="a finite number")
        self.intercept = FloatEdit(v["intercept"], what="a finite number")
        self.noise = FloatEdit(v["noise"], minimum=0, what="0 or more")
        self.x_min = FloatEdit(v["x_min"], what="a finite number")
        self.x_max = FloatEdit(v["x_max"], what="a finite number")
        self.step_mode = QRadioButton("x from min to max by step (torch.arange)")
        self.random_mode = QRadioButton("N uniformly random x in [min, max)")
        group = QButtonGroup(self)
        group.addButton(self.step_mode)
        group.addButton(self.random_mode)
        (self.random_mode if v["random_x"] else self.step_mode).setChecked(True)
        self.x_step = FloatEdit(v["x_step"], minimum=0, min_inclusive=False,
                                what="a positive number")
        self.n = QSpinBox()
        self.n.setRange(1, 10_000_000)
        self.n.setValue(int(v["n"]))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(int(v["seed"]))
        for label, widget in (("Slope", self.slope), ("Intercept", self.intercept),
                              ("Noise", self.noise), ("x min", self.x_min),
                              ("x max", self.x_max)):
            form.addRow(label, widget)
        form.addRow(self.step_mode)
        form.addRow("Step", self.x_step)
        form.addRow(self.random_mode)
        form.addRow("N", self.n)
        form.addRow("Seed", self.seed)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d62728;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        self.step_mode.toggled.connect(self._on_mode_toggled)
        self._on_mode_toggled()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.result_dataset = None

    def _on_mode_toggled(self, *_) -> None:
        step = self.step_mode.isChecked()
        self.x_step.setEnabled(step)
        self.n.setEnabled(not step)

    def values(self) -> dict:
        return {"slope": self.slope.value(), "intercept": self.intercept.value(),
                "noise": self.noise.value(), "x_min": self.x_min.value(),
                "x_max": self.x_max.value(), "x_step": self.x_step.value(),
                "n": self.n.value(), "seed": self.seed.value(),
                "random_x": self.random_mode.isChecked()}

    def _accept(self) -> None:
        for edit in (self.slope, self.intercept, self.noise, self.x_min, self.x_max,
                     self.x_step):
            if edit.error():
                self.error.setText(edit.error())
                edit.setFocus()
                return
        try:
            self.result_dataset = generate(self.values(), wait_for_torch)
        except DataError as exc:
            self.error.setText(str(exc))
            return
        self.accept()



class TwoClassDialog(QDialog):
    """Two classes for logistic regression: the gap between their centres, the spread, each
    class's size, the centre between them and the seed."""

    #: The undo entry of the data it makes.
    TEXT = "Generate two classes"

    def __init__(self, parent=None, values: dict | None = None):
        super().__init__(parent)
        self.setWindowTitle("Generate two classes")
        v = {**two_class_defaults(), **(values or {})}
        form = QFormLayout(self)
        intro = QLabel("Class 0 around centre − gap/2, class 1 around centre + gap/2, each "
                       "x = middle + spread·randn, after torch.manual_seed(seed). A gap of "
                       "about two spreads or less: the classes overlap; wider: separable.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.gap = FloatEdit(v["gap"], minimum=0, what="0 or more")
        self.spread = FloatEdit(v["spread"], minimum=0, what="0 or more")
        self.centre = FloatEdit(v["centre"], what="a finite number")
        self.n0, self.n1 = QSpinBox(), QSpinBox()
        for box, value in ((self.n0, v["n0"]), (self.n1, v["n1"])):
            box.setRange(0, 10_000_000)
            box.setGroupSeparatorShown(True)
            box.setValue(int(value))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(int(v["seed"]))
        for label, widget in (("Gap", self.gap), ("Spread", self.spread),
                              ("Points of class 0", self.n0), ("Points of class 1", self.n1),
                              ("Centre", self.centre), ("Seed", self.seed)):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d62728;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.result_dataset = None

    def values(self) -> dict:
        return {"gap": self.gap.value(), "spread": self.spread.value(), "n0": self.n0.value(),
                "n1": self.n1.value(), "centre": self.centre.value(),
                "seed": self.seed.value()}

    def _accept(self) -> None:
        for edit in (self.gap, self.spread, self.centre):
            if edit.error():
                self.error.setText(edit.error())
                edit.setFocus()
                return
        try:
            self.result_dataset = generate_two_classes(self.values(), wait_for_torch)
        except DataError as exc:
            self.error.setText(str(exc))
            return
        self.accept()
