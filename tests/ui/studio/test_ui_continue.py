"""Continue, the stop rule and schedules in the studio: the controller with no window, then
the window's action and the learning-rate curve on the loss plot.

- Run ▸ Continue trains the epochs field's number of epochs more from where the run ended:
  10 + 10 equals a run of 20, bitwise, history and landscape path alike;
- it refuses, with a message that says why, after a data edit, a settings change, a
  divergence or with no run; the tolerance may change (it applies from then on);
- a converged run says where and why in the status bar.
"""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.schedule import lr_curve
from gdstudio.core.training.runstate import RunStatus
from gdstudio.ui.studio.controller import StudioController
from tests.ui.studio.test_controller import Recorder, controller  # noqa: F401  (a fixture)


def finish(qtbot, c: StudioController, start) -> tuple:
    with qtbot.waitSignal(c.runFinished, timeout=60_000) as finished:
        assert start()
    return finished.args


def arrays(c: StudioController):
    h = c.session.history
    path = None if c.session.path is None else np.array(c.session.path)
    return h.loss.copy(), h.w.copy(), h.b.copy(), path


CONFIGS = [
    TrainConfig(method="batch", impl="manual", epochs=10, learning_rate=0.01,
                lr_schedule="step", lr_step_size=3, lr_gamma=0.7),
    TrainConfig(method="sgd", impl="analytic", epochs=10, learning_rate=0.001, shuffle=True,
                seed=3),
    TrainConfig(method="minibatch", impl="module", optimizer="adam", batch_size=7,
                epochs=10, learning_rate=0.05, shuffle=True, seed=9,
                lr_schedule="exponential", lr_gamma=0.9),
    TrainConfig(method="minibatch", impl="module", optimizer="sgd", momentum=0.9,
                batch_size=16, epochs=10, learning_rate=0.001, shuffle=True, seed=1),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.method}-{c.impl}-{c.optimizer}")
def test_continue_ten_after_ten_is_the_run_of_twenty(qtbot, controller, config):  # noqa: F811
    c = controller
    c.set_settings(config.replace(epochs=20))
    finish(qtbot, c, c.train)
    whole = arrays(c)
    c.reset()
    c.set_settings(config)
    assert finish(qtbot, c, c.train)[0] is RunStatus.DONE
    assert c.enabled_actions()["continue"]
    assert finish(qtbot, c, lambda: c.continue_run(10))[0] is RunStatus.DONE
    got = arrays(c)
    for a, b in zip(got[:3], whole[:3], strict=True):
        np.testing.assert_array_equal(a, b)
    if whole[3] is not None:
        np.testing.assert_array_equal(got[3], whole[3])  # the landscape path goes on
    assert c.history.count == 20 and c.session.config.epochs == 20
    assert c.current_summary.epochs_done == 20
    assert c.keep_run() and len(c.kept_runs[0].loss) == 20


def test_continue_uses_the_epochs_field_and_announces_it(qtbot, controller):  # noqa: F811
    c = controller
    rec = Recorder(c)
    continued = []
    c.runContinued.connect(continued.append)
    c.set_settings(TrainConfig(epochs=5))
    finish(qtbot, c, c.train)
    c.set_settings(TrainConfig(epochs=7))  # the epochs field: how many more
    finish(qtbot, c, c.continue_run)
    assert c.history.count == 12 and [k.epochs for k in continued] == [12]
    assert any(s.startswith("Continuing for 7 more epochs (to 12)") for s in rec.status)
    assert [r.epoch for r in c.history.records()] == list(range(12))  # the epochs go on


def test_continue_refuses_with_a_reason(qtbot, controller):  # noqa: F811
    c = controller
    rec = Recorder(c)
    assert not c.enabled_actions()["continue"]
    assert not c.continue_run(5)
    assert rec.messages[-1][:2] == ("Cannot continue", "No run to continue: train one first "
                                                        "(F5).")
    config = TrainConfig(epochs=3)
    c.set_settings(config)
    finish(qtbot, c, c.train)
    c.set_settings(config.replace(learning_rate=0.05, loss="mae"))
    assert not c.continue_run(5)
    assert rec.messages[-1][1].startswith("The settings have changed since this run (loss, "
                                          "learning rate)")
    c.set_settings(config.replace(tol=1e-3, epochs=9))  # the tolerance and epochs may change
    assert c.continue_problem() is None
    assert c.add_point(1.0, 2.0)
    assert not c.continue_run(5)
    assert "The data has changed since this run" in rec.messages[-1][1]
    assert c.history.count == 3  # nothing ran
    c.undo()
    assert c.continue_problem() is None

    c.set_settings(TrainConfig(learning_rate=1.0, epochs=200))
    assert finish(qtbot, c, c.train)[0] is RunStatus.DIVERGED
    assert not c.enabled_actions()["continue"]
    assert not c.continue_run(5)
    assert rec.messages[-1][1].startswith("A diverged run cannot be continued")


def test_a_converged_run_says_where_and_why(qtbot, controller):  # noqa: F811
    c = controller
    rec = Recorder(c)
    c.set_settings(TrainConfig(epochs=5000, tol=1e-7))
    assert finish(qtbot, c, c.train)[0] is RunStatus.CONVERGED
    stop = c.session.run.converged
    assert rec.status[-1] == (f"Converged at epoch {stop.epoch + 1:,}: relative loss change "
                              f"{stop.value:.2g} < tol 1e-07. Ctrl+K keeps the run; Ctrl+F5 "
                              "continues it.")
    assert c.history.count == stop.epoch + 1
    assert c.current_summary.status == "converged" and c.current_summary.stop == stop
    assert c.enabled_actions()["continue"]


def test_the_window_continues_with_ctrl_f5_and_draws_the_learning_rate(qtbot, window,
                                                                       tmp_path):
    w = window
    assert w.act_continue.shortcut().toString() == "Ctrl+F5"
    assert not w.act_continue.isEnabled()
    assert not w.training_extras.lr_overlay.shown
    w.panel.lr_schedule.setCurrentIndex(w.panel.lr_schedule.findData("step"))
    w.panel.lr_step_size.setValue(4)
    w.panel.lr_gamma.setText("0.5")
    w.panel.epochs.setValue(10)
    with qtbot.waitSignal(w.controller.runFinished, timeout=60_000):
        w.act_train.trigger()
    overlay = w.training_extras.lr_overlay
    assert overlay.shown
    xs, ys = overlay.lr_data()
    expected = lr_curve(w.controller.session.config, 10)
    np.testing.assert_array_equal(xs, expected[0])
    np.testing.assert_array_equal(ys, expected[1])
    assert ys.tolist() == [0.1, 0.05, 0.025]
    assert w.act_continue.isEnabled()
    with qtbot.waitSignal(w.controller.runFinished, timeout=60_000):
        w.act_continue.trigger()
    assert w.controller.history.count == 20
    assert overlay.lr_data()[1].tolist() == [0.1, 0.05, 0.025, 0.0125, 0.00625]
    assert w.progress.value() == 20 and w.progress.maximum() == 20
    # the 20 epochs' losses (x = 0 … 19) and the final moment's, after epoch 20
    assert w.loss_plot.current.getData()[0].tolist() == list(range(21))
    w.act_reset.trigger()
    assert not overlay.shown


def test_the_stop_rule_and_schedule_fields_explain_themselves(window):
    panel = window.panel
    tip = panel.form.labelForField(panel.rows["tol"]).toolTip()
    assert "relative change of the full-data loss" in tip and "gradient" in tip
    assert "StepLR" in panel.form.labelForField(panel.rows["lr_step_size"]).toolTip()
