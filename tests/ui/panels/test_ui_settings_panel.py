"""The settings panel: fields made from the description, shown by applicable(); a greyed
optimizer box that shows no stale choice; momentum that stays with its optimizer; an invalid
field named next to it and in the status bar on F5; hints that never clip or move the fields."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import (
    BY_NAME,
    IMPLEMENTATIONS,
    LOSSES,
    METHODS,
    MODEL_LOSSES,
    OPTIMIZERS,
    SETTINGS,
    applicable,
    run_label,
)
from gdstudio.ui.panels.settings_panel import PLAIN_STEPS, SettingsPanel


@pytest.fixture
def panel(qtbot):
    p = SettingsPanel()
    qtbot.addWidget(p)
    p.resize(320, 900)
    p.show()
    qtbot.waitExposed(p)
    return p


def choose(combo, key) -> None:
    combo.setCurrentIndex(combo.findData(key))


def shown(panel) -> set[str]:
    return {name for name, row in panel.rows.items()
            if BY_NAME[name].kind != "choice" and row.isVisibleTo(panel)}


def test_every_setting_has_its_field_from_the_description(panel):
    assert list(panel.fields()) == [s.name for s in SETTINGS]
    assert panel.config() == TrainConfig()
    choose(panel.impl, "module")  # the optimizers are offered
    for s in SETTINGS:
        if s.kind == "choice" and s.name != "loss":
            combo = getattr(panel, "model_choice" if s.name == "model" else s.name)
            assert [combo.itemData(i) for i in range(combo.count())] == list(s.keys)
            assert [combo.itemText(i) for i in range(combo.count())] == [
                c.label for c in s.choices]
    for model in ("line", "logistic"):  # the loss box offers the model's losses
        panel.model.take_model(model)
        combo, choices = panel.loss, [c for c in BY_NAME["loss"].choices
                                      if c.key in MODEL_LOSSES[model]]
        assert [combo.itemData(i) for i in range(combo.count())] == [c.key for c in choices]
        assert [combo.itemText(i) for i in range(combo.count())] == [c.label for c in choices]
    assert sorted({*MODEL_LOSSES["line"], *MODEL_LOSSES["logistic"]}) == sorted(
        BY_NAME["loss"].keys)
    assert panel.form.labelForField(panel.rows["alpha"]).text() == BY_NAME["alpha"].label


def test_the_fields_shown_are_the_applicable_settings_of_every_path(panel):
    for method, impl, optimizer, loss in itertools.product(METHODS, IMPLEMENTATIONS,
                                                           OPTIMIZERS, LOSSES):
        choose(panel.impl, "module")  # the optimizer can be chosen
        choose(panel.optimizer, optimizer)
        choose(panel.method, method)
        choose(panel.impl, impl)
        choose(panel.loss, loss)
        config = panel.config()
        expected = {n for n in applicable(config) if BY_NAME[n].kind != "choice"}
        assert shown(panel) == expected, (method, impl, optimizer, loss)
        assert panel.optimizer.isEnabled() is (impl == "module")
        assert config.optimizer == (optimizer if impl == "module" else "sgd")


def test_the_schedule_fields_show_with_their_schedule(panel):
    for schedule, fields in (("none", set()), ("step", {"lr_step_size", "lr_gamma"}),
                             ("exponential", {"lr_gamma"})):
        choose(panel.lr_schedule, schedule)
        assert shown(panel) & {"lr_step_size", "lr_gamma"} == fields, schedule
        assert panel.config().lr_schedule == schedule
    assert "tol" in shown(panel)


def test_momentum_text_of_zero_is_no_momentum(panel):
    choose(panel.impl, "module")
    panel.momentum.setText("0.00")
    assert panel.config().momentum == 0.0
    assert "momentum" not in run_label(panel.config())
    assert not panel.nesterov.isEnabled()  # Nesterov needs a momentum above 0
    panel.momentum.setText("0.9")
    assert panel.nesterov.isEnabled()


def test_a_hidden_invalid_field_does_not_block(panel):
    choose(panel.impl, "module")
    choose(panel.optimizer, "adam")
    panel.beta1.setText("abc")
    assert panel.errors() == ["Beta 1: 'abc' is not a number; type e.g. 0.001 or 1e-3."]
    choose(panel.optimizer, "sgd")  # beta1 no longer applies
    assert panel.errors() == []
    assert panel.config().beta1 == BY_NAME["beta1"].default
    panel.random_init.setChecked(True)
    panel.init_w.setText("oops")  # hidden behind the random start
    assert panel.config().init_w is None


def test_the_greyed_optimizer_box_shows_plain_steps_and_gives_the_choice_back(panel):
    choose(panel.impl, "module")
    choose(panel.optimizer, "adam")
    assert panel.optimizer.currentText() == "Adam"
    for impl in ("manual", "analytic"):
        choose(panel.impl, impl)
        assert not panel.optimizer.isEnabled()
        assert panel.optimizer.currentText() == PLAIN_STEPS
        assert panel.config().optimizer == "sgd"
        assert "Adam" not in panel.path_label.text()
    choose(panel.impl, "module")
    assert panel.optimizer.isEnabled() and panel.optimizer.currentText() == "Adam"
    assert panel.config().optimizer == "adam"
    assert "torch.optim.Adam" in panel.path_label.text()


def test_a_restored_manual_config_greys_the_optimizer_too(panel):
    panel.set_config(TrainConfig(impl="module", optimizer="rmsprop"))
    assert panel.optimizer.currentText() == "RMSprop"
    panel.set_config(TrainConfig(impl="analytic"))
    assert panel.optimizer.currentText() == PLAIN_STEPS and not panel.optimizer.isEnabled()


def test_momentum_typed_for_sgd_does_not_carry_over_to_rmsprop(panel):
    choose(panel.impl, "module")
    panel.momentum.setText("0.9")
    assert panel.config().momentum == 0.9
    choose(panel.optimizer, "rmsprop")  # RMSprop takes momentum too, but its own
    assert panel.momentum.text() == "0.0"
    assert panel.config() == TrainConfig(impl="module", optimizer="rmsprop")
    assert run_label(panel.config()) == "batch · RMSprop · MSE · lr 0.1"
    panel.momentum.setText("0.5")
    choose(panel.optimizer, "adam")  # no momentum: none in its run
    assert panel.config().momentum == 0.0
    choose(panel.optimizer, "sgd")
    assert panel.momentum.text() == "0.9" and panel.config().momentum == 0.9
    choose(panel.optimizer, "rmsprop")
    assert panel.config().momentum == 0.5
    assert run_label(panel.config()) == "batch · RMSprop (momentum 0.5) · MSE · lr 0.1"


def test_an_invalid_field_says_why_under_it_once_left(panel, qtbot):
    row = panel.rows["momentum"]
    choose(panel.impl, "module")
    panel.momentum.setFocus()
    panel.momentum.setText("1.5")
    assert panel.field_error_text("momentum") == ""  # not while typing
    panel.momentum.editingFinished.emit()  # the user leaves the field
    assert panel.field_error_text("momentum") == "Must be in [0, 1)."
    assert row.error_label.isVisible()
    panel.momentum.setText("0.5")
    assert panel.field_error_text("momentum") == ""
    assert not row.error_label.isVisible()


def field_top(panel, name) -> int:
    return panel.fields()[name].mapTo(panel, QPoint(0, 0)).y()


class Guide:
    """A step-size guide of a given text."""

    def __init__(self, text):
        self._text, self.limit, self.guide_only = text, None, True

    def text(self):
        return self._text


SHORT = "batch descent on this data is stable below 0.12 (fastest step 0.1071)"
#: The same hint on other data: its numbers take more digits.
OTHERS = ("batch descent on this data is stable below 1.235e-05 (fastest step 9.877e-06)",
          "batch descent on this data is stable below 3 (fastest step 2)",
          "batch descent on this data is stable below 123.4 (fastest step 98.77)")
LONG = ("mini-batch descent (B=10) on this data is stable below 0.0848 (any batch a shuffle "
        "can draw is); a guide only: the Huber loss curves like the MSE/2 near the line and "
        "less away from it; Adagrad scales its own steps; this is the bound of plain steps")


def test_the_fields_do_not_move_when_the_hint_changes(panel, qtbot):
    panel.set_step_guide(lambda config: Guide(SHORT))
    QApplication.processEvents()
    before = {name: field_top(panel, name) for name in ("epochs", "seed", "init_w")}
    label = panel.stable_label
    for text in (*OTHERS, SHORT, "stable bound: n/a", SHORT[:30], *OTHERS):
        panel.set_step_guide(lambda config, text=text: Guide(text))
        QApplication.processEvents()
        assert label.text() == text
        assert {name: field_top(panel, name) for name in before} == before, text
        assert label.height() >= label.heightForWidth(label.width())  # never clipped


def test_a_hint_longer_than_its_room_grows_and_is_never_clipped(panel, qtbot):
    label = panel.stable_label
    long_text = " ".join([LONG] * 2)
    panel.set_step_guide(lambda config: Guide(long_text))
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))
    assert label.text() == long_text
    for width in (260, 500, 320):
        panel.resize(width, 900)
        QApplication.processEvents()
        assert label.height() >= label.heightForWidth(label.width()), width


def test_the_fields_do_not_move_when_the_path_hint_changes(panel):
    tops = set()
    for impl in ("manual", "analytic", "module", "manual"):
        choose(panel.impl, impl)
        QApplication.processEvents()
        tops.add(field_top(panel, "learning_rate"))
        path = panel.path_label
        assert path.height() >= path.heightForWidth(path.width())
    assert len(tops) == 1


# --------------------------------------------------------------------------- in the window


def test_f5_with_an_invalid_field_says_which_and_why(window, qtbot):
    p = window.panel
    p.learning_rate.setText("abc")
    window.activateWindow()
    window.statusBar().clearMessage()
    assert window.act_train.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_F5)
    message = "Learning rate: 'abc' is not a number; type e.g. 0.001 or 1e-3."
    assert window.statusBar().currentMessage() == message
    assert p.field_error_text("learning_rate") == "'abc' is not a number; type e.g. 0.001 or 1e-3."
    label = p.rows["learning_rate"].error_label
    assert label.isVisible()
    field = p.learning_rate
    assert label.mapTo(p, QPoint(0, 0)).y() >= field.mapTo(p, QPoint(0, 0)).y() + field.height()
    assert window.focusWidget() is field
    assert window.controller.session.history.count == 0 and window.messages.last is None
    field.setText("0.05")  # fixed: the line goes, and Train starts
    assert p.field_error_text("learning_rate") == ""
    p.epochs.setValue(2)
    with qtbot.waitSignal(window.controller.runFinished, timeout=60_000):  # (torch may load)
        assert window.controller.train()


def test_train_names_every_invalid_field_next_to_it(window):
    p = window.panel
    p.random_init.setChecked(False)
    p.init_w.setText("1e999")
    p.init_b.setText("x")
    assert not window.controller.train()
    too_large = "1e999 is too large: numbers go up to about 1.8e308."
    assert window.statusBar().currentMessage() == f"Initial w: {too_large}"
    assert p.field_error_text("init_w") == too_large
    assert p.field_error_text("init_b") == "'x' is not a number; type e.g. 0.001 or 1e-3."
    assert window.focusWidget() is p.init_w


@pytest.mark.parametrize("text", ["", "   "])
def test_f5_with_an_emptied_field_asks_for_a_number(window, text):
    p = window.panel
    p.learning_rate.setText(text)
    assert not window.controller.train()
    assert window.statusBar().currentMessage() == (
        "Learning rate: Enter a number, e.g. 0.001 or 1e-3.")
    assert p.field_error_text("learning_rate") == "Enter a number, e.g. 0.001 or 1e-3."
    assert window.controller.session.history.count == 0


def test_a_hidden_invalid_field_does_not_block_train(window, qtbot):
    p = window.panel
    choose(p.loss, "huber")
    p.huber_delta.setText("-1")
    assert not window.controller.train()
    assert window.statusBar().currentMessage() == "Huber delta: Must be a positive number."
    assert p.field_error_text("huber_delta") == "Must be a positive number."
    choose(p.loss, "mae")  # the delta no longer applies
    p.epochs.setValue(2)
    with qtbot.waitSignal(window.controller.runFinished, timeout=60_000):  # (torch may load)
        assert window.controller.train()
    assert window.controller.session.status == "done"


def test_the_fields_do_not_move_as_the_data_changes_the_hint(window):
    """The bound's digits change with the data: the hint keeps its room."""
    from gdstudio.core.data.dataset import noisy_line

    p = window.panel
    QApplication.processEvents()
    top = field_top(p, "epochs")
    hints = set()
    for x_max in (5.0, 300.0, 0.05, 2.0, 1e4):
        data = noisy_line(x_min=-x_max, x_max=x_max, x_step=x_max / 50)
        assert window.controller.replace_data(data, "other data")
        QApplication.processEvents()
        hints.add(p.stable_label.text())
        assert field_top(p, "epochs") == top, p.stable_label.text()
        label = p.stable_label
        assert label.height() >= label.heightForWidth(label.width())
    assert len(hints) == 5


@pytest.mark.parametrize(("text", "words"), [
    ("inf", "Enter a finite number."),
    ("-1e400", "-1e400 is too large: numbers go up to about 1.8e308."),
    ("1e-400", "1e-400 is too small: it rounds to 0 (numbers go down to about 5e-324)."),
])
def test_numbers_beyond_float64_are_named_as_such(window, text, words):
    p = window.panel
    p.learning_rate.setText(text)
    assert not window.controller.train()
    assert p.field_error_text("learning_rate") == words


def test_the_panel_is_a_view_of_the_controllers_settings(window):
    c, p = window.controller, window.panel
    assert p.model is c.settings_model
    p.learning_rate.setText("0.250")  # typed: the model takes the value, the text stays
    assert c.settings_model.entry("learning_rate") == 0.25 and c.settings.learning_rate == 0.25
    assert p.learning_rate.text() == "0.250"
    c.settings_model.update({"epochs": 42, "loss": "huber", "huber_delta": 2.5})
    p.set_more_shown(True)  # (the window opens with More settings closed)
    assert p.epochs.value() == 42 and p.loss.currentData() == "huber"
    assert p.huber_delta.text() == "2.5" and p.rows["huber_delta"].isVisibleTo(p)
    assert c.settings == p.config() == c.settings_model.config()
    p.learning_rate.setText("abc")
    assert c.settings is None and c.settings_error == c.settings_model.error == (
        "Learning rate: 'abc' is not a number; type e.g. 0.001 or 1e-3.")
    p.reveal_errors()
    assert p.field_error_text("learning_rate")
    c.settings_model.set_config(TrainConfig(learning_rate=0.5))  # restored: a new value
    assert p.learning_rate.text() == "0.5" and p.field_error_text("learning_rate") == ""
    assert c.settings == TrainConfig(learning_rate=0.5)


def test_basics_has_room_under_the_training_dock_title(window):
    """"Basics" (the first group's title) is not pressed against the dock's "Training"."""
    from PySide6.QtWidgets import QStyle, QStyleOptionGroupBox

    dock, box = window.settings_dock, window.panel.basic_box
    option = QStyleOptionGroupBox()
    box.initStyleOption(option)
    label = box.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, option,
                                       QStyle.SubControl.SC_GroupBoxLabel, box)
    title_bottom = dock.widget().mapTo(dock, dock.widget().rect().topLeft()).y()
    at = box.mapTo(dock, label.topLeft())
    assert at.y() - title_bottom >= 6  # a gap under the dock's title
