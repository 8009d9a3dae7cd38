"""Logistic regression's landscape in the window's model: the exact cross-entropy (or the
squared error on σ) of every point, computed off the GUI thread; the star at the
maximum-likelihood optimum; separable data: no star, a label that says why."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.logistic.landscape import LogisticLandscape
from gdstudio.core.models.logistic.optimum import logistic_optimum
from gdstudio.ui.numbers.landscape_model import LandscapeModel
from gdstudio.ui.plots.landscape_plot import LandscapePlot

SEPARABLE_WORDS = "separable: no finite optimum \u2014 the loss falls forever as w grows"


@pytest.fixture
def model():
    m = LandscapeModel()
    yield m
    assert m.shutdown()


@pytest.fixture
def plot(qtbot, model):
    p = LandscapePlot()
    qtbot.addWidget(p)
    model.landscapeChanged.connect(p.set_frame)
    p.resize(640, 520)
    p.show()
    qtbot.waitExposed(p)
    return p


def overlapping(n=40, seed=3) -> Dataset:
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.normal(-1.0, 1.2, n // 2), rng.normal(1.5, 1.2, n - n // 2)])
    y = np.concatenate([np.zeros(n // 2), np.ones(n - n // 2)])
    return Dataset(x, y)


def separable() -> Dataset:
    return Dataset(np.array([-3.0, -2.0, -1.5, 1.0, 2.0, 2.5]),
                   np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0]))


def final_frame(model, qtbot, act):
    """Do ``act`` and wait for the landscape's final (fine) frame."""
    frames = []
    model.landscapeChanged.connect(frames.append)
    try:
        act()
        qtbot.waitUntil(lambda: bool(frames) and frames[-1] is not None
                        and frames[-1].exact and not model.busy, timeout=60_000)
    finally:
        model.landscapeChanged.disconnect(frames.append)
    return model.frame


def logistic(model, loss="bce", fit_bias=True):
    model.set_loss(loss, 1.0, fit_bias, model="logistic")


def test_the_grid_is_the_exact_cross_entropy_and_the_star_its_optimum(model, plot, qtbot):
    data = overlapping()
    logistic(model)
    model.set_start(0.0, 0.0)
    frame = final_frame(model, qtbot, lambda: model.data_replaced(data))
    land = LogisticLandscape.from_arrays(data.x, data.y, loss="bce")
    w, b = frame.axes()
    for i, j in ((0, 0), (17, 93), (64, 64), (128, 5), (100, 128)):
        assert frame.values[i, j] == pytest.approx(np.log10(land.loss(w[i], b[j])),
                                                   rel=1e-12, abs=1e-12)
    opt = logistic_optimum(data.x, data.y)
    assert frame.optimum == (opt.w, opt.b)
    ox, oy = plot.optimum.getData()
    assert (ox[0], oy[0]) == (opt.w, opt.b)
    (w0, w1), (b0, b1) = frame.w_range, frame.b_range
    assert w0 < opt.w < w1 and b0 < opt.b < b1  # the view frames the star
    assert "Cross-entropy" in plot.getPlotItem().titleLabel.text
    assert plot.landscape_label.toPlainText() == ""


def test_separable_data_have_no_star_and_a_label_says_why(model, plot, qtbot):
    logistic(model)
    model.set_start(0.0, 0.0)
    frame = final_frame(model, qtbot, lambda: model.data_replaced(separable()))
    assert frame.optimum is None
    assert len(plot.optimum.getData()[0]) == 0
    assert frame.label == SEPARABLE_WORDS
    assert plot.landscape_label.toPlainText() == SEPARABLE_WORDS
    assert plot.landscape_label.isVisible()
    assert "diverg" not in plot.landscape_label.toPlainText()


def test_one_class_has_no_star(model, plot, qtbot):
    logistic(model)
    model.set_start(0.0, 0.0)
    frame = final_frame(model, qtbot, lambda: model.data_replaced(
        Dataset(np.array([0.0, 1.0, 2.0]), np.ones(3))))
    assert frame.optimum is None and "no finite optimum" in frame.label


def test_the_other_landscape_is_the_squared_error_on_the_sigmoid(model, plot, qtbot):
    data = overlapping()
    logistic(model)
    model.set_start(0.0, 0.0)
    ce = final_frame(model, qtbot, lambda: model.data_replaced(data))
    mse = final_frame(model, qtbot, lambda: model.set_other_landscape(True))
    land = LogisticLandscape.from_arrays(data.x, data.y, loss="mse")
    w, b = mse.axes()
    assert (mse.w_range, mse.b_range) == (ce.w_range, ce.b_range)
    for i, j in ((0, 0), (40, 90), (128, 128)):
        assert mse.values[i, j] == pytest.approx(np.log10(land.loss(w[i], b[j])), rel=1e-12)
    assert not np.allclose(mse.values, ce.values)
    assert mse.optimum is None  # the cross-entropy's optimum is not the squared error's
    assert "squared error on \u03c3" in plot.getPlotItem().titleLabel.text.lower()
    back = final_frame(model, qtbot, lambda: model.set_other_landscape(False))
    np.testing.assert_array_equal(back.values, ce.values)


def test_a_run_on_the_squared_error_draws_its_own_landscape(model, qtbot):
    data = overlapping()
    logistic(model, loss="mse")
    model.set_start(0.0, 0.0)
    frame = final_frame(model, qtbot, lambda: model.data_replaced(data))
    assert frame.loss == "mse" and frame.optimum is None


def test_large_data_get_a_coarser_grid_that_says_so(model, qtbot):
    rng = np.random.default_rng(1)
    n = 5_000  # (beyond the budget of every point at each of 129 × 129 cells)
    x = rng.normal(0.0, 1.0, n)
    y = (x + rng.normal(0.0, 1.0, n) > 0).astype(np.float64)
    data = Dataset(x, y)
    logistic(model)
    model.set_start(0.0, 0.0)
    asked = []

    def replace():
        model.data_replaced(data)
        asked.append((model.busy, model.frame))  # back at once: the grid is computed off
        # the GUI thread

    frame = final_frame(model, qtbot, replace)
    assert asked[0][0] and asked[0][1] is None
    assert frame.shape[0] < 129
    assert f"{n:,} points" in frame.label
    land = LogisticLandscape.from_arrays(x, y)
    w, b = frame.axes()
    assert frame.values[1, 2] == pytest.approx(np.log10(land.loss(w[1], b[2])), rel=1e-12)
