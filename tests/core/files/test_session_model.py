"""A session file records its model: a logistic regression session opens as one, an older
file (no model) opens as the line, and a logistic session whose labels are not 0 or 1, or a
model this studio does not know, is refused in one line. Lessons can lock the model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gdstudio.core.files.lesson_rules import (
    LESSON_CONTROLS,
    LESSON_GROUPS,
    Lesson,
    control_label,
    lesson_from_json,
)
from gdstudio.core.files.session import VERSION, Session, SessionError, session_chunks
from gdstudio.core.files.session_read import parse_session, read_session
from gdstudio.core.settings.config import TrainConfig


def logistic_session(y=(0.0, 1.0, 1.0, 0.0), loss="bce") -> Session:
    x = np.array([0.5, 1.5, 2.5, 3.5], np.float32)
    return Session(x, np.array(y, np.float32), "float32",
                   TrainConfig(model="logistic", loss=loss, learning_rate=0.5),
                   lesson=Lesson("Cross-entropy", ("model", "loss"), (), False))


def text(session: Session) -> str:
    return "".join(session_chunks(session, "test"))


@pytest.mark.parametrize("loss", ["bce", "bce-logits", "mse"])
def test_a_logistic_session_is_written_and_read_back_as_logistic(tmp_path, loss):
    path = tmp_path / "s.gdstudio"
    path.write_text(text(logistic_session(loss=loss)))
    doc = json.loads(path.read_text())
    assert doc["settings"]["model"] == "logistic" and doc["settings"]["loss"] == loss
    # a studio that knows only the line (it reads version 2) refuses it instead of
    # opening it as a line
    assert doc["version"] == VERSION == 3
    back = read_session(path)
    assert back.settings.model == "logistic" and back.settings.loss == loss
    assert back.y.tolist() == [0.0, 1.0, 1.0, 0.0] and back.ignored == []
    assert back.lesson.locked == ("model", "loss")


def test_a_line_session_records_its_model_too():
    doc = json.loads(text(Session(np.array([1.0], np.float32), np.array([2.5], np.float32))))
    assert doc["settings"]["model"] == "line"
    assert doc["version"] == 2  # every studio since compact columns reads it


def test_an_older_file_without_a_model_opens_as_the_line():
    session = Session(np.array([1.0, 2.0], np.float32), np.array([0.25, 7.0], np.float32),
                      settings=TrainConfig(loss="huber"))
    doc = json.loads(text(session))
    del doc["settings"]["model"]
    back = parse_session(json.dumps(doc))
    assert back.settings.model == "line" and back.settings.loss == "huber"
    assert back.y.tolist() == [0.25, 7.0] and back.ignored == []


@pytest.mark.parametrize("y, where, value", [
    ((0.0, 0.5, 1.0, 0.0), "data.y[1]", "0.5"),
    ((0.0, 1.0, 1.0, 2.0), "data.y[3]", "2.0"),
    ((-1.0, 1.0, 1.0, 0.0), "data.y[0]", "-1.0"),
])
def test_a_logistic_session_with_labels_other_than_0_or_1_is_refused(tmp_path, y, where,
                                                                      value):
    path = tmp_path / "bad.gdstudio"
    path.write_text(text(logistic_session(y=y)))
    with pytest.raises(SessionError) as info:
        read_session(path)
    assert str(info.value) == (f"{path}: {where}: is {value}, but logistic regression (the "
                               "session's model) needs labels 0 or 1")
    # The same points are a line's data.
    doc = json.loads(path.read_text())
    doc["settings"].update(model="line", loss="mse")
    assert parse_session(json.dumps(doc)).y.tolist() == list(y)


@pytest.mark.parametrize("change, message", [
    ({"model": "probit"}, "the session: settings.model: unknown model 'probit'; choose one "
                          "of line, logistic."),
    ({"model": 1}, "the session: settings.model: unknown model 1; choose one of line, "
                   "logistic."),
    ({"model": None}, "the session: settings.model: unknown model None; choose one of "
                      "line, logistic."),
    ({"loss": "mae"}, "the session: settings: The MAE loss is not one of the"),
    ({"model": "line"}, "the session: settings: The"),  # bce is not one of the line's losses
])
def test_a_bad_model_is_refused_in_one_line(change, message):
    doc = json.loads(text(logistic_session()))
    doc["settings"].update(change)
    with pytest.raises(SessionError) as info:
        parse_session(json.dumps(doc))
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_a_lesson_can_lock_or_hide_the_model():
    assert "model" in LESSON_CONTROLS
    assert "model" in dict(LESSON_GROUPS)["Method"]
    assert control_label("model") == "Model"
    lesson = lesson_from_json({"title": "Why cross-entropy", "locked": ["model"],
                               "hidden": ["model", "loss"], "presentation": False})
    assert lesson.locked == ("model",) and lesson.hidden == ("model", "loss")
