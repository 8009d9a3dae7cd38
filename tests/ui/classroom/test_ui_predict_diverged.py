"""Predict mode and a step that diverges: the guess of that step was left waiting, and the
next F10 started a new run scored against that old guess (made for epoch 3 of the diverged
run) instead of asking for a new one."""

from __future__ import annotations

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.runstate import RunStatus
from gdstudio.ui.classroom.predict_mode import NEED_GUESS


def test_a_guess_for_a_step_that_diverged_is_dropped(window, qtbot):
    c = window.controller
    window.panel.set_config(TrainConfig(epochs=50, learning_rate=10.0))  # diverges in epoch 3
    messages = []
    c.statusReported.connect(lambda text, _ms: messages.append(text))
    window.act_predict.setChecked(True)
    predict = window.classroom.predict
    for epoch in (1, 2):
        predict.set_guess(-5.0, 0.0)
        with qtbot.waitSignal(predict.revealed, timeout=30_000):
            window.act_step.trigger()
        assert c.history.count == epoch
    predict.set_guess(-4.0, 0.0)
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        window.act_step.trigger()
    assert c.session.status is RunStatus.DIVERGED and c.history.count == 2
    assert predict.tally.count == 2
    assert predict.guess is None and predict.pending is None
    window.act_step.trigger()  # no new guess: no new run
    assert messages[-1] == NEED_GUESS
    assert c.session.status is RunStatus.DIVERGED and predict.tally.count == 2
