"""The data plot for logistic regression, as a learner sees it: the two classes on their rows,
the sigmoid of the shown (w, b), its boundary, the ringed misclassified points, the accuracy
in the readout and the log-odds axis; clicks add points of the chosen class."""

import math

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from tests.qt_helpers import click, data_to_viewport, drag

X = [-3.0, -2.0, -1.5, -0.5, 0.2, 0.5, 1.0, 1.7, 2.5, 3.0]
Y = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0]


@pytest.fixture
def logistic(window):
    """The window with logistic regression chosen and ten labelled points."""
    c = window.controller
    # (the squared error on the sigmoid: the readout's optimum part names the line's losses)
    assert c.settings_model.update({"model": "logistic", "loss": "mse"})
    assert c.replace_data(Dataset(np.array(X), np.array(Y)), "labelled points")
    return window


def show_line(win, w, b):
    """Show the sigmoid of (w, b) as the current fit (as the timeline does)."""
    win.plot.set_fit(w, b)
    win.line_views.logistic.set_line(w, b)


def exact_sigmoid(z):
    return np.array([1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))
                     for v in z])


def test_the_classes_are_drawn_on_their_rows_in_two_styles(logistic):
    plot = logistic.plot
    assert plot.model == "logistic"
    zero, one = plot.scatter.data, plot.scatter_one.data
    assert sorted(zero["x"].tolist()) == sorted(x for x, y in zip(X, Y, strict=True) if y == 0)
    assert sorted(one["x"].tolist()) == sorted(x for x, y in zip(X, Y, strict=True) if y == 1)
    assert set(zero["y"].tolist()) == {0.0} and set(one["y"].tolist()) == {1.0}
    assert plot.scatter.opts["symbol"] != plot.scatter_one.opts["symbol"]
    assert plot.getAxis("left").labelText == "p(class 1)"


def test_jitter_spreads_the_rows_and_keeps_the_labels(logistic):
    c = logistic.controller
    assert c.view_options.set("jitter", True)
    ys = logistic.plot.scatter_one.data["y"]
    assert len(set(ys.tolist())) > 1 and np.all(np.abs(ys - 1.0) <= 0.08)
    assert c.model.dataset.y.tolist() == Y


def test_the_sigmoid_is_sigma_of_the_shown_w_and_b(logistic):
    w, b = 2.5, -0.75
    show_line(logistic, w, b)
    xs, ps = logistic.plot.fit_line.getData()
    assert len(xs) >= 100
    np.testing.assert_allclose(ps, exact_sigmoid(w * xs + b), rtol=1e-12, atol=1e-300)
    (x0, x1), _ = logistic.plot.getViewBox().viewRange()
    assert xs[0] == pytest.approx(x0) and xs[-1] == pytest.approx(x1)


def test_the_boundary_is_at_minus_b_over_w(logistic):
    show_line(logistic, 2.5, -0.75)
    line = logistic.line_views.logistic.boundary_line
    assert line.isVisible() and line.value() == 0.3
    show_line(logistic, 0.0, 1.0)  # no boundary: p is 0.73 everywhere
    assert not line.isVisible()


def test_the_misclassified_points_are_ringed_exactly(logistic):
    w, b = 2.0, -0.5  # boundary at 0.25: class 1 from x = 0.25 up
    show_line(logistic, w, b)
    wrong = [(x, y) for x, y in zip(X, Y, strict=True) if (w * x + b > 0) != (y == 1)]
    assert wrong == [(-1.5, 1.0), (1.0, 0.0)]  # (counted by hand)
    rings = logistic.line_views.logistic.rings.data
    assert sorted(zip(rings["x"].tolist(), rings["y"].tolist(), strict=True)) == sorted(wrong)


def test_the_readout_shows_accuracy_bce_and_boundary_of_the_moment(logistic):
    c = logistic.controller
    assert c.loss == "mse"  # the squared error on the sigmoid: BCE shown beside it
    w, b = 2.0, -0.5
    right = sum((w * x + b > 0) == (y == 1) for x, y in zip(X, Y, strict=True))
    from gdstudio.ui.panels.readout import logistic_pairs

    text = " ".join(logistic_pairs(c, w, b)).replace("\u00a0", " ")
    assert f"accuracy {right / len(X):.1%}" in text
    bce = sum(math.log1p(math.exp(-(w * x + b))) if y == 1 else math.log1p(math.exp(w * x + b))
              for x, y in zip(X, Y, strict=True)) / len(X)
    assert f"BCE {bce:.6g}" in text
    assert "boundary x = 0.25" in text
    overlay = logistic.line_views.logistic
    show_line(logistic, w, b)
    assert f"accuracy {right / len(X):.1%} ({right}/{len(X)})" in overlay.text


def test_the_log_odds_toggle_shows_and_hides_its_axis(logistic):
    c = logistic.controller
    overlay = logistic.line_views.logistic
    show_line(logistic, 2.0, -0.5)
    assert not logistic.plot.getAxis("right").isVisible()
    logistic.line_views.view_actions["log_odds"].trigger()
    assert c.view_options.value("log_odds") is True
    axis = logistic.plot.getAxis("right")
    assert axis.isVisible() and "log-odds" in axis.labelText
    xs, zs = overlay.z_points()
    assert len(xs) == 2
    np.testing.assert_allclose(zs, 2.0 * xs - 0.5, rtol=1e-12, atol=1e-12)
    logistic.line_views.view_actions["log_odds"].trigger()
    assert not logistic.plot.getAxis("right").isVisible()
    assert not overlay.z_line.isVisible()


def test_a_click_adds_a_point_of_the_chosen_class_and_undo_removes_it(logistic):
    c = logistic.controller
    logistic.data_dock.raise_()
    logistic.data_panel.class_buttons[1].click()
    assert c.editing.add_class == 1
    before = len(c.model.dataset)
    click(logistic.plot, data_to_viewport(logistic.plot, -2.5, 0.3))
    assert len(c.model.dataset) == before + 1
    px, _ = logistic.plot.getViewBox().viewPixelSize()
    assert c.model.dataset.y[-1] == 1.0 and abs(c.model.dataset.x[-1] + 2.5) <= 1.5 * px
    logistic.act_undo.trigger()
    assert len(c.model.dataset) == before and c.model.dataset.y.tolist() == Y


def test_a_dragged_point_snaps_to_the_row_it_is_dropped_nearest(logistic):
    c = logistic.controller
    i = 0  # (-3, class 0)
    drag(logistic.plot, data_to_viewport(logistic.plot, X[i], 0.0),
         data_to_viewport(logistic.plot, -2.75, 0.3))
    assert c.model.dataset.y[i] == 0.0 and c.model.dataset.x[i] != X[i]
    drag(logistic.plot, data_to_viewport(logistic.plot, float(c.model.dataset.x[i]), 0.0),
         data_to_viewport(logistic.plot, -2.75, 0.8))
    assert c.model.dataset.y[i] == 1.0  # across the rows: the other class


def test_points_that_are_not_labels_are_refused_in_one_line(logistic):
    c = logistic.controller
    before = c.model.dataset
    assert not c.add_points(Dataset(np.array([1.0, 2.0]), np.array([1.0, 0.5])),
                            "Paste 2 points", "paste_points")
    assert c.model.dataset is before
    _, text = c.last_message
    assert text == "Logistic regression needs labels 0 or 1; point 2 has y = 0.5."


def test_the_line_model_keeps_its_points_and_overlay(window):
    """Back to the line: one scatter of all points, the straight line and R²."""
    c = window.controller
    c.settings_model.update({"model": "logistic", "loss": "mse"})
    c.settings_model.update({"model": "line", "loss": "mse"})
    assert window.plot.model == "line" and not window.plot.scatter_one.isVisible()
    assert len(window.plot.scatter.data) == len(c.model.dataset)
    assert not window.line_views.logistic.label.isVisible()
    assert not window.data_panel.class_row.isVisible()


def test_the_best_fit_is_the_dashed_sigmoid_of_the_maximum_likelihood_optimum(logistic):
    c = logistic.controller
    assert c.wait_for_numbers(30_000)
    from gdstudio.core.models.logistic.optimum import logistic_optimum

    best = logistic_optimum(np.array(X), np.array(Y))  # overlapping classes: a finite optimum
    assert best.w is not None
    xs, ps = logistic.plot.optimum_line.getData()
    np.testing.assert_allclose(ps, exact_sigmoid(best.w * xs + best.b), rtol=1e-9)
    # separable classes: no finite optimum, no dashed sigmoid
    assert c.replace_data(Dataset(np.array([-2.0, -1.0, 1.0, 2.0]),
                                  np.array([0.0, 0.0, 1.0, 1.0])), "separable")
    assert c.wait_for_numbers(30_000)
    xs, _ = logistic.plot.optimum_line.getData()
    assert xs is None or len(xs) == 0


def drawn_classes(plot):
    return [sorted(zip(s.data["x"].tolist(), s.data["y"].tolist(), strict=True))
            for s in (plot.scatter, plot.scatter_one)]


def data_classes(c):
    d = c.model.dataset
    pairs = list(zip(d.x.astype(float).tolist(), d.y.astype(float).tolist(), strict=True))
    return [sorted(p for p in pairs if p[1] == k) for k in (0.0, 1.0)]


def test_edits_of_one_point_draw_each_class_as_the_data_have_it(logistic):
    """A move within a class and an added point are written in place; a move across the
    rows goes to the other class: each class's scatter is always the data's class."""
    c = logistic.controller
    for request in (lambda: c.move_point(3, -0.7, 0.1),  # class 0, stays
                    lambda: c.move_point(5, 0.6, 0.9),  # class 1, stays
                    lambda: c.add_point(-2.2, 0.0),  # chooser on 0
                    lambda: c.move_point(1, -1.9, 0.8),  # class 0 -> 1
                    lambda: c.delete_points((0,))):
        assert request()
        assert drawn_classes(logistic.plot) == data_classes(c)


def test_the_boundary_keeps_its_digits_on_offset_data_and_is_never_minus_zero(logistic):
    show_line(logistic, 1.0, -1_700_000_002.5)
    assert "boundary x = 1700000002.5" in logistic.line_views.logistic.text
    show_line(logistic, 2.0, 0.0)
    assert "boundary x = 0\n" in logistic.line_views.logistic.text + "\n"
