"""Points whose x or y span more than the largest float64 number cannot be shown on any plot
(pyqtgraph raised 'Cannot set range [-inf, -inf]' and the window stopped updating its
count and readout): every way in refuses them with one message and changes nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gdstudio.core.data.commands import AppendPoints, Replace
from gdstudio.core.data.dataset import Dataset, span_problem
from gdstudio.core.errors import DataError

WIDE = Dataset(np.array([-1.7e308, 0.0, 1.7e308]), np.array([1.0, 2.0, 3.0]))


def test_the_span_rule():
    assert span_problem(WIDE.x, WIDE.y).startswith("The points' x values run from -1.7e+308")
    assert span_problem(WIDE.y, WIDE.x).startswith("The points' y values")
    assert span_problem([-8e307, 8e307], [0, 1]) is None  # 1.6e308: still a float64
    assert span_problem([], []) is None


def test_replace_and_append_refuse_a_span_beyond_float64():
    base = Dataset(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    with pytest.raises(DataError, match="beyond the largest float64"):
        Replace(WIDE).apply(base)
    edge = Dataset(np.array([1.7e308]), np.array([0.0]))
    start = Dataset(np.array([-1.7e308]), np.array([0.0]))
    with pytest.raises(DataError, match="x values run from"):
        AppendPoints(edge, "Paste").apply(start)


def test_the_window_refuses_such_data_and_keeps_its_own(window):
    before = window.controller.model.dataset
    assert not window.controller.replace_data(WIDE, "Import")
    assert window.controller.model.dataset is before
    assert "beyond the largest float64" in window.messages.last[1]


def test_a_session_with_such_data_is_refused_before_anything_changes(window, tmp_path):
    window.controller.add_point(0.5, 0.25)
    assert window.session_files.save(str(tmp_path / "s.gdstudio"))
    doc = json.loads((tmp_path / "s.gdstudio").read_text())
    doc["data"]["dtype"] = "float64"
    doc["data"]["x"] = [-1.7e308, 0.0, 1.7e308]
    doc["data"]["y"] = [1.0, 2.0, 3.0]
    (tmp_path / "bad.gdstudio").write_text(json.dumps(doc))
    before = window.controller.model.dataset
    assert not window.session_files.open_path(str(tmp_path / "bad.gdstudio"))
    assert window.controller.model.dataset is before
    assert "beyond the largest float64" in window.messages.last[1]
