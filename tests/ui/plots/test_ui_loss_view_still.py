"""The loss plot holds still when a run ends: the view a run is drawn in (x from 0 to its
last moment, y from 0 up, the same padding on every side) is the one fitted after it, so the
curve's flat tail and the timeline's marker are never half under the x axis; and the x axis of
a live run reaches to the end of the longest kept curve shown."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from gdstudio.ui.plots.loss_plot import LossPlot


def _shown(qtbot) -> LossPlot:
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


def _settled(plot):
    plot.getViewBox().updateAutoRange()  # (as the next paint does)
    return plot.getViewBox().viewRange()


def _losses(epochs: int) -> np.ndarray:
    return 600.0 * 0.5 ** np.arange(epochs, dtype=np.float64) + 0.17


@pytest.mark.parametrize("log", [False, True])
def test_the_view_of_a_run_is_the_view_after_it(qtbot, log):
    plot = _shown(qtbot)
    plot.set_log(log)
    epochs = 20
    loss = _losses(epochs + 1)
    plot.begin_run(epochs)
    for n in range(1, epochs + 1):
        plot.set_current(loss[:n])
    plot.set_current(loss[:epochs], end=float(loss[epochs]))  # the run's last moment
    live = _settled(plot)
    plot.end_run()
    after = _settled(plot)
    np.testing.assert_allclose(live, after, rtol=1e-9, atol=1e-9)
    (x0, x1), (y0, y1) = live
    assert x0 < 0 < epochs < x1  # the first and last moments inside, not on the edges
    bottom = np.log10(loss.min()) if log else 0.0
    assert y0 < bottom  # padded below: the tail and the marker stand above the axis
    assert y1 > (np.log10(loss.max()) if log else loss.max())


def test_a_live_run_shows_the_whole_of_a_longer_kept_curve(qtbot):
    plot = _shown(qtbot)
    kept = _losses(31)
    run = SimpleNamespace(key=1, loss=kept[:30], color="#1f77b4", stale=False, visible=True,
                          summary=SimpleNamespace(loss=float(kept[30])))
    plot.sync_kept([run])
    xs, _ = plot.kept[1].getData()
    assert xs[-1] == 30  # the kept curve ends after its 30th epoch
    plot.begin_run(10)
    plot.set_current(_losses(3))
    (x0, x1), _ = _settled(plot)
    assert x0 < 0 and x1 > 30
