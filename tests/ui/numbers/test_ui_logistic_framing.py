"""The cross-entropy landscape is framed so that its shape shows: a start at w = b = 0 and
an optimum at nearly the same b were framed in a sliver of b (0.2 wide) where the loss
looked as if it did not depend on b at all."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from gdstudio.core.data.presets import make
from gdstudio.core.models.logistic.landscape import LogisticLandscape
from gdstudio.core.models.logistic.optimum import logistic_optimum
from gdstudio.ui.numbers.landscape_model import LandscapeModel


@pytest.fixture
def model():
    m = LandscapeModel()
    yield m
    assert m.shutdown()


def test_start_and_star_at_nearly_the_same_b_get_a_view_where_b_matters(model, qtbot):
    data = make("overlapping-classes")
    opt = logistic_optimum(data.x, data.y)
    assert opt.kind == "unique" and abs(opt.b) < 0.3  # (the sliver this guards against)
    model.set_loss("bce", 1.0, True, model="logistic")
    model.set_start(0.0, 0.0)
    model.data_replaced(data)
    qtbot.waitUntil(lambda: model.frame is not None and model.frame.exact and not model.busy
                    and model.frame.optimum is not None, timeout=60_000)
    model.fit_view()
    (w0, w1), (b0, b1) = model.w_range, model.b_range
    assert w0 < 0.0 < opt.w < w1 and b0 < min(0.0, opt.b) and max(0.0, opt.b) < b1
    # along b, at the star's w, the view spans a loss that visibly changes: at the edges
    # the cross-entropy is at least 10% above the optimum's
    land = LogisticLandscape.from_arrays(data.x, data.y, loss="bce")
    edges = land.loss(np.array([opt.w, opt.w]), np.array([b0, b1]))
    assert min(edges) > 1.1 * opt.loss
    # and the w axis is not widened past what the start and the star need
    assert w1 - w0 == pytest.approx(1.3 * opt.w, rel=1e-9)


def test_a_run_frames_itself_with_a_b_that_matters_too(window, qtbot):
    c = window.controller
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")  # (the two-class preset comes in)
    c.set_settings(c.settings.replace(learning_rate=0.1, epochs=3, init_w=0.0, init_b=0.0))
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        assert c.train()
    lm = c.landscape_model
    (w0, w1), (b0, b1) = lm.w_range, lm.b_range
    h = c.history
    assert w0 <= min(h.w) and max(h.w) <= w1 and b0 <= min(h.b) and max(h.b) <= b1
    assert b1 - b0 >= 2.0  # two units of log-odds: the loss visibly changes along b
    shown = window.landscape_plot.getViewBox().viewRange()[1]
    assert shown[1] - shown[0] >= 2.0


def test_switching_to_logistic_frames_its_own_start_and_star(window, qtbot):
    """The line's preview (from its start at w = -10, b = -20) was framed in the
    cross-entropy's view: the start and the star sat squeezed in its top-right corner."""
    c = window.controller
    lm, pm = c.landscape_model, c.preview_model
    qtbot.waitUntil(lambda: lm.frame is not None and lm.frame.exact and not lm.busy,
                    timeout=30_000)
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")
    qtbot.waitUntil(lambda: lm.frame is not None and lm.frame.loss == "bce" and lm.frame.exact
                    and lm.frame.optimum is not None and not lm.busy, timeout=30_000)
    qtbot.waitUntil(lambda: pm.path is not None and pm.start == (0.0, 0.0), timeout=30_000)
    QApplication.processEvents()
    (w0, w1), (b0, b1) = window.landscape_plot.getViewBox().viewRange()
    ow, ob = lm.frame.optimum
    assert w0 < 0.0 < ow < w1 and b0 < min(0.0, ob) and max(0.0, ob) < b1
    # framed around them (a few units of log-odds), not around the line's start
    assert b1 - b0 < 6.0 and w1 - w0 < 6.0
