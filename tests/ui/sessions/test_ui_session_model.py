"""A session records its model and opens into it: the data and the model together, in the
window (as a session's data, not undoable)."""

from __future__ import annotations

import json

import numpy as np

from gdstudio.core.data.presets import make
from gdstudio.ui.studio.model_switch import are_labels
from tests.ui.sessions.test_ui_session import close, new_window


def test_a_logistic_session_opens_into_logistic_regression(window, qtbot, tmp_path):
    c = window.controller
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")
    c.settings_model.set_value("loss", "bce-logits")
    path = str(tmp_path / "classes.gdstudio")
    assert window.session_files.save(path)
    assert json.loads(open(path, encoding="utf-8").read())["settings"]["model"] == "logistic"

    other = new_window(qtbot, tmp_path)
    b = other.controller
    line = b.dataset
    b.switch_model("logistic")  # each model's data remembered before the session...
    b.switch_model("line")
    assert b.current_model == "line" and b.dataset is line
    with qtbot.waitSignal(b.modelChanged, timeout=10_000) as changed:
        assert other.session_files.open_path(path)
    assert changed.args == ["logistic"]
    assert b.current_model == "logistic" and b.settings.loss == "bce-logits"
    assert other.panel.model_choice.currentData() == "logistic"
    assert [other.panel.loss.itemData(i) for i in range(other.panel.loss.count())] == [
        "mse", "bce", "bce-logits"]
    assert b.dataset.x.tobytes() == make("overlapping-classes").x.tobytes()
    assert np.array_equal(b.dataset.y, make("overlapping-classes").y)
    assert not b.model.undo_stack.canUndo()  # (a session's data: a new start)
    # ...forgotten with it: back to the line, the session's labels stay.
    assert b.switch_model("line")
    assert b.dataset.x.tobytes() == make("overlapping-classes").x.tobytes()
    assert b.dataset is not line
    close(other)


def test_a_line_session_opened_under_logistic_regression_brings_the_line(window, qtbot,
                                                                         tmp_path):
    c = window.controller
    path = str(tmp_path / "line.gdstudio")
    assert window.session_files.save(path)  # the tutorial's line
    line = c.dataset
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")
    seen = []  # logistic regression never shown the line's data
    c.dataChanged.connect(lambda *_: seen.append((c.current_model, are_labels(c.dataset))))
    with qtbot.waitSignal(c.modelChanged, timeout=10_000) as changed:
        assert window.session_files.open_path(path)
    assert changed.args == ["line"]
    assert c.current_model == "line" and c.settings.loss == "mse"
    assert c.dataset.x.tobytes() == line.x.tobytes()
    assert c.dataset.y.tobytes() == line.y.tobytes()
    assert seen == [("line", False)]
