"""Logistic regression in the window: the model box, the presets menu and the generator follow
the model, the window reopens in the model it was left in when its data fit, and a run under
logistic regression trains on labels (and refuses other data in one line)."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.presets import make, presets_for
from gdstudio.core.data.two_classes import two_classes
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import settings_values
from gdstudio.ui.panels.generator_dialog import TwoClassDialog
from gdstudio.ui.window.main_window import MainWindow


def preset_keys(window) -> list[str]:
    return [a.objectName().removeprefix("preset-") for a in window.presets_menu.actions()]


def test_the_model_box_switches_and_the_menus_follow(window, qtbot):
    c = window.controller
    assert preset_keys(window) == list(presets_for("line"))
    assert window.act_generate.text() == "&Generate noisy line…"
    box = window.panel.model_choice
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        box.setCurrentIndex(box.findData("logistic"))
    assert c.current_model == "logistic" and window.panel.loss.currentData() == "bce"
    assert preset_keys(window) == list(presets_for("logistic")) == [
        "overlapping-classes", "separable-classes", "one-mislabelled", "hours-pass"]
    assert window.act_generate.text() == "&Generate two classes…"
    assert window.act_undo.text() == "&Undo Switch to logistic regression"
    window.act_undo.trigger()
    assert c.current_model == "line" and box.currentData() == "line"
    assert preset_keys(window) == list(presets_for("line"))


def test_the_generator_makes_two_classes_under_logistic_regression(window, qtbot):
    c = window.controller
    c.switch_model("logistic")

    def fill():
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, TwoClassDialog) and w.isVisible())
        dialog.gap.setText("6")
        dialog.n0.setValue(3)
        dialog.n1.setValue(4)
        dialog.seed.setValue(5)
        dialog._accept()

    QTimer.singleShot(0, fill)
    window.generate_dialog()
    expected = two_classes(gap=6.0, spread=1.0, n0=3, n1=4, centre=0.0, seed=5)
    assert np.array_equal(c.dataset.x, expected.x) and c.dataset.y.tolist() == [0] * 3 + [1] * 4
    assert c.undo_text() == "Generate two classes"


def store_with(tmp_path, config: TrainConfig) -> QSettings:
    store = QSettings(str(tmp_path / "store.ini"), QSettings.Format.IniFormat)
    store.setValue("version", 1)
    store.setValue("config", json.dumps(settings_values(config)))
    store.sync()
    return store


def test_the_window_reopens_in_logistic_regression_with_its_loss(qtbot, tmp_path):
    saved = TrainConfig(model="logistic", loss="bce-logits", learning_rate=0.5)
    # labels: they stay; the tutorial's line: the two-class preset comes in (torch has
    # loaded here: at once; at a real start, once it has), one step of undo from the line
    for data, undo in ((make("hours-pass"), False), (None, True)):
        win = MainWindow(data, settings=store_with(tmp_path, saved))
        qtbot.addWidget(win)
        c = win.controller
        assert (c.current_model, c.settings.loss, c.settings.learning_rate) == (
            "logistic", "bce-logits", 0.5)
        assert c.settings == saved
        assert set(np.unique(c.dataset.y)) == {0.0, 1.0}
        assert c.model.undo_stack.canUndo() is undo
        c.shutdown(5000)


def test_the_model_waits_for_torch_when_its_data_must_be_drawn(qtbot, monkeypatch):
    from gdstudio.core import torch_loader
    from gdstudio.ui.studio.controller import StudioController

    c = StudioController()
    monkeypatch.setattr(torch_loader, "loaded", lambda: False)
    c.open_in_model("logistic")  # the tutorial's line: not yet
    assert c.current_model == "line"
    monkeypatch.undo()
    with qtbot.waitSignal(c.modelChanged, timeout=120_000):
        c.torch_loading.torchLoaded.emit(None)
    assert c.current_model == "logistic" and set(np.unique(c.dataset.y)) == {0.0, 1.0}
    c.shutdown(5000)


def test_a_run_under_logistic_regression_trains_on_labels(window, qtbot):
    c = window.controller
    c.switch_model("logistic")
    c.settings_model.update({"epochs": 3, "learning_rate": 0.5})
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    assert c.history.count == 3 and c.current_summary.config.model == "logistic"
    assert c.current_summary.config.loss == "bce"
    c.reset()
    c.replace_data(Dataset(np.array([0.0, 1.0, 2.0], np.float32),
                           np.array([0.0, 1.0, 0.5], np.float32)), "Half a label")
    with qtbot.waitSignal(c.startRefused) as refused:
        assert not c.train()
    assert refused.args == ["Logistic regression needs labels 0 or 1; point 3 has y = 0.5."]
    assert window.statusBar().currentMessage() == refused.args[0]


def test_a_lesson_lock_on_the_model_holds_by_every_way_in_the_window(window, qtbot):
    from gdstudio.core.files.lesson_rules import Lesson

    c = window.controller
    line = c.dataset
    window.session_files.lesson_view.set_lesson(Lesson("Lines only", ("model",), (), False))
    box = window.panel.model_choice
    box.setCurrentIndex(box.findData("logistic"))  # the model box
    assert box.currentData() == "line" and c.current_model == "line"
    assert window.statusBar().currentMessage() == "The setting 'Model' is locked by the lesson."
    assert not c.load_preset("hours-pass")  # a preset of the other model
    c.open_in_model("logistic")  # the command line's model
    assert c.current_model == "line" and c.dataset is line
