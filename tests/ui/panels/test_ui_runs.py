"""Comparing kept runs in the window: the compare list (swatch, check box, label), the
highlighted curve and final line of a selected run, runs on changed data, quitting with
kept runs, and the log axis at any moment."""

from __future__ import annotations

import csv
import warnings

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextLayout, QTextOption

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.runstate import RunState
from tests.qt_helpers import answer, open_question


def run(window, qtbot, config: TrainConfig, keep: bool = True):
    """Train ``config`` to its end (and keep it)."""
    c = window.controller
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        assert c.train(config)
    if keep:
        with qtbot.waitSignal(c.keptRunsChanged, timeout=1000):
            assert c.keep_run()


def keep_three(window, qtbot):
    for lr in (0.01, 0.02, 0.04):
        run(window, qtbot, TrainConfig(learning_rate=lr, epochs=20))
    return window.controller.kept_runs


def item(window, key):
    found = window.runs_panel.item_of(key)
    assert found is not None
    return found


def swatch_color(list_item) -> QColor:
    image = list_item.icon().pixmap(14, 14).toImage()
    return image.pixelColor(7, 7)


def pen(curve):
    return curve.opts["pen"]


def select(window, qtbot, key, on=True):
    with qtbot.waitSignal(window.controller.keptSelectionChanged, timeout=1000):
        item(window, key).setSelected(on)


# --------------------------------------------------------------------------- the list


def test_each_entry_has_its_curves_colour_and_keeps_it(window, qtbot):
    runs = keep_three(window, qtbot)
    colors = {}
    for kept in runs:
        curve = window.loss_plot.kept[kept.key]
        assert swatch_color(item(window, kept.key)) == pen(curve).color()
        assert pen(curve).color() == QColor(kept.color)
        colors[kept.key] = kept.color
    assert len(set(colors.values())) == 3  # three runs, three colours
    window.controller.remove_runs({runs[0].key})
    run(window, qtbot, TrainConfig(learning_rate=0.08, epochs=5))
    for kept in window.controller.kept_runs:
        curve_color = pen(window.loss_plot.kept[kept.key]).color()
        assert swatch_color(item(window, kept.key)) == curve_color
        if kept.key in colors:  # a run keeps its colour when another is removed
            assert curve_color == QColor(colors[kept.key])
    new = window.controller.kept_runs[-1]
    assert new.color not in {colors[k.key] for k in window.controller.kept_runs[:-1]}


def _wrapped(text: str, font, width: float) -> list[str]:
    """The lines ``text`` is wrapped into at ``width`` pixels, as the list wraps words."""
    lines = []
    for paragraph in text.split("\n"):
        layout = QTextLayout(paragraph, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        layout.setTextOption(option)
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
            lines.append(paragraph[line.textStart():line.textStart() + line.textLength()])
        layout.endLayout()
    return lines


def test_a_label_wraps_between_settings_never_inside_a_value(window, qtbot):
    """Runs kept from two starts are told apart by 'start (1, 0)', which the narrow list
    wrapped as 'start (1,' and '0)'; the full label is the tooltip."""
    for w in (1.0, 2.0):
        run(window, qtbot, TrainConfig(learning_rate=0.1, epochs=2, init_w=w, init_b=0.0))
    first = window.controller.kept_runs[0]
    assert first.label.endswith(" · start (1, 0)")
    entry = item(window, first.key)
    text = entry.text()
    assert text.replace("\u00a0", " ").split("\n")[0] == first.label
    assert first.label in entry.toolTip()
    font = window.runs_panel.runs_list.font()
    for width in range(60, 400, 7):
        lines = _wrapped(text, font, width)
        assert "".join(lines).replace("\u00a0", " ") == text.replace("\n", "").replace(
            "\u00a0", " ")
        for line in lines:
            assert line.count("(") == line.count(")"), (width, lines)
        if width > 120:
            assert any(line.rstrip().endswith("start\u00a0(1,\u00a00)") for line in lines)


def test_the_check_box_hides_the_curve_and_the_line(window, qtbot):
    runs = keep_three(window, qtbot)
    key = runs[1].key
    entry = item(window, key)
    assert entry.checkState() == Qt.CheckState.Checked
    assert window.loss_plot.kept[key].isVisible()
    select(window, qtbot, key)
    assert key in window.plot.run_lines and key in window.loss_plot.highlighted
    with qtbot.waitSignal(window.controller.keptRunsChanged, timeout=1000):
        entry.setCheckState(Qt.CheckState.Unchecked)
    assert not window.controller.kept_runs[1].visible
    assert not window.loss_plot.kept[key].isVisible()
    assert key not in window.plot.run_lines  # a hidden run draws no line
    assert key not in window.loss_plot.highlighted  # and is not highlighted
    assert "Hidden" in item(window, key).toolTip()
    with qtbot.waitSignal(window.controller.keptRunsChanged, timeout=1000):
        item(window, key).setCheckState(Qt.CheckState.Checked)
    assert window.loss_plot.kept[key].isVisible() and key in window.plot.run_lines


def test_selecting_a_run_draws_its_final_line_and_highlights_its_curve(window, qtbot):
    runs = keep_three(window, qtbot)
    chosen = runs[2]
    others = [window.loss_plot.kept[k.key] for k in runs[:2]]
    widths = {pen(c).widthF() for c in others}
    select(window, qtbot, chosen.key)
    line = window.plot.run_lines[chosen.key]
    xs, ys = line.getData()
    w, b = chosen.summary.w, chosen.summary.b
    assert (w, b) == (float(window.controller.history.w[-1]),
                      float(window.controller.history.b[-1]))
    assert len(xs) == 2 and xs[0] < xs[1]
    np.testing.assert_allclose(ys, w * xs + b, rtol=1e-12, atol=1e-12)
    assert pen(line).color() == QColor(chosen.color)
    curve = window.loss_plot.kept[chosen.key]
    assert pen(curve).widthF() > max(widths)
    assert curve.zValue() > max(c.zValue() for c in others)
    assert curve.zValue() < window.loss_plot.current.zValue()  # the current run on top
    assert all(pen(c).color().alpha() < 255 for c in others)  # the others are dimmed
    select(window, qtbot, chosen.key, on=False)
    assert window.plot.run_lines == {}
    assert window.loss_plot.highlighted == frozenset()
    assert pen(curve).widthF() in widths
    assert all(pen(c).color().alpha() == 255 for c in [curve, *others])


def test_the_loss_plot_has_no_legend_over_its_curves(window, qtbot):
    keep_three(window, qtbot)
    for plot in (window.loss_plot, window.plot):
        assert plot.getPlotItem().legend is None
    assert "current run" in window.loss_plot.getPlotItem().titleLabel.text


def test_labels_name_the_loss_function(window, qtbot):
    run(window, qtbot, TrainConfig(loss="mae", epochs=3))
    run(window, qtbot, TrainConfig(loss="huber", epochs=3))
    mae, huber = (k.label for k in window.controller.kept_runs)
    assert mae[3:] != huber[3:]  # after "#1 " and "#2 "
    assert "MAE" in mae and "Huber" in huber
    assert item(window, 1).text().startswith(mae)


# --------------------------------------------------------------------------- stale runs


def test_a_run_on_changed_data_is_marked_everywhere(window, qtbot, tmp_path):
    runs = keep_three(window, qtbot)
    key = runs[0].key
    select(window, qtbot, key)
    curve = window.loss_plot.kept[key]
    assert pen(curve).style() == Qt.PenStyle.SolidLine
    assert "previous data" not in item(window, key).text()
    assert "previous data" not in window.loss_plot.getPlotItem().titleLabel.text
    with qtbot.waitSignal(window.controller.keptRunsChanged, timeout=1000):
        window.plot.addRequested.emit(2.0, 20.0)  # a click on the plot adds a point
    entry = item(window, key)
    assert "(previous data)" in entry.text()
    assert "changed since" in entry.toolTip()
    assert entry.font().italic()
    assert "on previous data" in window.loss_plot.getPlotItem().titleLabel.text
    assert pen(curve).style() == Qt.PenStyle.DashLine
    assert pen(window.plot.run_lines[key]).style() == Qt.PenStyle.DashLine
    # a new run on the data as it is now is not marked
    run(window, qtbot, TrainConfig(epochs=5))
    fresh = window.controller.kept_runs[-1]
    assert "previous data" not in item(window, fresh.key).text()
    assert pen(window.loss_plot.kept[fresh.key]).style() == Qt.PenStyle.SolidLine
    path = tmp_path / "params.csv"
    assert window.files.export_parameters(str(path))
    rows = list(csv.DictReader(path.open()))
    assert [r["data_changed"] for r in rows] == ["True", "True", "True", "False"]


# --------------------------------------------------------------------------- quitting


def test_quitting_without_kept_runs_does_not_ask(window, qtbot):
    run(window, qtbot, TrainConfig(epochs=3), keep=False)
    window.close()
    assert not window.isVisible() and open_question(window) is None


def test_quitting_with_kept_runs_asks_first(window, qtbot):
    run(window, qtbot, TrainConfig(epochs=3))
    window.close()
    assert window.isVisible()
    box = open_question(window)
    assert box is not None and "1 kept run" in box.text()
    window.act_quit.trigger()  # asking again shows the same question
    assert [b for b in window.messages.boxes if b.windowTitle() == "Quit?"] == [box]
    answer(window, "Cancel")
    assert window.isVisible() and open_question(window) is None
    window.close()
    answer(window, "Quit")
    assert not window.isVisible()


def test_quitting_during_a_run_with_kept_runs_asks_then_stops_it(window, qtbot):
    run(window, qtbot, TrainConfig(epochs=3))
    c = window.controller
    c.set_speed(0.01)
    with qtbot.waitSignal(c.epochsAppended, timeout=10_000):
        assert c.train(TrainConfig(learning_rate=0.001, epochs=100_000))
    window.close()
    assert window.isVisible() and c.state is RunState.RUNNING
    answer(window, "Quit")
    assert not window.isVisible()
    assert not c.session.has_thread  # the run was stopped and its thread joined


# --------------------------------------------------------------------------- log axis


@pytest.fixture
def quiet(qtlog):
    """Fails the test if toggling printed a Python warning or a Qt message."""
    start = len(qtlog.records)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert [str(w.message) for w in caught] == []
    assert [r.message for r in qtlog.records[start:]] == []


def check_axes(window, decades=12.0):
    """The loss view is finite, holds every curve drawn, and is not absurdly tall."""
    lp = window.loss_plot
    (x0, x1), (y0, y1) = lp.getViewBox().viewRange()
    assert np.isfinite([x0, x1, y0, y1]).all() and x0 < x1 and y0 < y1
    for curve in [lp.current, *lp.kept.values()]:
        xs, ys = curve.getData()
        if not curve.isVisible() or xs is None or not len(xs):
            continue
        assert np.isfinite(ys).all()  # as drawn: log10 of the loss on a log axis
        assert x0 <= xs.min() and xs.max() <= x1
        assert y0 <= ys.min() and ys.max() <= y1
    if lp.log:
        assert y1 - y0 <= decades


def toggle(window, qtbot, times=4, decades=12.0):
    for _ in range(times):
        window.act_log.toggle()
        qtbot.wait(1)
        window.loss_plot.grab()  # paint it as the user would see it
        check_axes(window, decades)


def test_log_toggles_with_no_data_and_one_epoch(window, qtbot, quiet):
    c = window.controller
    toggle(window, qtbot)
    run(window, qtbot, TrainConfig(epochs=1), keep=False)
    toggle(window, qtbot, decades=2)
    c.clear()
    toggle(window, qtbot, decades=2)


def test_log_toggles_with_a_loss_of_exactly_zero(window, qtbot, quiet):
    c = window.controller
    assert c.replace_data(Dataset(np.array([1.0, 1.0, 1.0]), np.array([2.0, 2.0, 2.0])),
                          "a perfect line")
    mae = TrainConfig(loss="mae", fit_bias=False, init_w=1.0, init_b=0.0,
                      learning_rate=0.25, epochs=8)
    run(window, qtbot, mae, keep=False)
    assert c.history.loss[-1] == 0.0 and c.history.loss[0] == 1.0
    toggle(window, qtbot, decades=4)
    window.act_log.setChecked(True)
    # drawn a decade below the smallest loss, not at 1e-308
    assert window.loss_plot.current.yData[-1] == 0.01
    run(window, qtbot, TrainConfig(loss="mae", fit_bias=False, init_w=2.0, epochs=3))
    assert not c.history.loss.any()  # nothing positive at all
    toggle(window, qtbot, decades=4)


def test_log_toggles_during_a_run_with_kept_and_hidden_runs(window, qtbot, quiet):
    c = window.controller
    runs = keep_three(window, qtbot)
    item(window, runs[0].key).setCheckState(Qt.CheckState.Unchecked)
    select(window, qtbot, runs[1].key)
    toggle(window, qtbot)
    c.set_speed(0.01)
    with qtbot.waitSignal(c.epochsAppended, timeout=10_000):
        assert c.train(TrainConfig(learning_rate=0.001, epochs=100_000))
    lp = window.loss_plot
    x_view = lp.getViewBox().viewRange()[0]
    for _ in range(4):
        window.act_log.toggle()
        with qtbot.waitSignal(c.epochsAppended, timeout=10_000):
            pass
        lp.grab()
        check_axes(window)
        # the live view keeps the run's epochs and does not follow every frame
        assert lp.getViewBox().viewRange()[0] == x_view
        assert not any(lp.getViewBox().autoRangeEnabled())
    with qtbot.waitSignal(c.runFinished, timeout=5000):
        c.stop()
    toggle(window, qtbot)


def test_the_current_run_is_drawn_above_an_identical_selected_kept_run(window, qtbot):
    """The same run kept, then trained again: on every plot the current run's curve, line
    and path are above the kept run's, even when the kept run is selected."""
    config = TrainConfig(learning_rate=0.05, epochs=10, init_w=-2.0, init_b=3.0)
    run(window, qtbot, config)
    key = window.controller.kept_runs[0].key
    run(window, qtbot, config, keep=False)
    select(window, qtbot, key)
    assert key in window.loss_plot.highlighted and key in window.plot.run_lines
    assert window.loss_plot.current.zValue() > window.loss_plot.kept[key].zValue()
    assert pen(window.loss_plot.current).color().alpha() == 255  # on top and not dimmed
    assert window.plot.fit_line.zValue() > window.plot.run_lines[key].zValue()
    landscape = window.landscape_plot
    assert min(item.zValue() for item in landscape.path.items()) > landscape.kept[key].zValue()


def test_kept_run_colours_stand_out_from_the_axis_text_and_each_other():
    """No kept run is drawn in black (the axes' and labels' colour) or near-black, and no two
    colours are the same, so ten kept runs stay apart on every plot."""
    from gdstudio.ui.studio.palette import CURRENT_COLOR, RUN_COLORS

    def luminance(color):
        r, g, b = (int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert len(set(RUN_COLORS) | {CURRENT_COLOR}) == len(RUN_COLORS) + 1
    assert min(luminance(c) for c in RUN_COLORS) > 0.2


def test_no_kept_run_is_drawn_in_the_guess_or_the_previews_orange(window, qtbot):
    """The fourth kept run was drawn in the orange of the landscape's dashed preview and of
    predict mode's guess ring."""
    for lr in (0.01, 0.02, 0.04, 0.08, 0.1):
        run(window, qtbot, TrainConfig(learning_rate=lr, epochs=2))
    marks = {window.landscape_plot.preview.opts["pen"].color().name(),
             window.classroom.guess_mark.opts["pen"].color().name()}
    assert len(window.controller.kept_runs) == 5
    for kept in window.controller.kept_runs:
        assert pen(window.loss_plot.kept[kept.key]).color().name() not in marks
