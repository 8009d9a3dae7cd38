"""A new start set after a run has ended (a click on the landscape): the readout names the
start now set ("next start …", the run on screen began elsewhere), and the run's path keeps
a ring of its own at the start it began from, while the start marker moves to the new one.
A new run from there is "start …" again, and Reset takes the old run's ring away."""

from __future__ import annotations

import numpy as np

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig


def _second_line(window) -> str:
    return window.readout.text().split("\n")[1].replace("\u00a0", " ")


def _marker(item):
    xs, ys = item.getData()
    return [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]


def test_a_start_clicked_after_a_run_is_named_and_the_old_path_keeps_its_start(window, qtbot):
    c, plot = window.controller, window.landscape_plot
    x = np.linspace(-5.0, 5.0, 50)
    c.replace_data(Dataset(x, -5.0 * x + np.sin(3.0 * x)), "test data")
    window.panel.set_config(TrainConfig(method="batch", impl="analytic", learning_rate=0.05,
                                        epochs=5, init_w=-10.0, init_b=-20.0))
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    assert _second_line(window).startswith("start w -10 b -20")
    assert _marker(plot.run_start) == [(-10.0, -20.0)]
    plot.startRequested.emit(-3.0, 2.0)  # a click on the landscape
    assert c.start_parameters() == (-3.0, 2.0)
    assert _marker(plot.start) == [(-3.0, 2.0)]
    assert _second_line(window).startswith("next start w -3 b 2"), _second_line(window)
    assert _marker(plot.run_start) == [(-10.0, -20.0)]  # the old path's own start
    assert len(plot.path.getData()[0]) == 6  # the old path stays, with its start
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    assert _second_line(window).startswith("start w -3 b 2"), _second_line(window)
    assert _marker(plot.run_start) == [(-3.0, 2.0)]
    c.reset()
    assert _marker(plot.run_start) == []
    assert _second_line(window).startswith("start w -3 b 2")
