"""The landscape in the window: it follows the data, the current run's path is drawn live
(every epoch end of a batch run; every kept update of a stochastic run), a click sets the
start and the preview, and kept runs' paths follow the compare list."""

from __future__ import annotations

import math

import numpy as np
import torch
from PySide6.QtCore import Qt

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.views.landscape_view import DRAWN_POINTS
from tests.qt_helpers import click, data_to_viewport


def _line(n, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 3.0, n)
    return Dataset((x).astype(dtype), (1.5 * x - 0.5 + rng.normal(0, 0.3, n)).astype(dtype))


def _train(window, qtbot, **settings):
    window.panel.set_config(TrainConfig(**settings))
    with qtbot.waitSignal(window.controller.runFinished, timeout=60_000):
        assert window.controller.train()


def _drawn(item) -> np.ndarray:
    x, y = item.getData()
    return np.empty((0, 2)) if x is None else np.column_stack([x, y])


def test_the_landscape_is_the_exact_mse_landscape_after_a_point_drag(window, qtbot):
    window.controller.replace_data(_line(40), "test data")
    window.plot.moveRequested.emit(3, 1.25, 7.5)  # what dragging point 3 asks for: the
    # landscape is redrawn at once from the data's moments (no event loop needed)
    data = window.controller.dataset
    assert (float(data.x[3]), float(data.y[3])) == (1.25, 7.5)
    frame = window.landscape_plot.frame
    image = window.landscape_plot.image.image
    expected = MSELandscape.from_dataset(data).grid(frame.w_range, frame.b_range, image.shape)
    np.testing.assert_allclose(image, expected, rtol=1e-12, atol=1e-12)
    # the exact rebuild arrives and draws the same
    qtbot.waitUntil(lambda: not window.controller.landscape_model.busy, timeout=5000)
    image = window.landscape_plot.image.image
    np.testing.assert_array_equal(image, expected)


def test_a_batch_runs_path_is_its_start_and_every_epoch_end(window, qtbot):
    window.controller.replace_data(_line(30), "test data")
    _train(window, qtbot, method="batch", impl="manual", learning_rate=0.05, epochs=25,
           init_w=-2.0, init_b=3.0)
    h = window.controller.session.history
    drawn = _drawn(window.landscape_plot.path)
    expected = np.column_stack([np.r_[-2.0, h.w], np.r_[3.0, h.b]])
    np.testing.assert_array_equal(drawn, expected)
    assert len(drawn) == 26


def test_a_stochastic_run_draws_every_kept_update_as_a_plain_loop_makes_them(window, qtbot):
    n = 1500
    window.controller.replace_data(_line(n), "test data")
    seen = []
    window.controller.pathChanged.connect(lambda: seen.append(len(window.controller.session.path)))
    _train(window, qtbot, method="sgd", impl="analytic", learning_rate=0.01, epochs=3,
           init_w=-1.0, init_b=2.0, shuffle=True, seed=7)
    path = window.controller.session.path
    assert seen and len(path) > 3  # more points than epochs
    drawn = _drawn(window.landscape_plot.path)  # every point the training thread kept
    assert len(path) <= DRAWN_POINTS
    np.testing.assert_array_equal(drawn, path)
    assert tuple(drawn[0]) == (-1.0, 2.0) and tuple(drawn[-1]) == tuple(path[-1])
    # a plain float64 loop over the same shuffled orders
    d = window.controller.dataset
    x0, y0 = np.asarray(d.x, np.float64), np.asarray(d.y, np.float64)
    gen = torch.Generator().manual_seed(7)
    w, b, lr = -1.0, 2.0, 0.01
    ref = [(w, b)]
    for _ in range(3):
        order = torch.randperm(n, generator=gen).numpy()
        for i in order:
            g = 2 * (w * float(x0[i]) + b - float(y0[i]))
            w, b = w - lr * (g * float(x0[i])), b - lr * g
            ref.append((w, b))
    ref = np.array(ref)
    # the path holds every update until it thins; here 4,501 points fit
    assert len(path) == len(ref)
    np.testing.assert_array_equal(path, ref)
    h = window.controller.session.history
    np.testing.assert_array_equal(_drawn(window.landscape_plot.epoch_ends),
                                  np.column_stack([h.w, h.b]))
    np.testing.assert_array_equal(path[[n, 2 * n, 3 * n]], np.column_stack([h.w, h.b]))


def test_a_click_on_the_landscape_sets_the_start_fields_and_the_preview(window, qtbot):
    window.controller.replace_data(_line(50), "test data")
    window.panel.set_config(TrainConfig(method="batch", learning_rate=0.05, epochs=10))
    plot = window.landscape_plot
    (w0, w1), (b0, b1) = plot.getViewBox().viewRange()
    target = (w0 + 0.3 * (w1 - w0), b0 + 0.7 * (b1 - b0))
    with qtbot.waitSignal(window.controller.preview_model.previewChanged) as blocker:
        click(plot, data_to_viewport(plot, *target))
    w, b = float(window.panel.init_w.text()), float(window.panel.init_b.text())
    assert not window.panel.random_init.isChecked()
    px, py = plot.getViewBox().viewPixelSize()
    assert abs(w - target[0]) <= 2 * px + 1e-3 * (w1 - w0)
    assert abs(b - target[1]) <= 2 * py + 1e-3 * (b1 - b0)
    preview = blocker.args[0]
    assert tuple(preview[0]) == (w, b)
    assert tuple(plot.start.getData()[0]) == (w,) and tuple(plot.start.getData()[1]) == (b,)
    np.testing.assert_array_equal(_drawn(plot.preview), preview)
    # the learning rate changes: the preview is computed again before Train
    with qtbot.waitSignal(window.controller.preview_model.previewChanged) as blocker:
        window.panel.learning_rate.setText("0.01")
    assert tuple(blocker.args[0][0]) == (w, b)
    assert not np.array_equal(blocker.args[0], preview)


def test_kept_runs_paths_appear_and_disappear_with_the_checkbox(window, qtbot):
    window.controller.replace_data(_line(30), "test data")
    _train(window, qtbot, method="batch", impl="manual", learning_rate=0.05, epochs=15,
           init_w=-2.0, init_b=3.0)
    assert window.controller.keep_run()
    key = window.controller.kept_runs[0].key
    item = window.landscape_plot.kept[key]
    h = window.controller.session.history
    np.testing.assert_array_equal(_drawn(item), np.column_stack([np.r_[-2.0, h.w],
                                                                 np.r_[3.0, h.b]]))
    assert item.isVisible()
    row = window.runs_panel.item_of(key)
    row.setCheckState(Qt.CheckState.Unchecked)
    assert not item.isVisible()
    row.setCheckState(Qt.CheckState.Checked)
    assert item.isVisible()
    window.controller.remove_runs([key])
    assert key not in window.landscape_plot.kept


def test_view_menu_hides_the_landscape_and_fit_to_data_fits_it(window, qtbot):
    window.controller.replace_data(_line(30), "test data")
    assert window.landscape_plot.isVisible()
    window.act_landscape.trigger()
    assert not window.landscape_plot.isVisible()
    window.act_landscape.trigger()
    assert window.landscape_plot.isVisible()
    window.act_curvature.trigger()
    assert window.landscape_plot.curvature_action.isChecked()
    plot = window.landscape_plot
    plot.getViewBox().setRange(xRange=(100, 101), yRange=(100, 101), padding=0)
    window.act_fit_view.trigger()
    (w0, w1), (b0, b1) = plot.getViewBox().viewRange()
    w_opt, b_opt = MSELandscape.from_dataset(window.controller.dataset).optimum
    assert w0 < w_opt < w1 and b0 < b_opt < b1


def test_the_landscape_follows_the_loss_setting(window, qtbot):
    window.controller.replace_data(_line(30), "test data")
    with qtbot.waitSignal(window.controller.landscape_model.landscapeChanged, timeout=5000):
        window.panel.set_config(TrainConfig(loss="mae"))
    assert window.controller.landscape_model.loss == "mae"


def test_a_click_on_the_landscape_of_huge_or_tiny_data_types_a_short_start():
    """The start a click types is to a thousandth of the view's span, in a few digits: on
    data near 1e300 it was a 285-digit integer, on a span of 1e-300 it had 303 decimals,
    and a span beyond float64 raised."""
    from gdstudio.ui.views.landscape_view import start_text

    for value, span in ((-5.26424353078201e283, 1.92e284), (3.5e-298, 1e-300),
                        (-1.23456789e-290, 1e-300), (7.123456e20, 1e3), (1.7e9 + 0.123, 0.01)):
        text = start_text(value, span)
        assert len(text) <= 24, text
        assert abs(float(text) - value) <= span / 1000
    assert start_text(1e-310, 1e-300) == "0"
    assert start_text(0.5, math.inf) == "0.5"
    assert start_text(-6.3123, 14.4) == "-6.31"  # ordinary spans as before
