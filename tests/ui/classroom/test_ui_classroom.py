"""The classroom's tools in the window: File ▸ Export figure (PNG and SVG of each view, bad
sizes and paths refused), Edit ▸ Paste points, the spray brush (one stroke, one undo) and
Run ▸ Predict mode (a guess before each step, scored against the epoch's end)."""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage

from gdstudio.core.drawing.predict_score import score_guess
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.classroom.classroom_tools import paste_points
from gdstudio.ui.classroom.predict_mode import NEED_GUESS
from gdstudio.ui.exports.figure_export import FigureDialog, FigureExport

SVG = "{http://www.w3.org/2000/svg}"
CONFIG = TrainConfig(epochs=5, learning_rate=0.05, seed=0)


def train(window, qtbot, config=CONFIG):
    with qtbot.waitSignal(window.controller.runFinished, timeout=30_000):
        assert window.controller.train(config)


# --------------------------------------------------------------------------- figures


@pytest.mark.parametrize(("view", "size"), [("all", (1200, 400)), ("data", (640, 480)),
                                            ("landscape", (500, 500)), ("loss", (300, 200))])
def test_each_view_exports_as_a_png_of_the_chosen_size(window, qtbot, tmp_path, view, size):
    train(window, qtbot)
    path = tmp_path / f"{view}.png"
    assert window.figure_export.export(str(path), view, *map(str, size))
    image = QImage(str(path))
    assert not image.isNull() and (image.width(), image.height()) == size
    colours = {image.pixel(x, y) for x in range(0, size[0], 13) for y in range(0, size[1], 11)}
    assert len(colours) > 5  # drawn, not one flat colour
    assert "Exported the figure" in window.statusBar().currentMessage()


@pytest.mark.parametrize(("view", "titles"), [
    ("all", ("Data, the fit", "Loss landscape", "Loss (MSE")),
    ("data", ("Data, the fit",)), ("landscape", ("Loss landscape",)),
    ("loss", ("Loss (MSE",))])
def test_each_view_exports_as_an_svg_with_the_plots_content(window, qtbot, tmp_path, view,
                                                             titles):
    train(window, qtbot)
    path = tmp_path / f"{view}.SVG"
    assert window.figure_export.export(str(path), view, "900", "450")
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == "0 0 900 450"
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    for title in titles:
        assert title in text
    for title in {"Data, the fit", "Loss landscape", "Loss (MSE"} - set(titles):
        assert title not in text
    assert len(list(root.iter(f"{SVG}path"))) + len(list(root.iter(f"{SVG}polyline"))) > 5
    if view in ("all", "landscape"):
        assert any(True for _ in root.iter(f"{SVG}image"))  # the landscape's colours
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))  # each view keeps its own clipping


def test_the_figure_shows_the_selected_kept_run_and_the_kept_paths(window, qtbot, tmp_path):
    c = window.controller
    train(window, qtbot)
    with qtbot.waitSignal(c.keptRunsChanged, timeout=1000):
        assert c.keep_run()
    train(window, qtbot, TrainConfig(epochs=3, learning_rate=0.01, seed=0))
    from gdstudio.ui.exports.figure_export import studio_figure

    data, _, _, _, kept = studio_figure(c)
    assert data.losses.tolist() == [*c.history.loss, c.current_summary.loss]  # after 0..3
    assert [k[0] for k in kept] == [1]
    first = c.kept_runs[0]
    assert kept[0][1].tolist() == [[first.summary.init_w, first.summary.init_b],
                                   *np.column_stack([first.w, first.b]).tolist()]
    h = c.history
    assert data.path.tolist() == [list(c.session.init),
                                  *np.column_stack([h.w, h.b]).tolist()]
    c.select_runs({first.key})
    data, _, _, _, kept = studio_figure(c)
    assert data.losses.tolist() == [*first.loss, first.summary.loss] and kept == []
    assert len(data.path) == 6
    assert (data.w, data.b) == (first.summary.w, first.summary.b)
    assert window.figure_export.export(str(tmp_path / "kept.png"))


def test_the_figure_of_one_epoch_draws_the_loss_after_0_and_1_epochs_as_the_app_does(
        window, qtbot):
    """One epoch: the figure's loss view has two points, the loss after 0 and after 1
    epoch, at x = 0 and 1, the very points of the app's loss plot, under the same axis
    labels (it had one point, drawn as nothing, at x = 1 under "before each epoch")."""
    import pyqtgraph as pg

    from gdstudio.ui.exports.figure_export import studio_figure
    from gdstudio.ui.exports.figure_views import figure_plots

    c = window.controller
    train(window, qtbot, TrainConfig(epochs=1, learning_rate=0.05, seed=0))
    start = c.session.init
    x, y = (np.asarray(v, np.float64) for v in (c.dataset.x, c.dataset.y))
    after_0 = float(np.mean((start[0] * x + start[1] - y) ** 2))  # (float32 data and run)
    assert c.history.loss.tolist() == [pytest.approx(after_0, rel=1e-6)]
    data, dataset, config, optimum, kept = studio_figure(c)
    assert data.losses.tolist() == [c.history.loss[0], c.current_summary.loss]
    plots = figure_plots(data, dataset, config, optimum, kept)
    loss_view = plots[2]
    (curve,) = [i for i in loss_view.getPlotItem().items if isinstance(i, pg.PlotDataItem)]
    xs, ys = curve.getOriginalDataset()
    app_xs, app_ys = window.loss_plot.current.getOriginalDataset()
    assert xs.tolist() == app_xs.tolist() == [0.0, 1.0]
    assert ys.tolist() == app_ys.tolist()
    for side in ("left", "bottom"):
        assert (loss_view.getAxis(side).labelText
                == window.loss_plot.getAxis(side).labelText != "")
    for plot in plots:
        plot.deleteLater()


def test_before_a_run_the_figure_shows_the_data_and_the_start(window, tmp_path):
    from gdstudio.ui.exports.figure_export import studio_figure
    from gdstudio.ui.numbers.line_loss import exact_loss

    data = studio_figure(window.controller)[0]
    w, b = window.controller.start_parameters()
    assert data.losses.tolist() == [exact_loss(window.controller, w, b)]  # after 0 epochs
    assert window.figure_export.export(str(tmp_path / "start.svg"), "all")
    assert ET.parse(tmp_path / "start.svg").getroot().get("viewBox") == "0 0 1500 500"


@pytest.mark.parametrize(("name", "size", "words"), [
    ("f.jpg", ("800", "600"), "The file name must end in .png or .svg, got 'f.jpg'."),
    ("f.png", ("abc", "600"), "The width must be a whole number of pixels, got 'abc'."),
    ("f.png", ("800", "9000"), "The height must be from 150 to 8,000 pixels, got 9,000."),
    ("f.svg", ("100", "600"), "The width must be from 200 to 8,000 pixels, got 100."),
])
def test_bad_sizes_and_names_give_one_message_and_write_nothing(window, tmp_path, name, size,
                                                                words):
    assert not window.figure_export.export(str(tmp_path / name), "data", *size)
    title, text = window.messages.last
    assert title == "Cannot export the figure" and words in text
    assert "Nothing was written." in text
    assert [n for n in os.listdir(tmp_path) if n != "settings.ini"] == []


def test_all_three_views_need_room_for_three(window, tmp_path):
    assert not window.figure_export.export(str(tmp_path / "f.png"), "all", "500", "400")
    assert "for 3 views side by side" in window.messages.last[1]


def test_devices_folders_and_pipes_are_refused(window, tmp_path):
    (tmp_path / "folder.png").mkdir()
    fifo = tmp_path / "pipe.svg"
    os.mkfifo(fifo)
    device = tmp_path / "null.png"
    os.symlink("/dev/null", device)
    for path, words in ((tmp_path / "folder.png", "it is a folder"),
                        (fifo, "a named pipe"), (device, "a device"),
                        (tmp_path / "missing" / "f.png", "does not exist")):
        assert not window.figure_export.export(str(path))
        assert words in window.messages.last[1]
    assert os.path.islink(device) and os.readlink(device) == "/dev/null"
    assert sorted(n for n in os.listdir(tmp_path) if n != "settings.ini") == [
        "folder.png", "null.png", "pipe.svg"]
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []


def test_the_dialog_says_what_is_wrong_and_offers_each_views_size(window, qtbot, tmp_path):
    dialog = FigureDialog(window, FigureExport.check, str(tmp_path / "figure.png"))
    qtbot.addWidget(dialog)
    ok = dialog.buttons.buttons()[0]
    assert (dialog.width_edit.text(), dialog.height_edit.text()) == ("1500", "500")
    assert dialog.error.text() == "" and ok.isEnabled()
    dialog.view.setCurrentIndex(dialog.view.findData("loss"))
    assert (dialog.width_edit.text(), dialog.height_edit.text()) == ("800", "600")
    dialog.width_edit.setText("12x")
    assert "The width must be a whole number of pixels" in dialog.error.text()
    assert not ok.isEnabled()
    dialog.width_edit.setText("640")
    dialog.path_edit.setText(str(tmp_path / "figure.gif"))
    assert "must end in .png or .svg" in dialog.error.text()
    dialog.path_edit.setText(str(tmp_path / "figure.svg"))
    assert ok.isEnabled()
    assert dialog.values() == (str(tmp_path / "figure.svg"), "loss", "640", "600")


# --------------------------------------------------------------------------- paste


def test_paste_adds_the_points_as_one_undoable_edit(window, qtbot):
    c = window.controller
    before = len(c.model.dataset)
    QGuiApplication.clipboard().setText("x\ty\n1,5\t2\n3\t4\n5\t-6\n")
    window.act_paste_points.trigger()
    d = c.model.dataset
    assert len(d) == before + 3
    assert d.x[-3:].tolist() == [1.5, 3, 5] and d.y[-3:].tolist() == [2, 4, -6]
    assert window.controller.undo_text() == "Paste 3 points"
    window.act_undo.trigger()
    assert len(c.model.dataset) == before


def test_bad_pasted_text_says_which_line_and_changes_nothing(window):
    c = window.controller
    before = c.model.dataset
    assert not paste_points(c, "1\t2\n3\tfour\n")
    title, text = window.messages.last
    assert title == "Cannot paste the points"
    assert "line 2, column 2: 'four' is not a number" in text
    assert "The data was not changed." in text
    assert c.model.dataset is before and not c.model.undo_stack.canUndo()


def test_paste_is_refused_while_a_run_is_active(window, qtbot):
    c = window.controller
    with qtbot.waitSignal(c.runStateChanged, timeout=30_000):
        c.step()
    qtbot.waitUntil(lambda: c.history.count == 1, timeout=30_000)
    before = len(c.model.dataset)
    assert not window.act_paste_points.isEnabled() and not window.act_spray.isEnabled()
    assert not paste_points(c, "1\t2\n")
    assert len(c.model.dataset) == before
    window.act_spray.setEnabled(True)  # (greyed; the tool refuses all the same)
    window.act_spray.setChecked(True)
    assert not window.classroom.spray.begin(0.0, 0.0)
    assert window.classroom.spray.stroke is None and len(c.model.dataset) == before
    assert "locked" in window.statusBar().currentMessage()
    c.stop()
    qtbot.waitUntil(lambda: window.act_paste_points.isEnabled(), timeout=10_000)


# --------------------------------------------------------------------------- spray


def test_a_spray_stroke_adds_its_points_and_one_undo_removes_them(window, qtbot):
    c = window.controller
    tool = window.classroom.spray
    tool.seed = 3
    now = [100.0]
    tool.clock = lambda: now[0]
    window.act_spray.setChecked(True)
    assert window.plot.getViewBox().tool is tool
    before = len(c.model.dataset)
    undo_before = c.model.undo_stack.count()
    assert tool.begin(1.0, 2.0)
    for i in range(1, 9):  # a second of dragging at 60 points a second
        now[0] += 0.125
        tool.move_to(1.0 + 0.1 * i, 2.0)
    assert len(tool.stroke) == 6 + 60
    xs, _ = tool.preview.getData()
    assert len(xs) == 66  # shown while spraying
    assert len(c.model.dataset) == before  # one edit, at the end
    assert tool.finish()
    assert len(c.model.dataset) == before + 66
    assert c.model.undo_stack.count() == undo_before + 1
    assert c.undo_text() == "Spray 66 points"
    added = c.model.dataset.x[before:]
    px, _ = window.plot.getViewBox().viewPixelSize()
    assert abs(float(np.mean(added[:6])) - 1.0) < 24 * px  # around the cursor
    window.act_undo.trigger()
    assert len(c.model.dataset) == before
    window.act_spray.setChecked(False)
    assert window.plot.getViewBox().tool is None


def test_the_spray_takes_the_plots_clicks_while_on(window, qtbot):
    c = window.controller
    before = len(c.model.dataset)
    window.act_spray.setChecked(True)
    vb = window.plot.getViewBox()
    rect = vb.viewRect()  # the top right corner: no point of the tutorial's line is there
    corner = vb.mapViewToScene(QPointF(rect.left() + 0.9 * rect.width(),
                                       rect.top() + 0.9 * rect.height()))

    class Click:
        def button(self):
            return Qt.MouseButton.LeftButton

        def modifiers(self):
            return Qt.KeyboardModifier.NoModifier

        def scenePos(self):
            return corner

        def accept(self):
            pass

    vb.mouseClickEvent(Click())
    assert len(c.model.dataset) == before + 6 and c.undo_text() == "Spray 6 points"
    window.act_undo.trigger()
    window.act_spray.setChecked(False)
    vb.mouseClickEvent(Click())  # a click adds one point again
    assert len(c.model.dataset) == before + 1 and c.undo_text() == "Add point"


# --------------------------------------------------------------------------- predict


def test_predict_mode_needs_a_guess_then_scores_the_step(window, qtbot):
    c = window.controller
    window.panel.set_start("0", "0")
    predict = window.classroom.predict
    window.act_predict.setChecked(True)
    assert c.step_gate is not None
    c.step()  # no guess yet: nothing runs
    assert c.history.count == 0 and c.state.name == "IDLE"
    assert window.statusBar().currentMessage() == NEED_GUESS
    start = window.controller.start_parameters()
    window.landscape_plot.startRequested.emit(1.5, 0.25)  # a click: a guess, not the start
    assert predict.guess == (1.5, 0.25)
    assert window.controller.start_parameters() == start
    assert window.classroom.guess_mark.getData()[0].tolist() == [1.5]
    with qtbot.waitSignal(predict.revealed, timeout=30_000) as revealed:
        window.act_step.trigger()
    result = revealed.args[0]
    h = c.history
    after = (float(h.w[0]), float(h.b[0]))
    init = c.session.init
    assert result.after == after and result.before == (float(init[0]), float(init[1]))
    expected = score_guess((1.5, 0.25), init, after)
    assert result.distance == expected.distance == math.hypot(1.5 - after[0], 0.25 - after[1])
    assert predict.tally.count == 1 and predict.guess is None
    assert "1 guess" in window.classroom.tally_text()
    assert window.classroom.miss_line.getData()[0].tolist() == [1.5, after[0]]
    qtbot.waitUntil(lambda: c.state.name == "PAUSED", timeout=10_000)
    c.step()  # the next step needs a new guess
    assert h.count == 1 and window.statusBar().currentMessage() == NEED_GUESS
    window.landscape_plot.startRequested.emit(*after)  # guessed exactly where it was
    with qtbot.waitSignal(predict.revealed, timeout=30_000) as revealed:
        window.act_step.trigger()
    second = revealed.args[0]
    assert second.before == after and second.after == (float(h.w[1]), float(h.b[1]))
    assert predict.tally.count == 2
    assert predict.tally.mean_distance == pytest.approx(
        (result.distance + second.distance) / 2, rel=1e-15)
    c.stop()
    qtbot.waitUntil(lambda: c.state.name == "IDLE", timeout=10_000)
    window.act_predict.setChecked(False)
    assert c.step_gate is None and not window.classroom.tally_label.isVisible()
    window.landscape_plot.startRequested.emit(0.5, 0.125)  # the start again
    assert window.controller.start_parameters() == (0.5, 0.125)


def test_a_step_that_ends_the_run_says_where_it_went_and_that_the_run_is_done(window, qtbot):
    """The last epoch's step: "Done: 2 epochs…" replaced what the step revealed (the class
    never saw where its guess's step went); one line says both, as for a pause."""
    c = window.controller
    window.panel.set_config(TrainConfig(epochs=2, init_w=0.0, init_b=0.0))
    predict = window.classroom.predict
    window.act_predict.setChecked(True)
    bar = window.statusBar()
    window.landscape_plot.startRequested.emit(1.5, 0.25)
    with qtbot.waitSignal(predict.revealed, timeout=30_000):
        window.act_step.trigger()
    qtbot.waitUntil(lambda: c.state.name == "PAUSED", timeout=10_000)
    assert bar.currentMessage().startswith("The step went to")
    assert bar.currentMessage().endswith("Paused: click your next guess, then F10.")
    window.landscape_plot.startRequested.emit(1.0, 0.5)
    with qtbot.waitSignal(c.runFinished, timeout=30_000):
        window.act_step.trigger()
    assert predict.tally.count == 2 and c.history.count == 2
    message = bar.currentMessage()
    assert message.startswith(predict.last.words()), message
    summary = c.current_summary
    assert message.endswith(f" Done: 2 epochs; w={summary.w:.6g}, b={summary.b:.6g}. "
                            "Ctrl+K keeps the run for comparison."), message
    assert message.count("The step went to") == 1


def test_predict_mode_gives_no_hint_and_shows_one_status_line_at_a_time(window, qtbot):
    """The dashed preview (where the run's steps land) is hidden while the class guesses;
    the step's end and the miss line answer the guess; and the tally never shares the
    status bar with a message (the two were drawn over each other: "Predict mPredict: …")."""
    c = window.controller
    window.panel.set_start("0", "0")
    preview = window.landscape_plot.preview
    qtbot.waitUntil(lambda: preview.getData()[0] is not None
                    and len(preview.getData()[0]) > 1, timeout=10_000)
    assert preview.isVisible()  # the preview of the run from the start
    bar, tally = window.statusBar(), window.classroom.tally_label

    def one_line():
        return not (bar.currentMessage() and tally.isVisibleTo(bar))

    window.act_predict.setChecked(True)
    assert not preview.isVisible()  # before the guess: no hint
    assert bar.currentMessage() == NEED_GUESS and one_line()
    bar.clearMessage()  # the message's time is up: the tally comes back
    assert tally.isVisibleTo(bar) and "Predict:" in tally.text() and one_line()
    window.landscape_plot.startRequested.emit(1.5, 0.25)  # the guess
    assert bar.currentMessage().startswith("Your guess") and one_line()
    assert not preview.isVisible()  # a second click could still move the guess
    with qtbot.waitSignal(window.classroom.predict.revealed, timeout=30_000):
        window.act_step.trigger()
    assert bar.currentMessage().startswith("The step went to") and one_line()
    after = (float(c.history.w[0]), float(c.history.b[0]))
    assert window.classroom.miss_line.getData()[0].tolist() == [1.5, after[0]]  # the answer
    bar.clearMessage()
    assert tally.isVisibleTo(bar) and "1 guess" in tally.text() and one_line()
    c.stop()
    qtbot.waitUntil(lambda: c.state.name == "IDLE", timeout=10_000)
    assert not preview.isVisible()  # the next run's steps are guessed too
    window.act_predict.setChecked(False)
    assert preview.isVisible() and not tally.isVisibleTo(bar)


def test_a_drag_on_the_data_plot_is_one_spray_stroke(window):
    c = window.controller
    before = len(c.model.dataset)
    window.act_spray.setChecked(True)
    tool = window.classroom.spray
    now = [0.0]
    tool.clock = lambda: now[0]
    vb = window.plot.getViewBox()

    class Drag:
        def __init__(self, x, y, start=False, finish=False):
            self.pos = vb.mapViewToScene(QPointF(x, y))
            self.start, self.finish = start, finish

        def button(self):
            return Qt.MouseButton.LeftButton

        def scenePos(self):
            return self.pos

        def isStart(self):
            return self.start

        def isFinish(self):
            return self.finish

        def accept(self):
            pass

    range_before = vb.viewRange()
    vb.mouseDragEvent(Drag(0.0, 0.0, start=True))
    for i in range(1, 5):
        now[0] += 0.25
        vb.mouseDragEvent(Drag(0.5 * i, 1.0 * i))
    now[0] += 0.25
    vb.mouseDragEvent(Drag(2.5, 5.0, finish=True))
    assert vb.viewRange() == range_before  # the drag sprays, it does not pan
    assert len(c.model.dataset) == before + 6 + 75
    assert c.undo_text() == "Spray 81 points"
    window.act_undo.trigger()
    assert len(c.model.dataset) == before


def test_predict_mode_guesses_a_whole_epoch_of_a_stochastic_run(window, qtbot):
    c = window.controller
    c.set_settings(TrainConfig(method="sgd", epochs=3, learning_rate=0.01, init_w=0.0,
                               init_b=0.0))
    window.act_predict.setChecked(True)
    window.landscape_plot.startRequested.emit(-1.0, 0.5)
    predict = window.classroom.predict
    with qtbot.waitSignal(predict.revealed, timeout=30_000) as revealed:
        window.act_step.trigger()
    result = revealed.args[0]
    h = c.history
    assert h.updates_per_epoch == len(c.model.dataset) > 1
    assert result.before == (0.0, 0.0) and result.after == (float(h.w[0]), float(h.b[0]))
    assert result.distance == math.hypot(-1.0 - h.w[0], 0.5 - h.b[0])
    c.stop()
    qtbot.waitUntil(lambda: c.state.name == "IDLE", timeout=10_000)

