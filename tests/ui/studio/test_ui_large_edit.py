"""An edit of one point of large data (add, move, delete) costs the window no pass over the
data on the GUI thread: the least-squares line and the step-size guide are estimated from
the landscape's O(1) moments and computed exactly on a helper thread, and the scatter's
coordinates are written in place. Once the edit has settled the numbers shown are exact."""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.optimum import closed_form
from gdstudio.core.models.line.stepsize import step_guide
from gdstudio.core.settings.config import TrainConfig

N = 25_000  # above the size whose numbers are computed at once


def _data(n=N, seed=3, offset=0.0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 7, n) + offset
    return Dataset(x, 2.5 * x - 4.0 + rng.normal(0, 1.5, n))


def _exact_lsq(d: Dataset) -> tuple[Fraction, Fraction]:
    """The least-squares line in exact rational arithmetic."""
    xs = [Fraction(float(v)) for v in d.x]
    ys = [Fraction(float(v)) for v in d.y]
    n = len(xs)
    sx, sy = sum(xs), sum(ys)
    sxx = sum(v * v for v in xs)
    sxy = sum(a * b for a, b in zip(xs, ys, strict=True))
    w = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    return w, (sy - w * sx) / n


def _edit(c, kind):
    if kind == "move":
        return c.move_point(5, 1.25, 2.5)
    if kind == "add":
        return c.add_point(9.5, 30.0)
    return c.delete_points((11,))


@pytest.fixture
def gui_passes(monkeypatch):
    """The passes over the data made on the GUI thread (least squares, step guides)."""
    import gdstudio.core.models.line.stepsize as stepsize
    import gdstudio.ui.numbers.shown_numbers as numbers_view

    calls: list[str] = []
    main = threading.main_thread()

    def spy(name, function):
        def wrapper(*args, **kwargs):
            if threading.current_thread() is main:
                calls.append(name)
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(numbers_view, "closed_form", spy("closed_form",
                                                         numbers_view.closed_form))
    monkeypatch.setattr(stepsize, "_curvature", spy("_curvature", stepsize._curvature))
    monkeypatch.setattr(stepsize, "_scale_problem", spy("_scale_problem",
                                                        stepsize._scale_problem))
    return calls


@pytest.mark.parametrize("kind", ["move", "add", "delete"])
def test_edit_of_one_point_estimates_then_shows_exact_numbers(qtbot, gui_passes, kind):
    from gdstudio.ui.studio.controller import StudioController

    c = StudioController(_data())
    qtbot.waitUntil(lambda: not c.landscape_model.busy)  # its moments are in
    config = TrainConfig(method="batch", impl="analytic", learning_rate=0.01)
    c.set_settings(config)
    c.numbers.guide(config)  # as the settings panel asks
    gui_passes.clear()
    with qtbot.waitSignal(c.optimumChanged):
        assert _edit(c, kind)
    assert gui_passes == [], gui_passes
    d = c.dataset
    assert c.numbers_estimated
    estimate = c.numbers.optimum
    w, b = _exact_lsq(d)
    assert estimate.w == pytest.approx(float(w), rel=1e-12)
    assert estimate.b == pytest.approx(float(b), rel=1e-12)
    estimated_limit = c.numbers.guide(config).limit  # the panel asks again
    assert gui_passes == [], gui_passes
    assert estimated_limit == pytest.approx(step_guide(d, config).limit, rel=1e-12)
    qtbot.waitUntil(lambda: not c.numbers_estimated, timeout=20_000)
    exact = c.numbers.optimum
    assert exact == closed_form(d)
    assert abs(Fraction(exact.w) - w) <= abs(w) * Fraction(1, 2**50)
    assert abs(Fraction(exact.b) - b) <= abs(b) * Fraction(1, 2**50)
    assert c.numbers.line == (exact.w, exact.b)
    for cfg in (config, config.replace(method="sgd"),
                config.replace(method="minibatch", batch_size=64)):
        assert c.numbers.guide(cfg) == step_guide(d, cfg)
    c.shutdown()


def test_estimate_on_offset_data_and_many_drags_settle_on_the_last(qtbot):
    from gdstudio.ui.studio.controller import StudioController

    c = StudioController(_data(offset=1.7e9))  # edited before its moments are in
    for k in range(6):
        assert c.move_point(100 + k, 1.7e9 + k, 4.25e9 + k)
    assert c.numbers_estimated
    qtbot.waitUntil(lambda: not c.numbers_estimated, timeout=20_000)
    w, b = _exact_lsq(c.dataset)
    assert c.numbers.optimum == closed_form(c.dataset)
    assert float(w) == pytest.approx(c.numbers.optimum.w, rel=1e-9)
    assert float(b) == pytest.approx(c.numbers.optimum.b, rel=1e-9)
    c.shutdown()


def test_loss_switch_while_estimated_still_settles_exact(qtbot):
    from gdstudio.ui.studio.controller import StudioController

    c = StudioController(_data())
    assert c.move_point(3, 0.5, 0.5)
    c.set_settings(TrainConfig(loss="huber"))
    qtbot.waitUntil(lambda: not c.numbers_estimated, timeout=20_000)
    assert c.optima[1] == closed_form(c.dataset)
    c.shutdown()


@pytest.mark.parametrize("kind", ["move", "add", "delete"])
def test_scatter_of_thinned_data_is_not_set_again(window, qtbot, monkeypatch, kind):
    from gdstudio.core.data.dataset import random_line
    from gdstudio.ui.plots import MAX_SHOWN_POINTS

    c = window.controller
    assert c.replace_data(random_line(300_000, seed=1), "big")
    qtbot.waitUntil(lambda: not c.landscape_model.busy and not c.numbers_estimated,
                    timeout=30_000)
    sets = []
    monkeypatch.setattr(window.plot.scatter, "setData", lambda *a, **k: sets.append(a))
    for _ in range(3):
        assert _edit(c, kind)
    assert c.move_point(0, 0.125, -0.5)  # a point shown (the first always is)
    assert sets == []
    d = c.dataset
    shown = window.plot.scatter.data
    assert 0 < len(shown) <= MAX_SHOWN_POINTS
    stride = -(-len(d) // len(shown))
    np.testing.assert_array_equal(shown["x"], d.x[::stride].astype(np.float64))
    np.testing.assert_array_equal(shown["y"], d.y[::stride].astype(np.float64))
    qtbot.waitUntil(lambda: not c.numbers_estimated, timeout=30_000)
    assert window.panel.stable_label.text().startswith(
        step_guide(d, window.panel.config()).text()[:40])


def test_an_edit_adopts_its_copy_and_leaves_the_data_before_it_alone():
    from gdstudio.core.data.commands import Append, Delete, Move

    d = _data(50)
    x0, y0 = d.x.copy(), d.y.copy()
    for command in (Move(3, 1.5, 2.5), Append(4.0, 5.0), Delete((7,))):
        new, _ = command.apply(d)
        assert not new.x.flags.writeable and not new.y.flags.writeable
        assert new.x.dtype == d.x.dtype
        assert np.array_equal(d.x, x0) and np.array_equal(d.y, y0)
    moved, _ = Move(3, 1.5, 2.5).apply(d)
    assert (float(moved.x[3]), float(moved.y[3])) == (1.5, 2.5)


def test_mae_optimum_after_an_edit_is_computed_off_the_gui_thread(qtbot, monkeypatch):
    import gdstudio.ui.numbers.shown_numbers as numbers_view
    from gdstudio.core.models.line.optimum import loss_optimum
    from gdstudio.ui.studio.controller import StudioController

    c = StudioController(_data())
    c.set_settings(TrainConfig(loss="mae"))
    qtbot.waitUntil(lambda: not c.landscape_model.busy)
    main, calls = threading.main_thread(), []
    original = numbers_view.loss_optimum

    def spy(*args, **kwargs):
        calls.append(threading.current_thread() is main)
        return original(*args, **kwargs)

    monkeypatch.setattr(numbers_view, "loss_optimum", spy)
    assert c.move_point(2, 4.0, 6.0)
    qtbot.waitUntil(lambda: not c.numbers_estimated, timeout=20_000)
    assert calls == [False]  # once, on the helper thread
    assert c.optima[0] == loss_optimum(c.dataset, "mae")
    assert c.optima[1] == closed_form(c.dataset)
    c.shutdown()


@pytest.mark.parametrize("kind", ["move", "add", "delete"])
def test_an_edit_of_one_point_in_the_window_copies_the_points_once(window, qtbot, kind):
    """An edit of one point of 300,000 in the window: the GUI thread's work allocates the
    edited data set and a few MB besides (the landscape's grids, the shown spots: no float64
    copy of the points, 4.8 MB here, for their count or their R²); the views then show the
    edited points and their exact numbers."""
    import tracemalloc

    from gdstudio.core.data.dataset import random_line

    c = window.controller
    n = 300_000
    assert c.replace_data(random_line(n, seed=1), "big")
    qtbot.waitUntil(lambda: not c.landscape_model.busy and not c.numbers_estimated,
                    timeout=30_000)
    release = threading.Event()
    for pool in (c.landscape_model._pool, c.numbers_feed._pool):
        for _ in range(pool.maxThreadCount()):  # their threads held until measured
            pool.start(release.wait)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        # (a point added within the others: one beyond them bounds the shown spots again)
        assert c.add_point(1.5, -2.0) if kind == "add" else _edit(c, kind)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
        release.set()
    d = c.dataset
    assert peak <= d.x.nbytes + d.y.nbytes + 3 * 2**20, (peak, d.x.nbytes + d.y.nbytes)
    shown = window.plot.scatter.data
    stride = -(-len(d) // len(shown))
    np.testing.assert_array_equal(shown["x"], d.x[::stride].astype(np.float64))
    np.testing.assert_array_equal(shown["y"], d.y[::stride].astype(np.float64))
    qtbot.waitUntil(lambda: not c.numbers_estimated and not c.landscape_model.busy,
                    timeout=30_000)
    assert c.numbers.optimum == closed_form(d)
    assert window.plot.optimum_line.getData() is not None
    assert c.landscape_model.landscape.n == len(d)
