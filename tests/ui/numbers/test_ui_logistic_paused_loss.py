"""A paused logistic run on large data shows the loss of the sigmoid it paused at (the
readout and the timeline said "loss —": the loss, not computed each frame while the run
goes, was not computed at the pause either)."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.ui.numbers.moment_feed import LIVE_ROBUST_POINTS
from gdstudio.ui.studio.controller import StudioController


@pytest.fixture
def controller(qtbot):
    c = StudioController()
    yield c
    c.shutdown(5000)


def test_a_paused_run_on_large_data_shows_its_cross_entropy(controller, qtbot):
    c = controller
    assert c.switch_model("logistic")
    rng = np.random.default_rng(4)
    n = LIVE_ROBUST_POINTS + 1_000
    x = rng.normal(0.0, 2.0, n)
    y = (x + rng.normal(0.0, 1.5, n) > 0.3).astype(np.float64)
    assert c.replace_data(Dataset(x, y), "large")
    c.set_settings(c.settings.replace(learning_rate=0.1, epochs=5, init_w=0.0, init_b=0.0))
    with qtbot.waitSignal(c.session.pauseReached, timeout=30_000):
        c.step()  # one epoch, then paused
    qtbot.waitUntil(lambda: c.shown_moment.epochs == 1 and not c.shown_moment.position,
                    timeout=10_000)
    shown = c.shown_moment
    assert shown.active and shown.loss_known
    w, b = shown.last.w, shown.last.b
    xs, ys = np.asarray(c.dataset.x, np.float64), np.asarray(c.dataset.y, np.float64)
    z = w * xs + b
    assert shown.last.loss == pytest.approx(float(np.mean(np.logaddexp(0.0, z) - ys * z)),
                                            rel=1e-6)
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        c.stop()
