"""The loss curve ends at the run's last moment: its point at x = N (after the last epoch) is
the run's final loss, where the timeline's marker sits, for the current run (finished,
stopped, paused) and for kept runs."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train
from tests.ui.views.test_ui_timeline import run


def _last_point(item):
    xs, ys = item.getData()
    return float(xs[-1]), float(ys[-1])


def _exact_final_loss(d, w, b):
    x, y = d.x.astype(np.float64), d.y.astype(np.float64)
    return float(np.mean((w * x + b - y) ** 2))


def test_finished_and_kept_runs_end_at_their_final_loss(window, qtbot):
    c = window.controller
    config = TrainConfig(method="batch", impl="manual", learning_rate=0.01, epochs=30,
                         init_w=-1.0, init_b=1.0)
    run(window, qtbot, config, keep=True)
    s = c.current_summary
    records = list(train(c.dataset, config))
    assert len(records) == 30
    x, loss = _last_point(window.loss_plot.current)
    assert x == 30 and loss == s.loss
    assert loss == pytest.approx(_exact_final_loss(c.dataset, s.w, s.b), rel=1e-5)
    assert loss == pytest.approx(MSELandscape.from_dataset(c.dataset).loss(s.w, s.b),
                                 rel=1e-5)
    mx, my = window.line_views.timeline.marker.getData()  # the marker sits on the curve
    assert (float(mx[0]), float(my[0])) == (x, loss)
    kept = next(iter(window.loss_plot.kept.values()))
    assert _last_point(kept) == (30.0, s.loss)
    assert len(kept.getData()[0]) == 31


def test_paused_run_ends_at_the_loss_after_its_last_epoch(window, qtbot):
    c = window.controller
    window.speed.setCurrentIndex(window.speed.count() - 1)  # slow enough to pause
    config = TrainConfig(method="batch", impl="manual", learning_rate=0.01, epochs=500,
                         init_w=-1.0, init_b=1.0)
    assert c.train(config)
    qtbot.waitUntil(lambda: c.history.count >= 2, timeout=20_000)
    with qtbot.waitSignal(c.runStateChanged, timeout=10_000):
        c.pause()
    qtbot.waitUntil(lambda: c.state == "paused", timeout=10_000)
    window.line_views.timeline.refresh()
    n = c.history.count
    x, loss = _last_point(window.loss_plot.current)
    w, b = float(c.history.w[-1]), float(c.history.b[-1])
    assert x == n
    assert loss == pytest.approx(_exact_final_loss(c.dataset, w, b), rel=1e-9)
    mx, my = window.line_views.timeline.marker.getData()
    assert (float(mx[0]), float(my[0])) == (x, loss)
    with qtbot.waitSignal(c.runFinished, timeout=10_000):
        c.stop()
