"""One timeline and the line itself: the scrubber moves every view (current and kept runs),
arrows step it, hovering the loss curve names the moment, residuals and R² against exact
references, your line's loss on the study-hours data, and presets that load and undo."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.presets import PRESETS, presets_for
from gdstudio.core.models.line.linefit import line_report, moment_at
from gdstudio.core.settings.config import TrainConfig

STUDY_X = [10, 20, 30, 40]
STUDY_Y = [480, 520, 710, 680]


def run(window, qtbot, config, keep=False):
    c = window.controller
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        assert c.train(config)
    if keep:
        with qtbot.waitSignal(c.keptRunsChanged, timeout=1000):
            assert c.keep_run()


def line_of(item) -> tuple[float, float]:
    """(w, b) of a two-point line item, read back from what it draws."""
    xs, ys = item.getData()
    w = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    return w, ys[0] - w * xs[0]


def study_hours(window, qtbot):
    with qtbot.waitSignal(window.controller.dataChanged, timeout=5000):
        assert window.controller.load_preset("study-hours")


def check_views(window, n, expected):
    """Every view shows moment ``n``: ``expected`` is (w, b, loss)."""
    views = window.line_views
    w, b, loss = expected
    assert views.timeline.slider.value() == n
    fw, fb = line_of(window.plot.fit_line)
    assert fw == pytest.approx(w, rel=1e-9, abs=1e-9) and fb == pytest.approx(b, rel=1e-9,
                                                                               abs=1e-9)
    xs, ys = views.timeline.marker.getData()
    assert list(xs) == [n] and ys[0] == loss
    text = window.readout.text().split("\n")[0]
    assert text.endswith(f"after {n:,} epoch{'s' if n != 1 else ''}: w {w:.6g}, b {b:.6g}, "
                         f"loss {loss:.6g}")
    mx, my = window.landscape_plot.moment.getData()  # the landscape's marker too
    assert (list(mx), list(my)) == ([w], [b])


def test_the_scrubber_moves_every_view_of_the_current_run(window, qtbot):
    run(window, qtbot, TrainConfig(learning_rate=0.01, epochs=30))
    h, c = window.controller.history, window.controller
    views = window.line_views
    assert views.timeline.slider.maximum() == h.count  # moments 0 … 30
    moments = []
    views.timeline.momentChanged.connect(moments.append)
    with qtbot.waitSignal(views.timeline.momentChanged, timeout=1000) as blocker:
        views.timeline.set_epoch(7)
    m = blocker.args[0]
    # after 7 epochs: w, b after the 7th epoch and the loss of that line (start of the 8th)
    assert (m.epochs, m.w, m.b, m.loss) == (7, h.w[6], h.b[6], h.loss[7])
    check_views(window, 7, (h.w[6], h.b[6], h.loss[7]))
    views.timeline.set_epoch(0)
    check_views(window, 0, (*c.session.init, h.loss[0]))
    # the end: the run's final line and loss
    views.timeline.set_epoch(h.count)
    s = c.current_summary
    assert views.timeline.moment[1:4] == (s.w, s.b, s.loss)
    assert moments[-1].end


def test_the_scrubber_follows_a_selected_kept_run(window, qtbot):
    run(window, qtbot, TrainConfig(learning_rate=0.02, epochs=20), keep=True)
    kept = window.controller.kept_runs[0]
    run(window, qtbot, TrainConfig(learning_rate=0.005, epochs=10))
    views = window.line_views
    assert views.timeline.slider.maximum() == 10  # the current run
    with qtbot.waitSignal(window.controller.keptSelectionChanged, timeout=1000):
        window.runs_panel.item_of(kept.key).setSelected(True)
    assert views.timeline.slider.maximum() == 20
    views.timeline.set_epoch(5)
    check_views(window, 5, (kept.w[4], kept.b[4], kept.loss[5]))
    assert window.readout.text().startswith("kept run: after 5 epochs")


def test_arrows_on_a_plot_step_the_timeline(window, qtbot):
    run(window, qtbot, TrainConfig(learning_rate=0.01, epochs=10))
    t = window.line_views.timeline
    t.set_epoch(4)
    window.loss_plot.setFocus()
    QTest.keyClick(window.loss_plot, Qt.Key.Key_Left)
    assert t.slider.value() == 3
    QTest.keyClick(window.plot, Qt.Key.Key_Right)
    QTest.keyClick(window.plot, Qt.Key.Key_Right)
    assert t.slider.value() == 5
    h = window.controller.history
    assert line_of(window.plot.fit_line) == pytest.approx((h.w[4], h.b[4]))


def test_hovering_the_loss_curve_shows_that_moment(window, qtbot):
    run(window, qtbot, TrainConfig(learning_rate=0.01, epochs=40))
    h = window.controller.history
    window.loss_plot.autoRange()
    qtbot.waitUntil(lambda: window.loss_plot.getViewBox().viewPixelSize()[1] > 0)
    vb = window.loss_plot.getViewBox()
    scene = vb.mapViewToScene(QPointF(12, float(h.loss[12])))
    pos = window.loss_plot.mapFromScene(scene)
    with qtbot.waitSignal(window.line_views.timeline.hoverChanged, timeout=2000) as blocker:
        QTest.mouseMove(window.loss_plot.viewport(), pos)
    text = blocker.args[0]
    assert text == f"after 12 epochs: w {h.w[11]:.6g}, b {h.b[11]:.6g}, loss {h.loss[12]:.6g}"
    assert window.line_views.timeline.hover_item.isVisible()
    # far from the curve: nothing
    assert window.line_views.timeline.hover_at(12, float(h.loss[12]) * 50 + 100) == ""


def test_the_moment_rule_in_core():
    loss, w, b = [10.0, 5.0, 2.0], [1.0, 2.0, 3.0], [0.1, 0.2, 0.3]
    assert moment_at(0, loss, w, b, (0.0, 0.0))[:4] == (0, 0.0, 0.0, 10.0)
    assert moment_at(2, loss, w, b, (0.0, 0.0))[:4] == (2, 2.0, 0.2, 2.0)
    live = moment_at(3, loss, w, b, (0.0, 0.0), live_loss=lambda w, b: w + b)
    assert live[:4] == (3, 3.0, 0.3, 3.3) and live.end
    assert moment_at(3, loss, w, b, (0, 0), end=(4.0, 0.4, "")).loss is None  # overflow


# --------------------------------------------------------------------------- the line


def test_residual_segments_and_squares_match_the_data(window, qtbot):
    study_hours(window, qtbot)
    views = window.line_views
    views.your_panel.enabled.setChecked(True)
    views.your_line.set_line(9, 350)
    views.set_residuals("segments")
    xs, ys = views.overlay.segments.getData()
    fit = [9 * x + 350 for x in STUDY_X]
    assert list(xs) == [x for x in STUDY_X for _ in (0, 1)]
    assert list(ys) == [v for pair in zip(STUDY_Y, fit, strict=True) for v in pair]
    views.set_residuals("squares")
    px, py = window.plot.getViewBox().viewPixelSize()
    rects = views.overlay.square_rects
    assert len(rects) == 4
    for (x0, y0, wd, ht), x, y, f in zip(rects, STUDY_X, STUDY_Y, fit, strict=True):
        assert x0 == x and y0 == min(y, f) and ht == abs(y - f)
        assert wd / px == pytest.approx(ht / py)  # as many pixels wide as high
    assert views.overlay.squares.isVisible() and views.overlay.segments.getData()[0] is None
    assert views.overlay.text == "y = 9·x + 350    R² = 0.7276"


@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_r2_against_a_fraction_reference(offset):
    rng = np.random.default_rng(3)
    x = rng.normal(size=50) + offset
    y = 2.5 * x + rng.normal(size=50) + offset
    w, b = 2.4, 0.3 - 1.4 * offset
    fx = [Fraction(v) for v in x]
    fy = [Fraction(v) for v in y]
    mean = sum(fy) / len(fy)
    sst = sum((v - mean) ** 2 for v in fy)
    sse = sum((yi - (Fraction(w) * xi + Fraction(b))) ** 2 for xi, yi in zip(fx, fy, strict=True))
    assert line_report(x, y, w, b).r2 == pytest.approx(float(1 - sse / sst), rel=1e-12)


def test_r2_with_every_y_the_same_is_said_in_words():
    report = line_report([1.0, 2.0, 3.0], [5.0, 5.0, 5.0], 0.0, 5.0)
    assert report.r2 is None and report.r2_text == "R² undefined (every y is the same)"


def test_your_line_on_study_hours_shows_mse_2675(window, qtbot):
    study_hours(window, qtbot)
    views = window.line_views
    panel = views.your_panel
    panel.enabled.setChecked(True)
    moved = []
    views.your_line.lineChanged.connect(lambda w, b: moved.append((w, b)))
    for field, text in ((panel.w_field, "9"), (panel.b_field, "350")):
        field.setFocus()
        field.selectAll()
        QTest.keyClicks(field, text)
        QTest.keyClick(field, Qt.Key.Key_Return)
    assert panel.loss_label.text() == "MSE 2675.00"
    assert moved[-1] == (9.0, 350.0)
    assert line_of(views.your_line.item) == pytest.approx((9.0, 350.0))
    # dragging a handle moves the line through both handles
    h1, h2 = views.your_line.handles
    h2.setPos(h2.pos().x(), h2.pos().y() + 20)
    w, b = moved[-1]
    assert w * h1.pos().x() + b == pytest.approx(h1.pos().y())
    assert w * h2.pos().x() + b == pytest.approx(h2.pos().y())
    assert panel.w_field.text() == f"{w:.6g}" and panel.loss_label.text().startswith("MSE ")


def test_your_line_loss_follows_the_chosen_loss(window, qtbot):
    study_hours(window, qtbot)
    window.panel.loss.setCurrentIndex(window.panel.loss.findData("mae"))
    views = window.line_views
    views.your_panel.enabled.setChecked(True)
    views.your_line.set_line(9, 350)
    expected = sum(abs(y - (9 * x + 350)) for x, y in zip(STUDY_X, STUDY_Y, strict=True)) / 4
    assert views.your_panel.loss_label.text() == f"MAE {expected:.2f}"


# --------------------------------------------------------------------------- presets


@pytest.mark.parametrize("key", list(PRESETS))
def test_a_preset_loads_as_one_undoable_edit(window, qtbot, key):
    c = window.controller
    if key in presets_for("logistic"):  # (the menu lists the presets of the model shown)
        assert c.switch_model("logistic")
    before = c.dataset
    action = window.presets_menu.findChild(object, f"preset-{key}") or next(
        a for a in window.presets_menu.actions() if a.objectName() == f"preset-{key}")
    with qtbot.waitSignal(c.dataChanged, timeout=10_000):
        action.trigger()
    expected = PRESETS[key].build()
    assert np.array_equal(c.dataset.x, expected.x) and np.array_equal(c.dataset.y, expected.y)
    assert c.undo_text() == f"Open preset {PRESETS[key].title}"
    with qtbot.waitSignal(c.dataChanged, timeout=1000):
        c.undo()
    assert np.array_equal(c.dataset.x, before.x) and len(c.dataset) == len(before)


def test_no_preset_by_that_name(window):
    assert not window.controller.load_preset("nope")
    assert window.controller.last_message[0] == "Cannot open the preset"
    assert isinstance(window.controller.dataset, Dataset)


def test_hovering_the_landscape_path_names_that_moment(window, qtbot):
    run(window, qtbot, TrainConfig(learning_rate=0.01, epochs=12))
    c, hover = window.controller, window.line_views.landscape_hover
    h = c.history
    window.landscape_view.fit()
    # the end of epoch 4: the moment after 4 epochs, worded as the timeline words it
    w, b = float(h.w[3]), float(h.b[3])
    text = hover.hover_at(w, b)
    assert text == window.line_views.timeline.moment_at(4).text()
    assert text.startswith("after 4 epochs: ") and hover.item.isVisible()
    assert text == hover.text
    # the start is moment 0
    assert hover.hover_at(*c.session.init).startswith("after 0 epochs: ")
    # far from every point of the path: nothing
    (w0, _), (_, b1) = window.landscape_plot.getViewBox().viewRange()
    assert hover.hover_at(w0, b1) == "" and not hover.item.isVisible()
    with qtbot.waitSignal(hover.hoverChanged) as named:  # the plot's own hover signal
        window.landscape_plot.hovered.emit(w, b)
    assert named.args == [window.line_views.timeline.moment_at(4).text()]


def test_a_handle_dragged_after_a_huge_typed_w_leaves_the_line_finite(window, qtbot):
    """w = 1e308 is a finite number, but the handles then sit at y = inf; dragging one made
    the line -inf·x + inf and the fields read '-inf' and 'inf'. The line stays as typed."""
    study_hours(window, qtbot)
    views = window.line_views
    panel = views.your_panel
    panel.enabled.setChecked(True)
    for field, text in ((panel.w_field, "1e308"), (panel.b_field, "0")):
        field.setFocus()
        field.selectAll()
        QTest.keyClicks(field, text)
        QTest.keyClick(field, Qt.Key.Key_Return)
    h2 = views.your_line.handles[1]
    h2.setPos(h2.pos().x(), 500.0)
    assert (views.your_line.w, views.your_line.b) == (1e308, 0.0)
    assert (panel.w_field.text(), panel.b_field.text()) == ("1e+308", "0")
    assert panel.loss_label.text() == "MSE: beyond float64"


def _exact_r2(x, y, w, b) -> Fraction:
    fx, fy = [Fraction(float(v)) for v in x], [Fraction(float(v)) for v in y]
    mean = sum(fy) / len(fy)
    sst = sum((v - mean) ** 2 for v in fy)
    sse = sum((yi - (Fraction(w) * xi + Fraction(b))) ** 2 for xi, yi in zip(fx, fy, strict=True))
    return 1 - sse / sst


def test_r2_when_the_squares_leave_float64():
    """Study hours with y = 1e150·x: the squared errors overflow but R² (about -7.6e298)
    is a number; tiny y (1e-300) vary though their squares underflow. Both were called
    'R² undefined (every y is the same)'; a line so far that even the ratio overflows says
    so, and a large R² is written in a few digits (not 300)."""
    r = line_report(STUDY_X, STUDY_Y, 1e150, 0.0)
    assert r.r2 == pytest.approx(float(_exact_r2(STUDY_X, STUDY_Y, 1e150, 0.0)), rel=1e-12)
    assert r.r2_text == f"R² = {r.r2:.4g}" and len(r.r2_text) < 20
    tiny_x, tiny_y = [1e-300, 2e-300, 3e-300], [1e-300, 3e-300, 2e-300]
    r = line_report(tiny_x, tiny_y, 0.5, 1e-300)
    assert r.r2 == pytest.approx(float(_exact_r2(tiny_x, tiny_y, 0.5, 1e-300)), rel=1e-12)
    far = line_report(STUDY_X, STUDY_Y, 1e308, 0.0)
    assert far.r2 is None
    assert far.r2_text == "R² below −1e308 (the line is far beyond the points)"
    assert line_report([1.0, 2.0], [1e-300, 1e-300], 1.0, 0.0).r2_text == (
        "R² undefined (every y is the same)")


@pytest.mark.parametrize("mode", ["segments", "squares"])
def test_residuals_of_a_line_beyond_float64_warn_nothing(window, qtbot, mode):
    """Residuals of your line at w = 1e308: no 'overflow encountered' warning on stderr."""
    import warnings

    study_hours(window, qtbot)
    views = window.line_views
    views.your_panel.enabled.setChecked(True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        views.set_residuals(mode)
        views.your_line.set_line(1e308, 0.0)
        views.overlay.redraw()
    assert views.overlay.text.startswith("y = 1e+308·x + 0")


def test_a_run_stopped_inside_an_epoch_names_its_last_moment_so(window, qtbot):
    """Stopped in epoch k + 1: the timeline's last moment is the line reached there, and said
    so ('stopped in epoch k + 1'); it read 'after k epochs' with other numbers than the line
    after k epochs, and hovering the end of epoch k on the landscape named those numbers."""
    c = window.controller
    rng = np.random.default_rng(0)
    x = rng.uniform(-5, 5, 1_000_000)
    c.replace_data(Dataset(x, -5 * x + rng.normal(0, 0.4, x.size)), "test data")
    config = TrainConfig(method="sgd", impl="analytic", learning_rate=1e-4, epochs=50,
                         init_w=0.0, init_b=5.0)
    with qtbot.waitSignal(c.epochsAppended, timeout=120_000):
        assert c.train(config)
    # stopped where it paused inside an epoch: a stop while it runs can land between two
    # epochs, where none is under way (seen on a busy machine)
    for _ in range(20):
        with qtbot.waitSignal(c.session.pauseReached, timeout=30_000) as paused:
            c.pause()
        where = paused.args[0]
        if where is not None and where.done > 0:
            break
        with qtbot.waitSignal(c.session.epochProgressed, timeout=30_000):
            assert c.train()  # resumed: inside an epoch again
    else:
        pytest.fail("no pause inside an epoch")
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        c.stop()
    summary, h = c.current_summary, c.history
    k = h.count  # epochs done (the stop lands inside epoch k + 1)
    assert summary.partial == where and where.epoch == k >= 1
    timeline = window.line_views.timeline
    last = timeline.moment
    assert last.text() == (f"stopped in epoch {k + 1}: w {summary.w:.6g}, "
                           f"b {summary.b:.6g}, loss {summary.loss:.6g}")
    assert timeline.moment_at(k).text() == last.text()
    hover = window.line_views.landscape_hover
    assert hover.hover_at(summary.w, summary.b) == last.text()
    named = hover.hover_at(float(h.w[k - 1]), float(h.b[k - 1]))  # near the end of epoch k
    at = hover.item.pos()  # whatever is named is named where it is
    assert not named or f"w {at.x():.6g}, b {at.y():.6g}," in named
    assert timeline.moment_at(0).text().startswith("after 0 epochs: w 0, b 5")


def test_arrows_on_the_landscape_step_the_timeline(window, qtbot):
    """The landscape is a plot too: with the keyboard focus there (after a click on it, say),
    Left and Right step the timeline as on the data and loss plots (they did nothing)."""
    run(window, qtbot, TrainConfig(learning_rate=0.01, epochs=10))
    t = window.line_views.timeline
    t.set_epoch(4)
    window.landscape_plot.setFocus()
    QTest.keyClick(window.landscape_plot, Qt.Key.Key_Left)
    assert t.slider.value() == 3
    QTest.keyClick(window.landscape_plot, Qt.Key.Key_Right)
    QTest.keyClick(window.landscape_plot, Qt.Key.Key_Right)
    assert t.slider.value() == 5
    h = window.controller.history
    mx, my = window.landscape_plot.moment.getData()
    assert (list(mx), list(my)) == ([h.w[4]], [h.b[4]])


@pytest.mark.parametrize(("text", "message"), [
    ("1e309", "w = 1e309 is too large: numbers go up to about 1.8e308."),
    ("-1e999", "w = -1e999 is too large: numbers go up to about 1.8e308."),
    ("1e-400", "w = 1e-400 is too small: it rounds to 0 (numbers go down to about 5e-324)."),
    ("nan", "w and b must be finite numbers."),
    ("nine", "Type w and b as numbers, such as 9 and 350."),
])
def test_your_line_names_a_number_beyond_float64_as_the_settings_do(window, qtbot, text,
                                                                    message):
    """1e309 is 'too large' (it was 'must be finite'), 1e-400 'too small' (it silently
    became 0), as the Initial w and b fields say; the line stays as it was."""
    panel = window.line_views.your_panel
    panel.enabled.setChecked(True)
    panel.w_field.setFocus()
    panel.w_field.selectAll()
    QTest.keyClicks(panel.w_field, text)
    QTest.keyClick(panel.w_field, Qt.Key.Key_Return)
    assert panel.error_label.text() == message
    assert window.line_views.your_line.w == 1.0


def test_with_no_run_the_equation_follows_the_start_typed(window, qtbot):
    """No run yet: the data plot shows the start line, and its equation, R² and residuals
    (and the landscape's marker) are that line's. Typing Initial w left the previous start
    line's equation (none at all at start-up) beside the new line."""
    study_hours(window, qtbot)
    field = window.panel.init_w
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "3")
    QTest.keyClick(field, Qt.Key.Key_Return)
    start = window.controller.start_point
    assert start[0] == 3.0 and window.plot.fit == start
    report = line_report(STUDY_X, STUDY_Y, *start)
    overlay = window.line_views.overlay
    assert overlay.text == f"y = 3·x − 20    {report.r2_text}"
    mx, my = window.landscape_plot.moment.getData()
    assert (list(mx), list(my)) == ([3.0], [start[1]])


def test_the_slider_keeps_its_length_as_the_moment_words_change(window, qtbot):
    """Beside the slider the words have a width of their own: the slider does not move as
    they change, and words longer than it end in "…" with the whole as their tooltip."""
    from PySide6.QtWidgets import QApplication

    from gdstudio.core.models.line.linefit import Moment

    bar = window.line_views.timeline.bar
    assert not bar.stacked
    QApplication.processEvents()
    where = bar.slider.geometry()
    texts = ["no run yet",
             Moment(20, -5.00317, -0.216671, 0.221526, True).text(),
             Moment(11, -5.00317, -0.216671, 0.221526, False, 0, (100, 100)).text(),
             Moment(100_000, -1.23456789e-05, -1.23456789e-05, 1.2345678e-05, True,
                    100_000).text()]
    assert texts[2].startswith("in epoch 12, update 100/100: ")
    for text in texts:
        bar.label.setText(text)
        QApplication.processEvents()
        assert bar.slider.geometry() == where, text
        metrics = bar.label.fontMetrics()
        if metrics.horizontalAdvance(text) > bar.label.contentsRect().width():
            assert bar.label.toolTip() == text  # (drawn ending in "…")
        else:
            assert bar.label.toolTip() == ""
    assert bar.label.toolTip() == texts[-1]  # the longest does not fit: its tooltip
