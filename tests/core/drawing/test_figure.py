"""``gdstudio train --figure``: the three views as one PNG or SVG, with no display."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QImage

from gdstudio.cli.main import main
from gdstudio.core.drawing.figure_data import FIGURE_SIZE, figure_format, landscape_ranges, thinned
from tests.paths import ROOT

RUN = ["train", "--epochs", "5", "--quiet"]


def test_png_has_the_size_and_the_run_still_writes_its_files(qapp, tmp_path):
    figure, params, history = tmp_path / "f.png", tmp_path / "p.csv", tmp_path / "h.csv"
    assert main([*RUN, "--figure", str(figure), "--params", str(params), "--history",
                 str(history)]) == 0
    image = QImage(str(figure))
    assert not image.isNull()
    assert (image.width(), image.height()) == FIGURE_SIZE
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(history, newline="") as handle:
        assert len(list(csv.reader(handle))) == 6
    with open(params, newline="") as handle:
        assert len(list(csv.reader(handle))) == 2
    # not one flat colour: the views are drawn
    assert len({image.pixel(x, y) for x in range(0, 1500, 37) for y in range(0, 500, 29)}) > 8


def test_svg_parses_with_an_svg_root(qapp, tmp_path):
    figure = tmp_path / "F.SVG"
    assert main([*RUN, "--loss", "huber", "--standardize", "--figure", str(figure)]) == 0
    root = ET.parse(figure).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == f"0 0 {FIGURE_SIZE[0]} {FIGURE_SIZE[1]}"


@pytest.mark.parametrize("name", ["f.jpg", "f", "f.png.txt"])
def test_bad_extension_is_refused_and_nothing_is_written(tmp_path, capsys, name):
    params = tmp_path / "p.csv"
    assert main([*RUN, "--figure", str(tmp_path / name), "--params", str(params)]) == 2
    err = capsys.readouterr().err
    assert "--figure must name a .png or .svg file" in err and err.count("\n") == 1
    assert os.listdir(tmp_path) == []


def test_bad_paths_are_refused(tmp_path, capsys):
    (tmp_path / "folder.png").mkdir()
    assert main([*RUN, "--figure", str(tmp_path / "folder.png")]) == 2
    assert "it is a folder" in capsys.readouterr().err
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert main([*RUN, "--figure", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err
    device = tmp_path / "null.png"
    os.symlink("/dev/null", device)
    assert main([*RUN, "--figure", str(device)]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert main([*RUN, "--figure", str(tmp_path / "x.png"), "--params",
                 str(tmp_path / "x.png")]) == 2
    assert "--params and --figure must be different files" in capsys.readouterr().err
    assert main([*RUN, "--figure", ""]) == 2
    assert "--figure needs a file name" in capsys.readouterr().err


def test_no_display_needed(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = ROOT
    figure = tmp_path / "f.png"
    done = subprocess.run([sys.executable, "-m", "gdstudio", *RUN, "--figure", str(figure)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert QImage(str(figure)).size().toTuple() == FIGURE_SIZE


def test_the_figure_of_one_epoch_has_the_loss_after_0_and_1_epochs(qapp, tmp_path,
                                                                    monkeypatch):
    """``--figure`` after one epoch draws two losses: after 0 epochs (the history's loss)
    and after 1 (the parameters' final loss), at x = 0 and 1, as the studio does."""
    import pyqtgraph as pg

    from gdstudio.ui.exports import figure_views
    from gdstudio.ui.plots.loss_plot import LossPlot

    drawn = []
    real = figure_views.figure_plots

    def figure_plots(*args, **kwargs):
        plots = real(*args, **kwargs)
        drawn.append(plots)
        return plots

    monkeypatch.setattr(figure_views, "figure_plots", figure_plots)
    params, history = tmp_path / "p.csv", tmp_path / "h.csv"
    assert main(["train", "--epochs", "1", "--quiet", "--figure", str(tmp_path / "f.png"),
                 "--params", str(params), "--history", str(history)]) == 0
    with open(history, newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    with open(params, newline="") as handle:
        (summary,) = list(csv.DictReader(handle))
    (plots,) = drawn
    loss_view = plots[2]
    (curve,) = [i for i in loss_view.getPlotItem().items if isinstance(i, pg.PlotDataItem)]
    xs, ys = curve.getOriginalDataset()
    assert xs.tolist() == [0.0, 1.0]
    assert ys.tolist() == [float(row["loss"]), float(summary["loss"])]
    app = LossPlot()
    for side in ("left", "bottom"):
        assert loss_view.getAxis(side).labelText == app.getAxis(side).labelText
    app.deleteLater()


def test_figure_format_and_ranges():
    assert [figure_format(n) for n in ("a.png", "b.PNG", "c.svg", "d.jpg", "e")] == [
        "png", "png", "svg", None, None]
    (w0, w1), (b0, b1) = landscape_ranges(np.array([[0.0, 0.0], [2.0, 1.0]]), (4.0, -1.0))
    assert (w0, w1) == pytest.approx((-0.48, 4.48)) and (b0, b1) == pytest.approx((-1.24, 1.24))
    (w0, w1), _ = landscape_ranges(np.array([[3.0, 0.0], [np.inf, 1.0]]), None)
    assert (w0, w1) == pytest.approx((3 - 0.36, 3 + 0.36))  # a flat span: its own size
    # a start at float64's end: the view frames the optimum (its ranges overflowed to NaN)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (w0, w1), (b0, b1) = landscape_ranges(np.array([[1.7e308, 0.4], [-1.7e308, 0.0]]),
                                              (-5.0, 0.5))
    assert (w0, w1) == pytest.approx((-5.6, -4.4)) and (b0, b1) == pytest.approx((0.38, 0.62))
    assert thinned(5).tolist() == [0, 1, 2, 3, 4]
    picked = thinned(10_001, 100)
    assert len(picked) == 100 and picked[0] == 0 and picked[-1] == 10_000


@pytest.mark.parametrize("xs", [[1.0], [3.0, 3.0, 3.0], [-2e9, -2e9]])
def test_the_fit_is_drawn_when_every_x_is_the_same(qapp, xs):
    """One point, or every x the same: the final line is still a visible segment (it was
    drawn from the smallest x to the largest, a segment of length 0)."""
    import pyqtgraph as pg

    from gdstudio.core.drawing.figure_data import FigureData
    from gdstudio.ui.exports.figure_views import CURRENT_COLOR, _data_plot

    x = np.array(xs)
    data = FigureData(x, 2 * x, 0.5, 1.0, np.array([1.0]), np.zeros((1, 2)), "MSE", "t",
                      len(x))
    plot = _data_plot(data)
    fits = [item for item in plot.getPlotItem().items if isinstance(item, pg.PlotCurveItem)
            and item.opts["pen"].color().name() == pg.mkColor(CURRENT_COLOR).name()]
    (fit,) = fits
    fx, fy = fit.getData()
    assert fx.max() - fx.min() >= 1.0 and fx.min() < x[0] < fx.max()
    assert np.array_equal(fy, 0.5 * fx + 1.0)
    plot.close()


def test_a_thinned_data_plot_says_how_many_points_it_shows(qapp):
    """5,000 points, 2,000 drawn: the data plot's title says so (it never did: the count
    drawn was compared with the drawn points themselves)."""
    from gdstudio.core.data.dataset import Dataset
    from gdstudio.core.drawing.figure_data import MAX_DRAWN_POINTS, FigureData
    from gdstudio.ui.exports.figure_views import _data_plot

    x = np.linspace(0.0, 1.0, 5000)
    data = FigureData.of_run(Dataset(x, 2 * x), [1.0], np.zeros((1, 2)), 2.0, 0.0, "MSE", "t")
    assert len(data.x) == data.drawn_points == MAX_DRAWN_POINTS
    plot = _data_plot(data)
    assert "(2,000 of 5,000 shown)" in plot.getPlotItem().titleLabel.text
    plot.close()
    small = FigureData.of_run(Dataset(x[:10], x[:10]), [1.0], np.zeros((1, 2)), 1.0, 0.0,
                              "MSE", "t")
    plot = _data_plot(small)
    assert "shown" not in plot.getPlotItem().titleLabel.text
    plot.close()
