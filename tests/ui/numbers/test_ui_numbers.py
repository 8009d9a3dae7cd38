"""The window's numbers: the step-size hint for the chosen method, the optimum readout and the
dashed line, on ordinary, degenerate and huge data."""

from __future__ import annotations

import re

import numpy as np

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.optimum import closed_form, loss_optimum, step_guide
from gdstudio.core.settings.config import TrainConfig
from tests.ui.studio.test_ui_training import set_method, train_to_end

NON_FINITE = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)


def hint(window) -> str:
    return window.panel.stable_label.text()


def test_hint_is_the_bound_of_the_chosen_method(window):
    assert hint(window) == "batch descent on this data is stable below 0.12 (fastest step 0.1071)"
    set_method(window, "sgd")
    assert hint(window) == ("stochastic descent on this data is stable below 0.03846 "
                            "(each one-point step is)")
    set_method(window, "minibatch")
    window.panel.batch_size.setValue(10)
    expected = step_guide(window.controller.model.dataset,
                          TrainConfig(method="minibatch", batch_size=10))
    assert hint(window) == expected.text()
    assert "(each of its batches is)" in hint(window)
    window.panel.shuffle.setChecked(True)
    assert "any batch a shuffle can draw" in hint(window)
    set_method(window, "batch", "module", "adam")
    assert "a guide only" in hint(window) and "Adam" in hint(window)


def test_hint_turns_red_above_the_limit_of_plain_descent(window):
    set_method(window, "sgd")
    window.panel.learning_rate.setText("0.1")  # the tutorial's rate: above 0.0385
    assert "d62728" in window.panel.stable_label.styleSheet()
    window.panel.learning_rate.setText("0.03")
    assert "d62728" not in window.panel.stable_label.styleSheet()


def test_not_unique_optimum_is_said_and_not_drawn(window):
    assert window.controller.replace_data(Dataset.from_points([(2, 1), (2, 3)]), "two points")
    text = window.readout.text()
    assert "least\u00a0squares: not unique: every x is 2: any line through (2, 2)" in text
    assert "loss*=1" in text and "w*" not in text
    assert window.plot._optimum is None  # no dashed line presented as the answer
    assert window.plot.optimum_label == "least squares: not unique"
    assert "least squares: not unique" in window.plot.getPlotItem().titleLabel.text
    window.act_undo.trigger()  # back to the tutorial line: a unique line again
    assert window.plot._optimum is not None
    assert window.plot.optimum_label == "least squares"


def test_mae_readout_shows_its_own_optimum_and_the_reference(window):
    window.panel.loss.setCurrentIndex(window.panel.loss.findData("mae"))
    own = loss_optimum(window.controller.model.dataset, "mae")
    lsq = closed_form(window.controller.model.dataset)
    text = window.readout.text()
    assert f"MAE\u00a0optimum: w*={own.w:.6g}, b*={own.b:.6g}, loss*={own.loss:.6g}" in text
    assert f"least\u00a0squares (reference): w={lsq.w:.6g}, b={lsq.b:.6g}" in text
    # the dashed line stays the labelled least-squares reference
    assert np.allclose(window.plot._optimum, (lsq.w, lsq.b))


def test_large_data_gets_its_mae_optimum_from_the_run(window, qtbot):
    from gdstudio.core.data.dataset import random_line
    from gdstudio.ui.numbers import shown_numbers as numbers_view

    data = random_line(numbers_view.OWN_OPTIMUM_LIMIT + 1, seed=3)
    assert window.controller.replace_data(data, "big")
    window.panel.loss.setCurrentIndex(window.panel.loss.findData("mae"))
    assert "computed with each run" in window.readout.text()
    window.panel.epochs.setValue(1)
    window.panel.impl.setCurrentIndex(window.panel.impl.findData("analytic"))
    train_to_end(window, qtbot, timeout=120_000)
    own = loss_optimum(data, "mae")
    assert f"MAE\u00a0optimum: w*={own.w:.6g}" in window.readout.text()


def test_huge_data_shows_words_not_inf(window):
    big_y = Dataset(np.array([1.0, 2.0, 3.0]), np.array([1e200, 3e200, 2e200]))
    assert window.controller.replace_data(big_y, "huge y")
    text = window.readout.text()
    assert "loss*=about 5e+399 (beyond float64)" in text
    tiny_x = Dataset(np.array([1e-300, 2e-300, 3e-300]), np.array([1e300, 3e300, 2e300]))
    assert window.controller.replace_data(tiny_x, "slope beyond float64")
    assert "w*=about 5e+599 (beyond float64)" in window.readout.text()
    assert window.plot._optimum is None
    assert window.plot.optimum_label == "least squares: beyond float64"
    assert not NON_FINITE.search(window.readout.text() + hint(window))
    assert "the data's scale overflows float64" in hint(window)
    for t in (text, hint(window)):
        assert not NON_FINITE.search(t), t
    big_x = Dataset(np.array([1e160, 2e160, 3e160]), np.array([1.0, 3.0, 2.0]))
    assert window.controller.replace_data(big_x, "huge x")
    assert hint(window).startswith("the data's scale overflows float64 arithmetic")
    assert "rescale or standardize" in hint(window)
    for t in (window.readout.text(), hint(window)):
        assert not NON_FINITE.search(t), t
