"""Switching the model (the line, or logistic regression) in the controller, without a window.

The switch changes the loss (each model keeps its own), the data when they are not labels (the
two-class preset, as one undoable edit that undo takes back with the model), and says so with
``modelChanged`` once data and model agree. A lesson lock on the model refuses it by every
way in.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.presets import make
from gdstudio.core.settings.description import MODEL_LOSSES
from gdstudio.ui.studio.controller import StudioController
from gdstudio.ui.studio.model_switch import TWO_CLASS_PRESET


@pytest.fixture
def controller(qtbot):
    c = StudioController()
    yield c
    c.shutdown(5000)


def labels(n=6) -> Dataset:
    x = np.linspace(-2.0, 3.0, n).astype(np.float32)
    return Dataset(x, (x > 0.5).astype(np.float32))


def same(a: Dataset, b: Dataset) -> bool:
    return np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y) and a.dtype == b.dtype


def test_switching_takes_the_models_own_loss_and_back(controller):
    c = controller
    m = c.settings_model
    assert (c.current_model, m.value("loss")) == ("line", "mse")
    assert c.switch_model("logistic")
    assert (c.current_model, m.value("loss")) == ("logistic", "bce")
    assert c.settings.model == "logistic" and c.settings.loss == "bce"
    c.settings.validate()  # (a loss of the model: a run takes it)
    m.set_value("loss", "bce-logits")
    with pytest.raises(ValueError, match="MAE is not a loss of logistic"):
        m.set_value("loss", "mae")
    assert c.switch_model("line")
    assert (c.current_model, m.value("loss")) == ("line", "mse")
    m.set_value("loss", "huber")
    assert c.switch_model("logistic")
    assert m.value("loss") == "bce-logits"  # each model keeps its own
    assert c.switch_model("line")
    assert m.value("loss") == "huber"


def test_each_model_keeps_its_own_start_logistic_regression_first_starts_flat(controller):
    """The line's far start put every point of the two-class preset nearly certain of a class
    (a starting cross-entropy of about 16): logistic regression starts at w = b = 0."""
    c = controller
    m = c.settings_model
    assert (c.settings.init_w, c.settings.init_b) == (-10.0, -20.0)
    assert c.switch_model("logistic")
    assert (c.settings.init_w, c.settings.init_b) == (0.0, 0.0)
    assert c.start_parameters() == (0.0, 0.0)
    m.set_value("init_w", 2.5)
    assert c.switch_model("line")
    assert (c.settings.init_w, c.settings.init_b) == (-10.0, -20.0)
    m.set_value("init_b", 3.0)
    assert c.switch_model("logistic")
    assert (c.settings.init_w, c.settings.init_b) == (2.5, 0.0)  # as it was left
    assert c.switch_model("line")
    assert (c.settings.init_w, c.settings.init_b) == (-10.0, 3.0)


def test_switching_to_logistic_on_line_data_is_one_edit_that_undo_takes_back(controller, qtbot):
    c = controller
    line = c.dataset
    models = []
    c.modelChanged.connect(models.append)
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")
    assert same(c.dataset, make(TWO_CLASS_PRESET))
    assert set(np.unique(c.dataset.y)) == {0.0, 1.0}
    assert c.model.undo_stack.count() == 1
    assert c.undo_text() == "Switch to logistic regression"
    with qtbot.waitSignal(c.modelChanged):
        c.undo()
    assert c.dataset is line and c.current_model == "line"
    assert c.settings_model.value("loss") == "mse"
    c.redo()
    assert c.current_model == "logistic" and same(c.dataset, make(TWO_CLASS_PRESET))
    assert models == ["logistic", "line", "logistic"]


def test_each_model_keeps_its_own_data(controller):
    c = controller
    line = c.dataset
    c.switch_model("logistic")
    c.add_point(0.25, 1.0)
    mine = c.dataset
    c.switch_model("line")  # the line's points come back, as one more edit
    assert c.dataset is line and c.current_model == "line"
    assert c.undo_text() == "Switch to the line"
    c.switch_model("logistic")  # and the labels as they were left
    assert c.dataset is mine


def test_labels_stay_when_switching_to_logistic(controller):
    c = controller
    c.replace_data(labels(), "Labels")
    data, count = c.dataset, c.model.undo_stack.count()
    assert c.switch_model("logistic")
    assert c.dataset is data and c.model.undo_stack.count() == count  # (a setting's change)
    assert c.switch_model("line")  # nothing remembered for the line: the labels stay
    assert c.dataset is data and c.current_model == "line"


def test_the_model_box_goes_through_the_controller(controller):
    c = controller
    assert c.settings_model.set_value("model", "logistic")
    assert c.current_model == "logistic" and c.undo_text() == "Switch to logistic regression"
    assert set(np.unique(c.dataset.y)) == {0.0, 1.0}


def test_a_lesson_lock_refuses_the_switch_by_every_way(controller):
    c = controller
    status = []
    c.statusReported.connect(lambda text, ms: status.append(text))
    c.switch_model("logistic")  # (before the lesson: undo would switch back)
    for lock in ("model", "settings_panel"):
        c.set_lesson_locks({lock})
        data = c.dataset
        assert not c.switch_model("line")
        assert not c.settings_model.set_value("model", "line")
        c.undo()
        assert c.current_model == "logistic" and c.dataset is data
        assert c.model.undo_stack.canUndo()
        assert status[-1] == ("The setting 'Model' is locked by the lesson." if lock == "model"
                              else "The training settings panel is locked by the lesson.")
    c.set_lesson_locks(())
    c.undo()
    assert c.current_model == "line"


def test_the_loss_list_is_the_models(qtbot):
    from gdstudio.ui.panels.settings_panel import SettingsPanel

    c = StudioController()
    panel = SettingsPanel(c.settings_model)
    qtbot.addWidget(panel)
    box = panel.loss
    assert [box.itemData(i) for i in range(box.count())] == list(MODEL_LOSSES["line"])
    panel.model_choice.setCurrentIndex(panel.model_choice.findData("logistic"))
    assert c.current_model == "logistic"
    assert [box.itemData(i) for i in range(box.count())] == ["mse", "bce", "bce-logits"]
    assert box.currentData() == "bce"
    c.shutdown(5000)


def test_a_preset_of_the_other_model_switches_with_it_as_one_edit(controller):
    c = controller
    line = c.dataset
    assert c.load_preset("hours-pass")
    assert c.current_model == "logistic" and same(c.dataset, make("hours-pass"))
    assert c.undo_text() == "Open preset Hours studied vs pass/fail"
    c.undo()
    assert c.current_model == "line" and c.dataset is line
    c.set_lesson_locks({"model"})
    assert not c.load_preset("separable-classes")
    assert c.current_model == "line" and c.dataset is line


def test_a_csv_file_is_read_as_labels_under_logistic_regression(controller, tmp_path):
    c = controller
    c.switch_model("logistic")
    good, bad = tmp_path / "pass.csv", tmp_path / "half.csv"
    good.write_text("x,label\n0.5,0\n2,1\n3,1\n", encoding="utf-8")
    bad.write_text("x,y\n0.5,0\n2,0.5\n", encoding="utf-8")
    assert c.import_csv(str(good))
    assert c.dataset.y.tolist() == [0.0, 1.0, 1.0] and c.dataset.x.tolist() == [0.5, 2.0, 3.0]
    data = c.dataset
    assert not c.import_csv(str(bad))
    assert c.dataset is data
    title, text = c.last_message
    assert title == "Cannot import the CSV file" and "line 3" in text and "0.5" in text


def test_the_command_lines_model_opens_once_the_data_fit(controller, qtbot):
    c = controller
    c.replace_data(labels(), "Labels")
    data = c.dataset
    c.open_in_model("logistic")  # labels: at once, the data stay
    assert c.current_model == "logistic" and c.dataset is data


def test_pasted_points_are_labels_under_logistic_regression(controller):
    from gdstudio.ui.classroom.classroom_tools import paste_points

    c = controller
    c.switch_model("logistic")
    n = len(c.dataset)
    assert paste_points(c, "0.5\t1\n-0.5\t0\n")
    assert c.dataset.y[n:].tolist() == [1.0, 0.0]
    data = c.dataset
    assert not paste_points(c, "0.5\t1\n2\t0.5\n")
    assert c.dataset is data
    title, text = c.last_message
    assert title == "Cannot paste the points" and "0.5" in text


def test_undo_and_redo_of_a_switch_bring_the_data_as_a_whole(controller):
    c = controller
    replaced, status = [], []
    c.dataChanged.connect(replaced.append)
    c.statusReported.connect(lambda text, ms: status.append(text))
    c.switch_model("logistic")
    c.undo()
    assert status[-1] == "The line, with its data."
    c.redo()
    assert status[-1] == "Logistic regression, with its data."
    assert replaced == [True, True, True]  # (views fit their range to the data)
