"""The landscape follows the run: while a run goes (held here one epoch a step, as Step does)
the view keeps the start, the path so far and the optimum in sight; a pan or zoom by the user
holds until Fit; a new run after a diverged one frames itself, not the ±1e9 of the last; and
a start beyond what float64 can frame (±1.7e308), typed or from a session, raises nothing and
leaves a finite, usable view with a one-line message."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.settings.config import TrainConfig
from tests.qt_helpers import drag


def _data() -> Dataset:
    """x in [0, 10]: batch descent is stable below lr ≈ 0.029 (the optimum near (3, 20))."""
    x = np.linspace(0.0, 10.0, 20)
    return Dataset(x, 3.0 * x + 20.0 + np.sin(7.0 * x))


def _view(window):
    return window.landscape_plot.getViewBox().viewRange()


def _outside(window, points, view=None) -> np.ndarray:
    """The rows of ``points`` outside the landscape's view (or ``view``)."""
    (w0, w1), (b0, b1) = _view(window) if view is None else view
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    inside = (w0 <= p[:, 0]) & (p[:, 0] <= w1) & (b0 <= p[:, 1]) & (p[:, 1] <= b1)
    return p[~inside]


def _optimum(window) -> tuple[float, float]:
    return MSELandscape.from_dataset(window.controller.dataset).optimum


def _drawn(window) -> np.ndarray:
    return np.column_stack(window.landscape_plot.path.getData())


def _step(window, qtbot, epochs_done: int) -> np.ndarray:
    """One more epoch of the held run (Step: it pauses after it); the path as drawn then."""
    c = window.controller
    c.step()
    qtbot.waitUntil(lambda: c.state == "paused" and c.history.count == epochs_done,
                    timeout=20_000)
    s = c.session
    if s.path is None:  # a batch run: the start and its epoch ends
        expected = np.column_stack([np.r_[s.init[0], s.history.w], np.r_[s.init[1], s.history.b]])
    else:  # every update recorded, up to the end of the last epoch
        expected = s.path
    qtbot.waitUntil(lambda: np.array_equal(_drawn(window), expected), timeout=5000)
    return expected


@pytest.mark.parametrize("method,lr", [("batch", 0.027), ("sgd", 0.008)])
def test_a_held_run_keeps_its_start_path_and_optimum_in_view(window, qtbot, method, lr):
    c = window.controller
    c.replace_data(_data(), "test data")
    window.panel.set_config(TrainConfig(method=method, impl="analytic", learning_rate=lr,
                                        epochs=12, init_w=0.0, init_b=0.0, seed=3))
    optimum = _optimum(window)
    first = _view(window)
    for epoch in range(1, 9):
        path = _step(window, qtbot, epoch)
        assert not len(_outside(window, [(0.0, 0.0), optimum])), _view(window)
        assert not len(_outside(window, path)), (epoch, _view(window))
    assert len(_outside(window, path, first))  # the path went beyond the first view
    with qtbot.waitSignal(c.runFinished, timeout=10_000):
        c.stop()
    assert not len(_outside(window, c.session.path if c.session.path is not None else path))


def test_a_pan_by_the_user_holds_until_fit(window, qtbot):
    c, plot = window.controller, window.landscape_plot
    c.replace_data(_data(), "test data")
    window.panel.set_config(TrainConfig(method="batch", impl="analytic", learning_rate=0.027,
                                        epochs=12, init_w=0.0, init_b=0.0))
    _step(window, qtbot, 1)
    # the user pans (middle drag) a little to the left: the view moves right
    middle = QPointF(plot.viewport().width() / 2, plot.viewport().height() / 2)
    drag(plot, middle, middle + QPointF(-60, 0), steps=6, button=Qt.MouseButton.MiddleButton)
    panned = _view(window)
    assert window.landscape_view.user_framed
    for epoch in range(2, 6):  # the path swings out of the user's view: the view holds
        path = _step(window, qtbot, epoch)
        assert _view(window) == panned
    assert len(_outside(window, path))
    window.act_fit_view.trigger()  # Fit: everything in view, and the view follows again
    assert not window.landscape_view.user_framed
    assert not len(_outside(window, [*path, _optimum(window)]))
    for epoch in range(6, 9):
        path = _step(window, qtbot, epoch)
        assert not len(_outside(window, [*path, _optimum(window)])), epoch
    with qtbot.waitSignal(c.runFinished, timeout=10_000):
        c.stop()


def test_a_new_run_after_a_diverged_one_frames_itself(window, qtbot):
    c = window.controller
    c.replace_data(_data(), "test data")
    window.panel.set_config(TrainConfig(method="batch", impl="analytic", learning_rate=0.5,
                                        epochs=40, init_w=0.0, init_b=0.0))
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    assert c.session.status == "diverged"
    (w0, w1), _ = _view(window)
    assert w1 - w0 > 1e3  # it followed the diverging path out
    window.panel.set_config(TrainConfig(method="batch", impl="analytic", learning_rate=0.01,
                                        epochs=10, init_w=1.0, init_b=15.0))
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    h = c.session.history
    points = np.vstack([[(1.0, 15.0)], np.column_stack([h.w, h.b]), [_optimum(window)]])
    assert not len(_outside(window, points))
    (w0, w1), (b0, b1) = _view(window)
    span = points.max(axis=0) - points.min(axis=0)
    # framed to this run (its span and margins), not to the diverged one's thousands
    assert w1 - w0 <= 2 * span[0] and b1 - b0 <= 2 * span[1], (_view(window), span)


def _finite_and_usable(window) -> None:
    (w0, w1), (b0, b1) = _view(window)
    assert all(math.isfinite(v) for v in (w0, w1, b0, b1, w1 - w0, b1 - b0))
    assert w1 > w0 and b1 > b0
    frame = window.landscape_plot.frame
    assert frame is not None
    assert all(math.isfinite(v) for v in (*frame.w_range, *frame.b_range))
    assert not len(_outside(window, [_optimum(window)]))


@pytest.mark.parametrize("w,b", [("1.7e308", "0"), ("0", "-1.7e308"),
                                 ("-1.7e308", "1.7e308")])
def test_a_start_beyond_what_a_view_can_frame_raises_nothing(window, qtbot, w, b):
    """Typed: the view frames what it can (the optimum), and the status bar says why the
    start is not in it; a run from there diverges, and a start typed next is framed."""
    c = window.controller
    c.replace_data(_data(), "test data")
    said = []
    c.statusReported.connect(lambda text, _ms: said.append(text))
    window.panel.random_init.setChecked(False)
    window.panel.init_w.setText(w)
    window.panel.init_b.setText(b)
    assert c.start_point == (float(w), float(b))
    _finite_and_usable(window)
    assert any(t.startswith("The landscape cannot show the start") for t in said), said
    assert all("\n" not in t for t in said)
    with qtbot.waitSignal(c.runFinished, timeout=60_000):
        assert c.train()
    qtbot.wait(100)  # (the path is drawn on a timer)
    _finite_and_usable(window)
    window.act_fit_view.trigger()
    _finite_and_usable(window)
    window.panel.init_w.setText("-40")
    window.panel.init_b.setText("50")
    _finite_and_usable(window)
    assert not len(_outside(window, [(-40.0, 50.0)]))


def test_a_session_with_a_start_of_1_7e308_opens_with_a_finite_view(window, qtbot, tmp_path):
    c = window.controller
    c.replace_data(_data(), "test data")
    path = tmp_path / "huge start.gdstudio"
    assert window.session_files.save_as(str(path))
    doc = json.loads(path.read_text())
    doc["settings"]["init_w"], doc["settings"]["init_b"] = 1.7e308, -1.7e308
    path.write_text(json.dumps(doc))
    if window.session_files.open_path(str(path)):  # (or refused, in one line: the view as it was)
        assert c.start_point == (1.7e308, -1.7e308)
    _finite_and_usable(window)


def _wheel(plot, notches: int, times: int) -> None:
    viewport = plot.viewport()
    pos = QPointF(viewport.width() / 2, viewport.height() / 3)
    at = QPointF(viewport.mapToGlobal(QPoint(int(pos.x()), int(pos.y()))))
    for _ in range(times):
        QApplication.sendEvent(viewport, QWheelEvent(
            pos, at, QPoint(0, 0), QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False))
    QApplication.processEvents()


@pytest.mark.slow
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_the_wheel_zooms_to_the_ends_of_float64_and_no_further(window, qtbot):
    """Zooming out raised 'Cannot set range [-1.66e+308, inf]', and zooming in far enough a
    division by zero while painting; the view stops at the ends, finite, and Fit comes back.
    The contours out there are drawn without numpy's overflow warnings."""
    window.controller.replace_data(_data(), "test data")
    plot = window.landscape_plot
    _wheel(plot, -10, 300)  # out
    (w0, w1), (b0, b1) = _view(window)
    assert math.isfinite(w1 - w0) and math.isfinite(b1 - b0) and w1 - w0 > 1e307
    assert window.landscape_view.user_framed
    _finite_and_usable(window)
    _wheel(plot, 10, 600)  # in, down to what float64 can tell apart where the view is
    (w0, w1), (b0, b1) = _view(window)
    for lo, hi in ((w0, w1), (b0, b1)):
        assert 0 < hi - lo < max(1e-300, 1e6 * math.ulp(max(abs(lo), abs(hi))))
    window.act_fit_view.trigger()
    _finite_and_usable(window)
    (w0, w1), _ = _view(window)
    assert 1 < w1 - w0 < 100
