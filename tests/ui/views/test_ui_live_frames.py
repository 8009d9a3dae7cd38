"""What a frame costs while a run goes, and what it shows: the landscape draws only the new
part of a growing path (and draws exactly what one drawing of the whole path draws), R² on
the data plot is exact and costs no pass over the points, and presentation mode scales the
text drawn on the plots."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.models.line.linefit import line_report
from gdstudio.core.training.path import PathBuffer
from gdstudio.ui.classroom.presentation import FONT_SCALE
from gdstudio.ui.plots import line_overlay
from gdstudio.ui.plots.landscape_plot import LandscapePlot
from gdstudio.ui.plots.path_item import CHUNK
from gdstudio.ui.views.landscape_view import stride_indices


@pytest.fixture
def plot(qtbot):
    p = LandscapePlot()
    qtbot.addWidget(p)
    p.resize(500, 400)
    p.show()
    qtbot.waitExposed(p)
    p.setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0)
    return p


def _zigzag(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 0.05, (n, 2))
    return np.cumsum(steps, axis=0) - 1.0


def _render(plot) -> QImage:
    plot.viewport().repaint()
    image = QImage(plot.viewport().size(), QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    plot.render(painter)
    painter.end()
    return image


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.width(), 4).copy()


def test_a_growing_path_draws_only_its_new_part(plot):
    points = _zigzag(3 * CHUNK + 200)
    path = plot.path
    plot.set_path(points[:500])
    assert path.strokes == 1
    plot.set_path(points[:2 * CHUNK + 600])  # two full pieces (stroked once each) + the end
    assert path.strokes == 1 + 3
    full = path.items()[:-1]
    assert len(full) == 2
    assert all(i.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache for i in full)
    plot.set_path(points[:2 * CHUNK + 700])  # 100 more: only the open end again
    assert path.strokes == 1 + 3 + 1
    np.testing.assert_array_equal(np.column_stack(path.getData()), points[:2 * CHUNK + 700])
    # thinned (not an extension): drawn again from the start
    thinned = points[::2]
    plot.set_path(thinned)
    assert len(path.items()) == 1 + (len(thinned) - 1) // CHUNK
    np.testing.assert_array_equal(np.column_stack(path.getData()), thinned)


def test_a_recorded_path_is_drawn_again_only_when_it_is_thinned(plot):
    buffer = PathBuffer(6000)  # (the training thread's buffer holds 20,000)
    walk = _zigzag(20_000, seed=2)
    path, thinnings = plot.path, 0
    for start in range(0, len(walk), 333):  # as the training thread sends it
        stride, strokes = buffer.stride, path.strokes
        buffer.append(walk[start:start + 333, 0], walk[start:start + 333, 1])
        plot.set_path(buffer.points())
        if buffer.stride != stride:
            thinnings += 1
        else:  # the open end, and the piece it filled (if it did)
            assert path.strokes - strokes <= 2
        np.testing.assert_array_equal(np.column_stack(path.getData()), buffer.points())
    assert thinnings == 2


def test_a_path_drawn_in_pieces_looks_as_one_drawing_of_it(qtbot, plot):
    points = _zigzag(2 * CHUNK + 345, seed=4)
    for end in (300, CHUNK + 10, 2 * CHUNK + 100, len(points)):  # as a run would grow it
        plot.set_path(points[:end])
        _render(plot)
    grown = _render(plot)
    other = LandscapePlot()
    qtbot.addWidget(other)
    other.resize(500, 400)
    other.show()
    qtbot.waitExposed(other)
    other.setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0)
    other.set_path(points)  # at once
    assert _render(other) == grown
    # and as one stroke of the whole path: the pieces meet with no gap (a pixel or two of
    # a join may differ)
    other.set_path(points[:0])
    whole = QGraphicsPathItem(pg.arrayToQPath(points[:, 0], points[:, 1]))
    whole.setPen(other.path.pen())
    other.addItem(whole, ignoreBounds=True)
    a, b = _pixels(_render(other)), _pixels(grown)
    assert ((b[..., 2] > 150) & (b[..., 1] < 80)).sum() > 2000  # the red path is there
    assert (a != b).any(axis=2).sum() <= 5


def test_a_thinned_live_path_keeps_the_points_it_drew_until_its_stride_doubles():
    before = None
    for count in range(2, 5000):
        picked = stride_indices(count, 100)
        assert len(picked) <= 101 and picked[0] == 0 and picked[-1] == count - 1
        stride = int(picked[1] - picked[0])
        assert np.all(np.diff(picked[:-1]) == stride)  # evenly spaced but for the last
        if before is not None and before[0] == stride:  # all it drew but the last, again
            assert np.array_equal(picked[:len(before[1]) - 1], before[1][:-1])
        before = (stride, picked)
    assert before[0] == 64


# ------------------------------------------------------------------ R² on the data plot
def test_r2_is_exact_on_the_study_hours_data():
    x, y = [10.0, 20.0, 30.0, 40.0], [480.0, 520.0, 710.0, 680.0]
    land = MSELandscape.from_arrays(x, y)
    fx, fy = [Fraction(v) for v in x], [Fraction(v) for v in y]
    my = sum(fy) / 4
    sse = sum((v - (9 * u + 350)) ** 2 for u, v in zip(fx, fy, strict=True))  # 4 × 2675
    assert sse == 4 * 2675
    sst = sum((v - my) ** 2 for v in fy)
    exact = 1 - sse / sst
    assert abs(Fraction(line_overlay.exact_r2(land, 9.0, 350.0)) - exact) < Fraction(1, 10**15)
    assert line_overlay.exact_r2(MSELandscape.from_arrays([1.0, 2.0], [3.0, 3.0]), 1, 0) is None


def test_r2_on_a_large_data_set_costs_no_pass_over_its_points(window, qtbot, monkeypatch):
    n = 200_000
    rng = np.random.default_rng(1)
    x = rng.uniform(1e6, 1e6 + 10, n)  # offset x: raw sums would cancel
    data = Dataset(x, 3.0 * (x - 1e6) + 2.0 + rng.normal(0, 1.0, n))
    window.controller.replace_data(data, "test data")
    lm = window.controller.landscape_model
    qtbot.waitUntil(lambda: lm.landscape is not None and not lm.busy, timeout=20_000)
    reference = line_report(data.x, data.y, 2.5, 2.0 - 2.5e6).r2
    passes = []
    monkeypatch.setattr(line_overlay, "line_report",
                        lambda *a: passes.append(a) or line_report(*a))
    overlay = window.line_views.overlay
    overlay.set_line(2.5, 2.0 - 2.5e6)
    # (the overlay redraws large data at most every THROTTLE seconds: wait for that redraw)
    qtbot.waitUntil(lambda: f"R² = {reference:.4f}" in overlay.text, timeout=5_000)
    assert passes == []
    # the loss of a line (the readout's, the timeline's) uses the same exact landscape
    from gdstudio.core.models.line import landscape as core_landscape
    from gdstudio.ui.numbers.line_loss import exact_loss

    expected = MSELandscape.from_arrays(data.x, data.y).loss(2.5, 2.0 - 2.5e6)
    monkeypatch.setattr(core_landscape.MSELandscape, "from_arrays",
                        classmethod(lambda cls, *a: passes.append(a)))
    assert exact_loss(window.controller, 2.5, 2.0 - 2.5e6, "mse") == expected
    assert passes == []


def test_r2_with_every_y_the_same_says_it_is_undefined(window, qtbot):
    """The landscape's R² (the one the plot shows) on data whose y never varies: undefined,
    in words, as from the points (it said the line was "far beyond the points")."""
    window.controller.replace_data(Dataset(np.array([1.7e9, 1.7e9 + 1, 1.7e9 + 2]),
                                           np.array([1e8, 1e8, 1e8])), "flat data")
    lm = window.controller.landscape_model
    qtbot.waitUntil(lambda: lm.landscape is not None and not lm.busy, timeout=20_000)
    overlay = window.line_views.overlay
    overlay.set_line(2.0, 5.0)
    assert overlay.text.endswith("R² undefined (every y is the same)")


def test_presentation_mode_scales_the_equation_on_the_data_plot(window):
    window.controller.replace_data(Dataset(np.array([10.0, 20.0, 30.0, 40.0]),
                                           np.array([480.0, 520.0, 710.0, 680.0])), "study")
    window.line_views.overlay.set_line(9.0, 350.0)
    label = window.line_views.overlay.label
    assert "R²" in label.textItem.toPlainText()
    size = label.textItem.font().pointSizeF()
    window.presentation.set_active(True)
    assert label.textItem.font().pointSizeF() == pytest.approx(size * FONT_SCALE)
    window.presentation.set_active(False)
    assert label.textItem.font().pointSizeF() == pytest.approx(size)
