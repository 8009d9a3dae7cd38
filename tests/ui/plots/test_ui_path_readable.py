"""A stochastic path of thousands of updates stays readable in presentation mode: its updates
are drawn thin, the older ones fainter, and the ends of its epochs bold, joined one to the next
from the end of the first epoch (the epoch trail: no straight line from the start, which would
read as if the run went straight there); the landscape shows between the updates instead of
under a solid red band.
A full-batch run's path (its epoch ends) stays bold."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage, QPainter

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.classroom.presentation import LINE_SCALE
from gdstudio.ui.plots.landscape_plot import TRAIL_DARKER
from gdstudio.ui.plots.path_item import CHUNK


def _noisy_line(n: int = 500) -> Dataset:
    rng = np.random.default_rng(3)
    x = rng.uniform(0.0, 10.0, n)
    return Dataset(x, 2.0 * x + 5.0 + rng.normal(0.0, 2.0, n))


def _train(window, qtbot, **settings) -> None:
    window.panel.set_config(TrainConfig(**settings))
    with qtbot.waitSignal(window.controller.runFinished, timeout=60_000):
        assert window.controller.train()


def _pixels(plot) -> np.ndarray:
    plot.viewport().repaint()
    image = QImage(plot.viewport().size(), QImage.Format.Format_RGB32)
    image.fill(0)
    painter = QPainter(image)
    plot.render(painter)
    painter.end()
    return np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.width(), 4)[..., :3][..., ::-1].copy()  # (r, g, b)


def _solid_red_share(plot, points) -> float:
    """The share of the pixels around ``points`` (their box on screen) that are drawn in the
    path's red: 1 is a solid band."""
    vb = plot.getViewBox()
    corners = [plot.mapFromScene(vb.mapViewToScene(QPointF(*p)))
               for p in (points.min(axis=0), points.max(axis=0))]
    x0, x1 = sorted(c.x() for c in corners)
    y0, y1 = sorted(c.y() for c in corners)
    rgb = _pixels(plot)[max(y0, 0):y1 + 1, max(x0, 0):x1 + 1].astype(int)
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    return float(red.mean())


def test_a_long_stochastic_path_stays_readable_in_presentation_mode(window, qtbot):
    c, plot = window.controller, window.landscape_plot
    c.replace_data(_noisy_line(), "test data")
    window.presentation.set_active(True)
    try:
        _train(window, qtbot, method="sgd", impl="analytic", learning_rate=0.004, epochs=8,
               init_w=-3.0, init_b=-6.0, shuffle=True, seed=1)
        s = c.session
        assert len(s.path) == 8 * 500 + 1
        plot.set_preview(None)  # (only the path: the preview of the next run is another)
        pieces = plot.path.items()
        assert len(pieces) == 1 + (len(s.path) - 2) // CHUNK
        pens = [plot.path.piece_pen(i) for i in range(len(pieces))]
        alphas = [p.color().alphaF() for p in pens]
        assert alphas[-1] == 1.0  # the latest updates as the path's colour
        assert all(a < b for a, b in pairwise(alphas))  # older: fainter
        assert alphas[0] <= 0.5
        assert all(item.pen() == pen for item, pen in zip(pieces, pens, strict=True))
        assert max(p.widthF() for p in pens) <= 1.0  # thin, even in presentation mode
        # the epoch trail: bold, through each epoch's end from the first's, marked; not
        # joined to the start (the first epoch's updates wander from it, no straight line)
        trail = np.column_stack(plot.epoch_trail.getData())
        ends = np.column_stack([s.history.w, s.history.b])
        np.testing.assert_array_equal(trail, ends)
        assert plot.epoch_trail.pen().widthF() >= 2 * LINE_SCALE
        np.testing.assert_array_equal(np.column_stack(plot.epoch_ends.getData()), ends)
        # on screen the landscape shows between the updates: not a solid band (drawn 4 px
        # wide and opaque, the path's red covered about 10% of its box; now about 2%)
        assert _solid_red_share(plot, s.path) < 0.05
    finally:
        window.presentation.set_active(False)


def test_a_batch_runs_path_stays_bold(window, qtbot):
    c, plot = window.controller, window.landscape_plot
    c.replace_data(_noisy_line(40), "test data")
    _train(window, qtbot, method="batch", impl="analytic", learning_rate=0.01, epochs=30,
           init_w=-3.0, init_b=-6.0)
    pen = plot.path.piece_pen(len(plot.path.items()) - 1)
    assert (pen.widthF(), pen.color().alphaF()) == (2.0, 1.0)
    assert len(plot.epoch_trail.getData()[0]) == 0  # its path is its epoch ends
    assert c.keep_run()  # kept, it is drawn so too, in its colour
    kept = plot.kept[c.kept_runs[0].key]
    pen = kept.path.piece_pen(len(kept.path.items()) - 1)
    assert (pen.widthF(), pen.color().alphaF()) == (2.0, 1.0)
    assert pen.color().rgb() == QColor(c.kept_runs[0].color).rgb()
    assert len(kept.trail.getData()[0]) == 0


def _share_of(plot, points, color: str, within: int = 25) -> float:
    """The share of the pixels around ``points`` (their box on screen) drawn in ``color``."""
    vb = plot.getViewBox()
    corners = [plot.mapFromScene(vb.mapViewToScene(QPointF(*p)))
               for p in (points.min(axis=0), points.max(axis=0))]
    x0, x1 = sorted(c.x() for c in corners)
    y0, y1 = sorted(c.y() for c in corners)
    rgb = _pixels(plot)[max(y0, 0):y1 + 1, max(x0, 0):x1 + 1].astype(int)
    target = np.array(QColor(color).getRgb()[:3])
    return float((np.abs(rgb - target) <= within).all(axis=-1).mean())


def test_a_kept_stochastic_path_is_drawn_as_readably_as_the_current_one(window, qtbot):
    """A kept stochastic run's path was drawn 2 px wide (4 px in presentation mode) and
    opaque: a long one was a solid band of its colour. It is drawn as the current run's is,
    in its own colour: thin updates, the older fainter, a bold epoch trail; twice as thick
    while selected."""
    c, plot = window.controller, window.landscape_plot
    c.replace_data(_noisy_line(), "test data")
    window.presentation.set_active(True)
    try:
        _train(window, qtbot, method="sgd", impl="analytic", learning_rate=0.004, epochs=8,
               init_w=-3.0, init_b=-6.0, shuffle=True, seed=1)
        s = c.session
        path, ends = s.path.copy(), np.column_stack([s.history.w, s.history.b])
        with qtbot.waitSignal(c.keptRunsChanged, timeout=1000):
            assert c.keep_run()
        run = c.kept_runs[0]
        kept = plot.kept[run.key]
        np.testing.assert_array_equal(np.column_stack(kept.getData()), path)
        pieces = kept.path.items()
        pens = [kept.path.piece_pen(i) for i in range(len(pieces))]
        assert all(p.color().rgb() == QColor(run.color).rgb() for p in pens)
        alphas = [p.color().alphaF() for p in pens]
        assert alphas[-1] == 1.0 and alphas[0] <= 0.5
        assert all(a < b for a, b in pairwise(alphas))  # older: fainter
        assert max(p.widthF() for p in pens) <= 1.0  # thin, even in presentation mode
        trail = np.column_stack(kept.trail.getData())  # (from the first epoch's end)
        np.testing.assert_array_equal(trail, ends)
        assert kept.trail.pen().widthF() >= 2 * LINE_SCALE
        assert kept.trail.pen().color().rgb() == QColor(run.color).darker(TRAIL_DARKER).rgb()
        # on screen, the kept path alone (the current run's, on it, hidden)
        for item in (plot.path, plot.epoch_trail, plot.epoch_ends, plot.moment):
            item.setVisible(False)
        plot.set_preview(None)
        # (drawn 4 px wide and opaque, its colour covered about 11% of its box; now 3%)
        assert _share_of(plot, path, run.color) < 0.05
        trail_width = kept.trail.pen().widthF()
        widest = max(kept.path.piece_pen(i).widthF() for i in range(len(pieces)))
        window.runs_panel.item_of(run.key).setSelected(True)  # selected: twice as thick
        assert kept.trail.pen().widthF() == 2 * trail_width
        assert max(kept.path.piece_pen(i).widthF() for i in range(len(pieces))) == 2 * widest
        window.runs_panel.item_of(run.key).setSelected(False)
        assert kept.trail.pen().widthF() == trail_width
    finally:
        window.presentation.set_active(False)


def test_epoch_markers_are_written_in_place_as_epochs_end(window, qtbot, monkeypatch):
    """Each epoch's end adds one marker: written into the markers drawn, not every marker
    styled again (pyqtgraph's setData: milliseconds of the window's time a frame while a
    run of many short epochs goes); the markers are still each epoch's end."""
    c, plot = window.controller, window.landscape_plot
    c.replace_data(_noisy_line(200), "test data")
    _train(window, qtbot, method="sgd", impl="analytic", learning_rate=0.004, epochs=2,
           init_w=-3.0, init_b=-6.0, shuffle=True, seed=1)
    sets = []
    original = plot.epoch_ends.setData
    monkeypatch.setattr(plot.epoch_ends, "setData",
                        lambda *a, **k: sets.append(1) or original(*a, **k))
    assert c.continue_run(6)
    qtbot.waitUntil(lambda: not c.session.active, timeout=60_000)
    window.landscape_view.draw_path()
    s = c.session
    assert s.history.count == 8
    ends = np.column_stack([s.history.w, s.history.b])
    np.testing.assert_array_equal(np.column_stack(plot.epoch_ends.getData()), ends)
    assert sets == []
