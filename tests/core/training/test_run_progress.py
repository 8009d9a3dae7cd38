"""A Train press in the studio, and a long epoch seen from the studio.

- One Train press validates the settings once and draws the start once, and the start is
  the run's (``StudioController.run_start``).
- Stochastic descent on 200,000 points: progress arrives inside the first epoch; Pause
  takes effect between updates and shows the parameters as they are, exactly those of a
  plain loop run for that many updates; Stop keeps them (summary, status, parameters file);
  the window's fit line, readout and in-epoch progress bar show them.
"""

from __future__ import annotations

import sys

import pytest

import gdstudio.core.training.engine as engine
from gdstudio.core.data.dataset import random_line
from gdstudio.core.settings.config import TrainConfig, initial_parameters
from gdstudio.core.training.control import EpochProgress
from gdstudio.core.training.runstate import RunState, RunStatus
from gdstudio.ui.studio.controller import StudioController
from tests.core.training.test_lifecycle import torch_sgd

BIG = 200_000


@pytest.fixture
def controller(qtbot):
    c = StudioController()
    yield c
    c.shutdown(5000)


class Calls:
    """Counts TrainConfig.validate and initial_parameters calls, wherever they come from."""

    def __init__(self, monkeypatch):
        self.validate = self.start = 0
        validate, draw = TrainConfig.validate, engine.initial_parameters

        def counting_validate(config, dtype=None):
            self.validate += 1
            return validate(config, dtype)

        def counting_draw(*args, **kwargs):
            self.start += 1
            return draw(*args, **kwargs)

        monkeypatch.setattr(TrainConfig, "validate", counting_validate)
        for name, module in list(sys.modules.items()):
            if name.startswith("gdstudio") and getattr(module, "initial_parameters",
                                                       None) is draw:
                monkeypatch.setattr(module, "initial_parameters", counting_draw)


def status_starting(qtbot, c, words: str):
    return qtbot.waitSignal(c.statusReported, timeout=20_000,
                            check_params_cb=lambda text, ms: text.startswith(words))


def progress_in(qtbot, c, epoch: int):
    return qtbot.waitSignal(c.epochProgressed, timeout=20_000,
                            check_params_cb=lambda p: p.epoch == epoch)


# --------------------------------------------------------------------------- one press


def test_one_train_press_validates_once_and_draws_the_start_once(qtbot, controller,
                                                                   monkeypatch):
    c = controller
    config = TrainConfig(init_w=None, init_b=None, seed=11, epochs=5)
    c.set_settings(config)
    calls = Calls(monkeypatch)
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        assert c.train()
    assert (calls.validate, calls.start) == (1, 1)
    monkeypatch.undo()
    drawn = initial_parameters(config, c.dataset.dtype)
    assert c.run_start == drawn == (c.current_summary.init_w, c.current_summary.init_b)


def test_one_train_press_in_the_window(qtbot, window, monkeypatch):
    window.panel.epochs.setValue(5)
    calls = Calls(monkeypatch)
    with qtbot.waitSignal(window.controller.runFinished, timeout=30_000):
        window.act_train.trigger()
    assert (calls.validate, calls.start) == (1, 1)


# --------------------------------------------------------------------------- a long epoch


def test_pause_and_stop_inside_the_first_epoch(qtbot, controller, tmp_path):
    """Autograd stochastic descent: an epoch of 200,000 updates takes seconds."""
    c = controller
    assert c.replace_data(random_line(BIG, seed=1), "big")
    lr = 1e-4
    c.set_settings(TrainConfig(method="sgd", learning_rate=lr, epochs=3, init_w=-1.0,
                               init_b=1.0))
    with progress_in(qtbot, c, 0) as first:
        assert c.train()
    position = first.args[0]
    assert 0 < position.done < BIG and position.total == BIG and c.history.count == 0

    with status_starting(qtbot, c, "Paused in epoch 1 at update") as paused:
        c.pause()
    p = c.session.position
    assert c.state is RunState.PAUSED and p.epoch == 0 and p.done >= position.done
    assert paused.args[0] == (f"Paused in epoch 1 at update {p.done:,} of {BIG:,}: "
                              "F5 resumes, F10 steps.")
    assert (p.w, p.b) == torch_sgd(c.dataset, lr, -1.0, 1.0, p.done)  # as they are

    with qtbot.waitSignal(c.runFinished, timeout=20_000) as finished:
        c.stop()
    assert finished.args == [RunStatus.STOPPED, None]
    s = c.current_summary
    assert (s.w, s.b, s.epochs_done, s.partial) == (p.w, p.b, 0, p)  # nothing moved since
    params = tmp_path / "p.csv"
    assert c.export_parameters(str(params))
    header, row = (line.split(",") for line in params.read_text().splitlines())
    row = dict(zip(header, row, strict=True))
    assert (float(row["w"]), float(row["b"]), row["status"]) == (p.w, p.b, "stopped")


@pytest.mark.slow
def test_stop_inside_a_later_epoch_keeps_the_parameters_reached(qtbot, controller, tmp_path):
    """An epoch of 5,000 autograd updates lasts long enough to report progress inside it
    (PROGRESS_INTERVAL): stop in the second; the history holds the finished epochs, the
    summary the partial one."""
    c = controller
    n, lr = 5_000, 1e-4
    assert c.replace_data(random_line(n, seed=1), "big")
    c.set_settings(TrainConfig(method="sgd", learning_rate=lr, epochs=50, init_w=-1.0,
                               init_b=1.0))
    seen = []
    c.statusReported.connect(lambda text, ms: seen.append(text))
    with progress_in(qtbot, c, 1):
        assert c.train()
    with qtbot.waitSignal(c.runFinished, timeout=20_000):
        c.stop()
    s = c.current_summary
    p = s.partial
    assert p is not None and p.epoch == c.history.count >= 1 and 0 < p.done < n
    updates = p.epoch * n + p.done
    assert (s.w, s.b) == (p.w, p.b) == torch_sgd(c.dataset, lr, -1.0, 1.0, updates)
    assert seen[-1] == (f"Stopped in epoch {p.epoch + 1:,} after {p.done:,} of {n:,} "
                        f"updates: w={p.w:.6g}, b={p.b:.6g}, the parameters reached.")
    history = tmp_path / "h.csv"
    with qtbot.waitSignal(c.exports.historyExported, timeout=20_000):
        assert c.export_history(str(history))
    rows = history.read_text().splitlines()
    assert len(rows) == 1 + p.epoch  # the finished epochs only
    assert c.keep_run() and c.kept_runs[0].summary.partial == p


def test_the_window_shows_the_epoch_under_way(qtbot, window):
    c = window.controller
    assert c.replace_data(random_line(BIG, seed=1), "big")
    p = window.panel
    p.method.setCurrentIndex(p.method.findData("sgd"))
    p.learning_rate.setText("0.0001")
    p.epochs.setValue(3)
    with progress_in(qtbot, c, 0):
        window.act_train.trigger()
    bar = window.epoch_progress
    assert bar.isVisible() and bar.maximum() == BIG
    with qtbot.waitSignal(c.statusReported, timeout=20_000,
                          check_params_cb=lambda text, ms: text.startswith("Paused in")):
        window.act_pause.trigger()
    where: EpochProgress = c.session.position
    assert window.plot.fit == (where.w, where.b)
    assert bar.value() == where.done
    assert bar.text() == f"epoch 1: {where.done:,} / {BIG:,}"
    assert window.statusBar().currentMessage().startswith(
        f"Paused in epoch 1 at update {where.done:,} of {BIG:,}")
    assert f"{where.w:.6g}" in window.readout.text()
    with qtbot.waitSignal(c.runFinished, timeout=20_000):
        window.act_stop.trigger()
    assert window.plot.fit == (where.w, where.b)
    assert bar.text() == f"stopped in epoch 1: {where.done:,} / {BIG:,}"
    text = window.readout.text().replace("\u00a0", " ")
    assert f"stopped in epoch 1 after {where.done:,} of {BIG:,} updates:" in text


def test_a_pause_between_epochs_says_after_which(qtbot, controller):
    c = controller
    c.set_settings(TrainConfig(epochs=5))
    with status_starting(qtbot, c, "Paused") as paused:
        c.step()  # one epoch, then paused before the next
    assert paused.args[0] == "Paused after epoch 1: F5 resumes, F10 steps."
    assert c.session.position is None and c.history.count == 1
    with qtbot.waitSignal(c.runFinished, timeout=20_000):
        c.stop()
    assert c.current_summary.partial is None and c.current_summary.epochs_done == 1


def test_a_run_stopped_in_its_first_epoch_can_be_reset(qtbot, controller):
    c = controller
    assert c.replace_data(random_line(BIG, seed=1), "big")
    c.set_settings(TrainConfig(method="sgd", learning_rate=1e-4, epochs=3))
    with progress_in(qtbot, c, 0):
        assert c.train()
    with qtbot.waitSignal(c.runFinished, timeout=20_000):
        c.stop()
    assert c.history.count == 0 and c.current_summary.partial is not None
    assert c.enabled_actions()["reset"] and not c.enabled_actions()["keep"]
    with qtbot.waitSignal(c.runReset):
        c.reset()
    assert c.current_summary is None and c.session.position is None


@pytest.mark.parametrize("how", ["resume", "step"])
def test_moving_on_from_a_pause_in_the_first_epoch_says_the_run_moves(qtbot, controller, how):
    """F5 or F10 after a pause inside epoch 1: the status bar no longer says "Paused"."""
    c = controller
    assert c.replace_data(random_line(BIG, seed=1), "big")
    c.set_settings(TrainConfig(method="sgd", learning_rate=1e-4, epochs=3))
    with progress_in(qtbot, c, 0):
        assert c.train()
    with status_starting(qtbot, c, "Paused in epoch 1 at update"):
        c.pause()
    assert c.history.count == 0
    with status_starting(qtbot, c, "Training") as moving:
        c.train() if how == "resume" else c.step()
    assert c.state is RunState.RUNNING and moving.args[0] == "Training…"
    with qtbot.waitSignal(c.runFinished, timeout=20_000):
        c.stop()
