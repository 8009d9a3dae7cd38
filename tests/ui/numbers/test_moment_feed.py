"""The controller's one shown moment (no window): paused, it is the history's newest row and
the exact loss of that line; inside a long epoch, the place the run reported; ended, the
run's own result; reset, no run. Every announcement names a moment the run has reached."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.data.dataset import random_line
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.studio.controller import StudioController


@pytest.fixture
def controller(qtbot):
    c = StudioController()
    yield c
    c.shutdown(5000)


def brute_mse(c, w: float, b: float) -> float:
    x = np.asarray(c.dataset.x, np.float64)
    y = np.asarray(c.dataset.y, np.float64)
    return float(np.mean((y - (w * x + b)) ** 2))


def test_a_paused_run_shows_its_newest_epoch_and_the_end_its_result(qtbot, controller):
    c = controller
    c.set_settings(TrainConfig(learning_rate=0.01, epochs=5))
    announced = []
    c.momentShown.connect(announced.append)
    with qtbot.waitSignal(c.session.pauseReached, timeout=20_000):
        c.step()  # one epoch, then paused
    shown, h = c.shown_moment, c.history
    assert announced[-1] is shown
    assert (shown.epochs, shown.total, shown.active, shown.position) == (1, 5, True, None)
    assert (shown.last.w, shown.last.b) == (float(h.w[0]), float(h.b[0]))
    assert shown.last.loss == pytest.approx(brute_mse(c, h.w[0], h.b[0]), rel=1e-12)
    assert shown.last.text().startswith("after 1 epoch: ")
    with qtbot.waitSignal(c.runFinished, timeout=20_000):
        c.train()  # resume, to the end
    shown, s = c.shown_moment, c.current_summary
    assert (shown.epochs, shown.active, shown.summary) == (5, False, s)
    assert (shown.last.w, shown.last.b, shown.last.loss) == (s.w, s.b, s.loss)
    # every announcement named a moment the history had reached, in order
    epochs = [m.epochs for m in announced if m.last is not None]
    assert epochs == sorted(epochs) and epochs[-1] == 5
    with qtbot.waitSignal(c.runReset):
        c.reset()
    assert c.shown_moment.last is None and announced[-1].last is None


def test_inside_a_long_epoch_the_moment_is_the_place_reported(qtbot, controller):
    c = controller
    assert c.replace_data(random_line(200_000, seed=1), "big")
    c.set_settings(TrainConfig(method="sgd", learning_rate=1e-4, epochs=3))
    with qtbot.waitSignal(c.epochProgressed, timeout=20_000):
        assert c.train()
    with qtbot.waitSignal(c.session.pauseReached, timeout=20_000):
        c.pause()
    shown, where = c.shown_moment, c.session.position
    assert where is not None and shown.position == where
    assert shown.epochs == where.epoch == c.history.count
    assert (shown.last.w, shown.last.b) == (where.w, where.b)
    assert shown.last.updates == (where.done, where.total)
    assert shown.last.text().startswith(
        f"in epoch {where.epoch + 1:,}, update {where.done:,}/{where.total:,}: ")
    with qtbot.waitSignal(c.runFinished, timeout=20_000):
        c.stop()
    shown = c.shown_moment
    assert shown.partial == c.current_summary.partial
    assert shown.last.stopped_in == shown.partial.epoch + 1
