"""Logistic regression's numbers in the controller (no window): the maximum-likelihood
optimum in the readout and on the landscape, the learning-rate bound, and separable data
said as such."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.data.presets import make
from gdstudio.core.models.logistic.curvature import stable_lr_bound
from gdstudio.core.models.logistic.optimum import logistic_optimum
from gdstudio.ui.numbers.shown_numbers import readout_tail
from gdstudio.ui.studio.controller import StudioController


@pytest.fixture
def controller(qtbot):
    c = StudioController()
    yield c
    c.shutdown(5000)


def logistic_on(c, qtbot, preset: str):
    data = make(preset)
    c.replace_data(data, "Load preset")  # (labels: the line takes them as they are)
    lm = c.landscape_model
    assert c.switch_model("logistic")
    assert c.settings.model == "logistic" and c.settings.loss == "bce"
    qtbot.waitUntil(lambda: lm.frame is not None and lm.frame.exact and not lm.busy
                    and lm.frame.loss == "bce", timeout=60_000)
    return data


def test_the_optimum_and_the_bound_of_overlapping_classes(controller, qtbot):
    c = controller
    data = logistic_on(c, qtbot, "hours-pass")
    opt = logistic_optimum(data.x, data.y)
    assert opt.kind == "unique"
    assert c.numbers.logistic == opt
    assert c.numbers.line is None  # no least-squares line on labels
    assert opt.text in readout_tail(c)
    assert "least" not in readout_tail(c)
    guide = c.numbers.guide(c.settings.replace(method="batch"))
    assert guide.limit == stable_lr_bound(data.x)
    assert c.landscape_model.frame.optimum == (opt.w, opt.b)


def test_separable_classes_have_no_star_and_the_readout_says_so(controller, qtbot):
    c = controller
    logistic_on(c, qtbot, "separable-classes")
    assert c.numbers.logistic.kind == "separable"
    assert "separable" in readout_tail(c)
    frame = c.landscape_model.frame
    assert frame.optimum is None
    assert frame.label.startswith("separable: no finite optimum")
    # back to the line: the line's landscape and numbers
    assert c.switch_model("line")
    lm = c.landscape_model
    qtbot.waitUntil(lambda: lm.frame is not None and lm.frame.loss == "mse", timeout=60_000)
    assert c.numbers.logistic is None and c.numbers.line is not None
    assert lm.frame.label == ""


def test_large_data_get_their_optimum_off_the_gui_thread(controller, qtbot):
    from gdstudio.core.data.dataset import Dataset
    from gdstudio.ui.numbers.numbers_feed import ASYNC_LIMIT

    c = controller
    logistic_on(c, qtbot, "hours-pass")
    rng = np.random.default_rng(2)
    n = ASYNC_LIMIT + 5_000
    x = rng.normal(0.0, 2.0, n)
    data = Dataset(x, (x + rng.normal(0.0, 1.0, n) > 0.5).astype(np.float64))
    c.replace_data(data, "Load")
    assert c.numbers.logistic is None and c.numbers_estimated  # not computed here
    assert "computing" in readout_tail(c)
    qtbot.waitUntil(lambda: c.numbers.logistic is not None, timeout=60_000)
    assert c.numbers.logistic == logistic_optimum(data.x, data.y)
    assert not c.numbers_estimated
    assert c.numbers.logistic.text in readout_tail(c)
