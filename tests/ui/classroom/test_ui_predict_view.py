"""Predict mode frames where the steps land without drawing them: the landscape holds the
box the previewed run spans (with the start and the optimum), so each next step's end is in
view when the class clicks its guess (a zigzag that swings past the optimum was off the
view's edge: the right answer could not be clicked). Turning the mode off during a pause
says the ordinary pause line again, not "click your next guess"."""

from __future__ import annotations

import numpy as np

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig


def _data() -> Dataset:
    """x in [-5, 5], about y = -5x: batch descent is stable below lr ≈ 0.12."""
    x = np.linspace(-5.0, 5.0, 100)
    return Dataset(x, -5.0 * x + 0.3 * np.sin(5.0 * x))


def _in_view(view, point) -> bool:
    (w0, w1), (b0, b1) = view
    return w0 <= point[0] <= w1 and b0 <= point[1] <= b1


def test_each_next_step_lands_in_the_view_the_guess_is_clicked_in(window, qtbot):
    c, plot = window.controller, window.landscape_plot
    c.replace_data(_data(), "test data")
    window.panel.set_config(TrainConfig(method="batch", impl="analytic", learning_rate=0.1,
                                        epochs=6, init_w=-10.0, init_b=-20.0))
    predict = window.classroom.predict
    window.act_predict.setChecked(True)
    assert not plot.preview.isVisible()  # no hint
    for epoch in range(1, 5):
        view = plot.getViewBox().viewRange()
        (w0, w1), (b0, b1) = view
        plot.startRequested.emit((w0 + w1) / 2, (b0 + b1) / 2)  # the guess
        with qtbot.waitSignal(predict.revealed, timeout=30_000) as revealed:
            window.act_step.trigger()
        after = revealed.args[0].after
        assert _in_view(view, after), (epoch, after, view)
        qtbot.waitUntil(lambda: c.state.name == "PAUSED", timeout=10_000)
    assert c.history.w[0] > -5.0 + 2  # (the first step swung far past the optimum, w* = -5)
    c.stop()
    qtbot.waitUntil(lambda: c.state.name == "IDLE", timeout=10_000)
    window.act_predict.setChecked(False)


def test_turning_predict_mode_off_in_a_pause_says_the_pause_line_again(window, qtbot):
    c = window.controller
    window.panel.set_config(TrainConfig(epochs=3, init_w=0.0, init_b=0.0))
    predict, bar = window.classroom.predict, window.statusBar()
    window.act_predict.setChecked(True)
    window.landscape_plot.startRequested.emit(1.5, 0.25)
    with qtbot.waitSignal(predict.revealed, timeout=30_000):
        window.act_step.trigger()
    qtbot.waitUntil(lambda: c.state.name == "PAUSED", timeout=10_000)
    assert bar.currentMessage().endswith("Paused: click your next guess, then F10.")
    window.act_predict.setChecked(False)  # Ctrl+P
    assert bar.currentMessage() == "Paused after epoch 1: F5 resumes, F10 steps."
    c.stop()
    qtbot.waitUntil(lambda: c.state.name == "IDLE", timeout=10_000)


def test_turning_predict_mode_off_takes_its_request_for_a_guess_away(window, qtbot):
    bar = window.statusBar()
    window.act_predict.setChecked(True)
    window.controller.step()  # no guess: "first click the landscape…"
    assert bar.currentMessage().startswith("Predict mode: first click")
    window.act_predict.setChecked(False)
    assert bar.currentMessage() == "Predict mode is off."
