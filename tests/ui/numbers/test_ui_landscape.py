"""The landscape view and its model: what is drawn equals the exact landscape, clicks ask
for a start, point edits redraw at once and the exact rebuild (or the sampled MAE grid)
follows off the GUI thread."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.ui.numbers.landscape_model import COARSE_SHAPE, FINE_SHAPE, SYNC_LIMIT, LandscapeModel
from gdstudio.ui.plots.landscape_plot import LandscapePlot
from tests.qt_helpers import click, data_to_viewport, drag


@pytest.fixture
def model():
    m = LandscapeModel()
    yield m
    assert m.shutdown()


@pytest.fixture
def plot(qtbot, model):
    p = LandscapePlot()
    qtbot.addWidget(p)
    model.landscapeChanged.connect(p.set_frame)
    p.resize(640, 520)
    p.show()
    qtbot.waitExposed(p)
    return p


def _line(n, seed=0):
    rng = np.random.default_rng(seed)
    x = np.linspace(-5.0, 5.0, n)
    return Dataset(x, -5.0 * x + 1.0 + rng.normal(0.0, 0.4, n))


def _moved(data, i, new):
    x, y = np.array(data.x), np.array(data.y)
    old = (float(x[i]), float(y[i]))
    x[i], y[i] = new
    return old, Dataset(x, y)


def _drawn(item) -> int:
    x = item.getData()[0]
    return 0 if x is None else len(x)


def test_the_image_is_the_exact_landscape_over_the_fitted_ranges(plot, model):
    data = noisy_line()
    model.set_start(-10.0, -20.0)
    model.data_replaced(data)
    frame = plot.frame
    land = MSELandscape.from_dataset(data)
    (w0, w1), (b0, b1) = frame.w_range, frame.b_range
    assert w0 < -10.0 < w1 and b0 < -20.0 < b1  # the start and the optimum are in view
    w_opt, b_opt = land.optimum
    assert w0 < w_opt < w1 and b0 < b_opt < b1
    image = plot.image.image  # what the ImageItem holds, indexed [w, b]
    np.testing.assert_array_equal(image, land.grid(frame.w_range, frame.b_range, image.shape))
    rect = plot.image.mapRectToParent(plot.image.boundingRect())
    dw = (w1 - w0) / (image.shape[0] - 1)
    assert rect.left() == pytest.approx(w0 - dw / 2) and rect.width() == pytest.approx(
        dw * image.shape[0])
    vx, vy = plot.getViewBox().viewRange()
    assert vx == pytest.approx([w0, w1]) and vy == pytest.approx([b0, b1])


def test_contours_are_at_log_spaced_losses_and_the_optimum_is_marked(plot, model):
    data = noisy_line()
    model.set_start(-10.0, -20.0)
    model.data_replaced(data)
    land = MSELandscape.from_dataset(data)
    xs, ys = plot.contours.getData()
    assert len(xs) > 100
    on = land.log10_loss(xs, ys)  # the loss where the lines are drawn
    levels = plot.frame.levels
    nearest = np.argmin(np.abs(on[:, None] - levels[None, :]), axis=1)
    assert np.max(np.abs(on - levels[nearest])) < 0.02
    assert len(set(nearest.tolist())) >= 10  # most levels cross the view
    ratios = np.diff(np.log10(10.0 ** levels))
    assert np.allclose(ratios, ratios[0])  # L at a constant ratio from line to line
    ox, oy = plot.optimum.getData()
    assert (ox[0], oy[0]) == land.optimum


def test_a_valley_is_drawn_instead_of_a_point_when_every_x_is_equal(plot, model):
    model.data_replaced(Dataset(np.array([2.0, 2.0]), np.array([1.0, 5.0])))
    assert len(plot.optimum.getData()[0]) == 0
    w, b = plot.valley.getData()
    np.testing.assert_allclose(b + 2.0 * w, 3.0)
    assert "valley" in plot.valley_label.toPlainText()


def test_curvature_overlay_shows_the_condition_number(plot, model):
    model.data_replaced(noisy_line())
    assert not plot.condition_text.isVisible()
    plot.curvature_action.setChecked(True)
    kappa = MSELandscape.from_dataset(noisy_line()).condition_number()
    assert plot.condition_text.isVisible()
    assert f"{kappa:.4g}" in plot.condition_text.toPlainText()
    for line, vector in zip(plot.eigen_lines, plot.frame.eigenvectors.T, strict=True):
        w, b = line.getData()
        direction = np.array([w[1] - w[0], b[1] - b[0]])
        u = direction / np.linalg.norm(direction)
        assert abs(u[0] * vector[1] - u[1] * vector[0]) < 1e-9  # parallel


def test_clicking_asks_for_the_start_at_the_clicked_w_and_b(plot, model, qtbot):
    model.set_start(-10.0, -20.0)
    model.data_replaced(noisy_line())
    target = (-7.0, -12.0)
    pos = data_to_viewport(plot, *target)
    with qtbot.waitSignal(plot.startRequested) as blocker:
        click(plot, pos)
    w, b = blocker.args
    px, py = plot.getViewBox().viewPixelSize()
    assert abs(w - target[0]) <= 1.5 * px and abs(b - target[1]) <= 1.5 * py


def test_dragging_asks_for_the_start_on_every_move(plot, model, qtbot):
    model.set_start(-10.0, -20.0)
    model.data_replaced(noisy_line())
    plot.startRequested.connect(plot.set_start)  # as the controller will answer
    asked = []
    plot.startRequested.connect(lambda w, b: asked.append((w, b)))
    drag(plot, data_to_viewport(plot, -10.0, -20.0), data_to_viewport(plot, -4.0, -5.0),
         steps=8)
    assert len(asked) >= 8
    px, py = plot.getViewBox().viewPixelSize()
    assert abs(asked[-1][0] + 4.0) <= 1.5 * px and abs(asked[-1][1] + 5.0) <= 1.5 * py
    sx, sy = plot.start.getData()
    assert (sx[0], sy[0]) == asked[-1]


def test_paths_and_markers_are_drawn_and_kept_runs_come_and_go(plot):
    path = np.column_stack([np.linspace(0, 1, 3000), np.linspace(1, 0, 3000)])
    plot.set_path(path)
    np.testing.assert_array_equal(np.column_stack(plot.path.getData()), path)
    plot.set_path(path[:10])
    assert len(plot.path.getData()[0]) == 10
    plot.add_kept("a", path[::2], 0, "batch")
    plot.add_kept("b", path[::3], 1, "stochastic")
    plot.set_kept_visible("a", False)
    assert not plot.kept["a"].isVisible() and plot.kept["b"].isVisible()
    plot.remove_kept("a")
    assert list(plot.kept) == ["b"]
    plot.set_preview(path[:5])
    assert len(plot.preview.getData()[0]) == 5
    plot.set_preview(None)
    assert _drawn(plot.preview) == 0
    plot.set_moment((0.5, 0.5))
    assert plot.moment.getData()[0][0] == 0.5


def test_a_moved_point_redraws_at_once_then_the_exact_rebuild_replaces_it(model, qtbot):
    data = _line(SYNC_LIMIT + 5000)  # rebuilt on a helper thread
    with qtbot.waitSignal(model.landscapeChanged, timeout=10_000):
        model.data_replaced(data)
    frames = []
    model.landscapeChanged.connect(frames.append)
    old, moved = _moved(data, 123, (4.0, 60.0))
    model.point_moved(old, (4.0, 60.0), dataset=moved)
    assert len(frames) == 1 and not frames[0].exact  # drawn before any event is processed
    exact = MSELandscape.from_dataset(moved)
    updated = model.landscape
    w = np.linspace(-8.0, 3.0, 7)[:, None]
    b = np.linspace(-4.0, 6.0, 7)[None, :]
    np.testing.assert_allclose(updated.loss(w, b), exact.loss(w, b), rtol=1e-8)
    np.testing.assert_allclose(updated.optimum, exact.optimum, rtol=1e-8, atol=1e-8)
    with qtbot.waitSignal(model.landscapeChanged, timeout=10_000,
                          check_params_cb=lambda f: f.exact):
        pass
    assert model.landscape == exact  # the exact rebuild replaced the updated landscape
    np.testing.assert_array_equal(model.frame.values, exact.grid(
        model.w_range, model.b_range, model.frame.shape))


def test_a_rebuild_of_data_edited_since_is_dropped(model, qtbot):
    data = _line(SYNC_LIMIT + 5000, seed=1)
    with qtbot.waitSignal(model.landscapeChanged, timeout=10_000):
        model.data_replaced(data)
    old1, first = _moved(data, 10, (0.0, 500.0))
    _, second = _moved(data, 10, (0.0, -500.0))  # the same point, moved on
    frames = []
    model.landscapeChanged.connect(frames.append)
    model.point_moved(old1, (0.0, 500.0), dataset=first)
    model.point_moved((0.0, 500.0), (0.0, -500.0), dataset=second)
    qtbot.waitUntil(lambda: not model.busy and any(f.exact for f in frames), timeout=10_000)
    exact_first = MSELandscape.from_dataset(first)
    exact_second = MSELandscape.from_dataset(second)
    assert exact_first.optimum != exact_second.optimum
    exact_frames = [f for f in frames if f.exact]
    assert exact_frames  # the rebuild of `first` arrived after `second`: dropped
    assert all(f.optimum == exact_second.optimum for f in exact_frames)
    assert model.landscape == exact_second


def test_mae_arrives_coarse_then_fine_while_the_window_keeps_running(model, qtbot):
    data = _line(60_000, seed=2)
    model.set_loss("mae")
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    frames = []
    model.landscapeChanged.connect(frames.append)
    model.data_replaced(data)
    qtbot.waitUntil(lambda: any(f.shape == FINE_SHAPE for f in frames), timeout=60_000)
    timer.stop()
    shapes = [f.shape for f in frames]
    assert shapes[0] == COARSE_SHAPE and shapes[-1] == FINE_SHAPE
    assert len(ticks) >= 5  # the GUI thread kept serving its timer meanwhile
    fine = frames[-1]
    assert fine.loss == "mae" and fine.exact and fine.optimum is not None


def test_an_outdated_mae_grid_is_dropped(model, qtbot):
    data = _line(30_000, seed=3)
    model.set_loss("huber", huber_delta=0.5)
    with qtbot.waitSignal(model.landscapeChanged, timeout=30_000):
        model.data_replaced(data, fit=False)
    qtbot.waitUntil(lambda: not model.busy, timeout=60_000)
    frames = []
    model.landscapeChanged.connect(frames.append)
    model.set_ranges((-9.0, 0.0), (-3.0, 3.0))
    model.set_ranges((-6.0, -4.0), (0.0, 2.0))  # before the first grid is done
    qtbot.waitUntil(lambda: any(f.shape == FINE_SHAPE for f in frames), timeout=60_000)
    qtbot.waitUntil(lambda: not model.busy, timeout=60_000)
    assert frames and all(f.w_range == (-6.0, -4.0) for f in frames)


def test_a_finished_grid_that_arrives_after_a_newer_request_is_dropped(model, qtbot):
    data = _line(5_000, seed=4)
    model.set_loss("mae")
    model.data_replaced(data, fit=False)
    qtbot.waitUntil(lambda: not model.busy, timeout=60_000)
    frames = []
    model.landscapeChanged.connect(frames.append)
    model.set_ranges((-9.0, 0.0), (-3.0, 3.0))
    assert model.wait(60_000)  # both grids are done, their results not yet delivered
    model.set_ranges((-6.0, -4.0), (0.0, 2.0))
    qtbot.waitUntil(lambda: any(f.shape == FINE_SHAPE for f in frames), timeout=60_000)
    qtbot.waitUntil(lambda: not model.busy, timeout=60_000)
    assert frames and all(f.w_range == (-6.0, -4.0) for f in frames)


@pytest.mark.parametrize("kind", ["mae", "huber"])
def test_large_data_replaced_without_a_refit_redraws_mae_and_huber(model, qtbot, kind):
    """More than SYNC_LIMIT points, MAE or Huber, data replaced without re-fitting the view
    (several points deleted, undo, redo): the grid is of the new data. It stayed the old
    data's (the exact rebuild redrew the MSE only)."""
    from gdstudio.core.models.line.landscape_robust import robust_grid

    n = 2 * SYNC_LIMIT + 10
    data = _line(n)
    model.set_loss(kind)
    model.data_replaced(data)
    qtbot.waitUntil(lambda: not model.busy and model.frame is not None and model.frame.exact,
                    timeout=60_000)
    old = model.frame
    keep = np.arange(n) >= SYNC_LIMIT // 2
    changed = Dataset(np.asarray(data.x)[keep], 3.0 * np.asarray(data.y)[keep] + 50.0)
    model.data_replaced(changed, fit=False)
    qtbot.waitUntil(lambda: not model.busy and model.frame is not old and model.frame.exact,
                    timeout=60_000)
    frame = model.frame
    expected = robust_grid(changed.x, changed.y, kind, frame.w_range, frame.b_range,
                           frame.values.shape, 1.0, True)
    np.testing.assert_allclose(frame.values, expected, rtol=0, atol=1e-12)
