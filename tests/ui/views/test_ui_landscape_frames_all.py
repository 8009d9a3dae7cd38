"""The landscape frames what it draws and draws the run on top: the first frame holds the
start, the optimum and the dashed preview of the run; a new run's frame holds the kept runs'
paths shown too; and once a run has ended its path is not covered by the preview of the same
run (the preview lies below the current path, and is not drawn while it is the run on screen:
it comes back when the start or the settings change, or on Reset)."""

from __future__ import annotations

import numpy as np

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.settings.config import TrainConfig


def _data() -> Dataset:
    """x in [-5, 5], about y = -5x: batch descent is stable below lr ≈ 0.12."""
    x = np.linspace(-5.0, 5.0, 100)
    return Dataset(x, -5.0 * x + 0.3 * np.sin(5.0 * x))


def _outside(window, points) -> np.ndarray:
    (w0, w1), (b0, b1) = window.landscape_plot.getViewBox().viewRange()
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    inside = (w0 <= p[:, 0]) & (p[:, 0] <= w1) & (b0 <= p[:, 1]) & (p[:, 1] <= b1)
    return p[~inside]


def _preview(window) -> np.ndarray:
    xs, ys = window.landscape_plot.preview.getData()
    return np.empty((0, 2)) if xs is None else np.column_stack([xs, ys])


def _optimum(window):
    return MSELandscape.from_dataset(window.controller.dataset).optimum


def _train(window, qtbot, config) -> None:
    window.panel.set_config(config)
    with qtbot.waitSignal(window.controller.runFinished, timeout=60_000):
        assert window.controller.train()


ZIGZAG = TrainConfig(method="batch", impl="analytic", learning_rate=0.115, epochs=20,
                     init_w=-10.0, init_b=-20.0)


def test_the_first_frame_holds_the_start_the_optimum_and_the_preview(window, qtbot):
    c = window.controller
    window.panel.set_config(ZIGZAG)
    c.replace_data(_data(), "test data")  # (as at launch: the settings, then the data)
    preview = _preview(window)
    assert len(preview) > 20  # the zigzag of the first updates, far right of the optimum
    assert preview[:, 0].max() > _optimum(window)[0] + 3
    assert not len(_outside(window, [(-10.0, -20.0), _optimum(window)]))
    assert not len(_outside(window, preview)), window.landscape_plot.getViewBox().viewRange()


def test_a_new_runs_frame_holds_the_kept_paths_shown(window, qtbot):
    c = window.controller
    c.replace_data(_data(), "test data")
    _train(window, qtbot, ZIGZAG)
    assert c.keep_run()
    kept = window.landscape_view.kept_path(c.kept_runs[0].key)
    assert kept[:, 0].max() > _optimum(window)[0] + 3
    _train(window, qtbot, ZIGZAG.replace(learning_rate=0.01, init_w=-4.0, init_b=-1.0))
    assert not len(_outside(window, kept)), window.landscape_plot.getViewBox().viewRange()
    h = c.session.history
    assert not len(_outside(window, np.column_stack([h.w, h.b])))


def test_a_finished_run_is_not_covered_by_its_own_preview(window, qtbot):
    c, plot = window.controller, window.landscape_plot
    c.replace_data(_data(), "test data")
    config = TrainConfig(method="sgd", impl="analytic", learning_rate=0.02, epochs=3,
                         init_w=-10.0, init_b=-20.0, shuffle=True, seed=4)
    window.panel.set_config(config)
    qtbot.waitUntil(lambda: len(_preview(window)) > 0, timeout=10_000)
    _train(window, qtbot, config)
    assert plot.preview.zValue() < min(item.zValue() for item in plot.path.items())
    assert not len(_preview(window))  # the run on screen is what it previewed
    window.panel.set_config(config.replace(learning_rate=0.01))  # the next run's preview
    qtbot.waitUntil(lambda: len(_preview(window)) > 0, timeout=10_000)
    window.panel.set_config(config)
    qtbot.waitUntil(lambda: not len(_preview(window)), timeout=10_000)
    c.reset()  # no run on screen: the preview of the next one is drawn
    qtbot.waitUntil(lambda: len(_preview(window)) > 0, timeout=10_000)
