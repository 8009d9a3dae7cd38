"""The three views of a finished run as one image (``gdstudio train --figure``), no window.

The data with the final line and its residuals, the loss landscape with the path (the
start and each epoch's end) and the loss curve (the loss after x epochs from x = 0, labelled
as the studio's loss plot is), side by side, drawn with pyqtgraph into a
page that is never shown on a screen and exported through pyqtgraph's exporters
(:mod:`gdstudio.ui.plots.figure_render`); File ▸ Export figure draws the same views. The caller
makes the QApplication (:func:`ensure_application`).
"""

from __future__ import annotations

import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from gdstudio.core.drawing.figure_data import (
    FIGURE_SIZE,
    FigureData,
    landscape_ranges,
    logistic_figure_frame,
)
from gdstudio.core.drawing.landscape_frame import mse_frame, robust_frame
from gdstudio.core.drawing.plotmath import clip_line
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.ui.exports.logistic_figure import logistic_data_plot
from gdstudio.ui.plots.figure_render import render_plots
from gdstudio.ui.plots.landscape_plot import LandscapePlot
from gdstudio.ui.plots.loss_plot import EPOCH_AXIS, LOSS_AXIS
from gdstudio.ui.studio.palette import CURRENT_COLOR

__all__ = ["ensure_application", "figure_plots", "render_figure"]

RESIDUAL_COLOR = "#888888"


def ensure_application() -> QApplication:
    """The QApplication, made on first use; with no display (no ``DISPLAY`` or
    ``WAYLAND_DISPLAY``) and no platform chosen, the offscreen one."""
    app = QApplication.instance()
    if app is not None:
        return app
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
            or os.environ.get("QT_QPA_PLATFORM")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return QApplication(["gdstudio"])


def _data_plot(data: FigureData) -> pg.PlotWidget:
    if data.model == "logistic":
        return logistic_data_plot(data)
    plot = pg.PlotWidget(background="w")
    plot.setLabel("bottom", "x")
    plot.setLabel("left", "y")
    shown = ("" if data.total_points <= data.drawn_points else
             f" ({data.drawn_points:,} of {data.total_points:,} shown)")
    sign = "−" if data.b < 0 else "+"
    plot.setTitle(f"Data, the fit y = {data.w:.4g}·x {sign} {abs(data.b):.4g} and "
                  f"residuals{shown}")
    box = _y_box(data.y)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged line: clipped below
        fit = data.w * data.x + data.b
    shown = ~np.isnan(fit)
    # a residual reaching past the data's box by far (a diverged line) ends at its edge
    segments_x = np.repeat(data.x[shown], 2)
    segments_y = np.column_stack([data.y[shown], np.clip(fit[shown], *box)]).ravel()
    plot.addItem(pg.PlotCurveItem(segments_x, segments_y, connect="pairs",
                                  pen=pg.mkPen(RESIDUAL_COLOR, width=1)))
    plot.addItem(pg.ScatterPlotItem(data.x, data.y, size=6, pen=pg.mkPen(None),
                                    brush=pg.mkBrush("#1f77b4")))
    if len(data.x):
        ends = np.array([data.x.min(), data.x.max()])
        if not ends[1] > ends[0]:  # one x (one point, or every x the same): a visible line
            ends += np.array([-0.5, 0.5]) * max(abs(ends[0]), 1.0)
        with np.errstate(over="ignore", invalid="ignore"):
            line = clip_line(data.w, data.b, float(ends[0]), float(ends[1]), *box)
        if line is not None:
            plot.addItem(pg.PlotCurveItem(*line, pen=pg.mkPen(CURRENT_COLOR, width=2)))
    return plot


def _y_box(y: np.ndarray) -> tuple[float, float]:
    """The heights the data view draws the line and residuals within: the data's, widened
    on each side by its span, or at least by 1 and by the largest height (a diverged
    line, whose heights overflow float64 or a view, is clipped to it)."""
    if not len(y):
        return -1.0, 1.0
    y0, y1 = float(np.min(y)), float(np.max(y))
    pad = max(y1 - y0, abs(y0), abs(y1), 1.0)
    return y0 - pad, y1 + pad


def _loss_plot(data: FigureData) -> pg.PlotWidget:
    """The loss after x epochs at x = 0, 1, …, as the studio's loss plot draws it (a single
    point is drawn as a dot)."""
    plot = pg.PlotWidget(background="w")
    plot.setLabel("bottom", EPOCH_AXIS)
    plot.setLabel("left", LOSS_AXIS)
    losses = data.losses
    finite = np.isfinite(losses)
    log = bool(finite.any() and (losses[finite] > 0).all())
    plot.setLogMode(y=log)
    plot.setTitle(f"Loss ({data.loss_name}{', log scale' if log else ''})")
    epochs = np.arange(len(losses), dtype=np.float64)
    dot = {"symbol": "o", "symbolSize": 7, "symbolBrush": CURRENT_COLOR,
           "symbolPen": None} if finite.sum() == 1 else {}
    plot.addItem(pg.PlotDataItem(epochs[finite], losses[finite],
                                 pen=pg.mkPen(CURRENT_COLOR, width=2), **dot))
    return plot


def _landscape(dataset, config, optimum, data: FigureData) -> LandscapePlot:
    plot = LandscapePlot()
    if config.model == "logistic":
        plot.set_frame(logistic_figure_frame(dataset, config, optimum, data.path))
        return _with_path(plot, data)
    point = None
    if optimum is not None and optimum.unique and optimum.w is not None and \
            optimum.b is not None:
        point = (float(optimum.w), float(optimum.b))
    w_range, b_range = landscape_ranges(data.path, point)
    if config.loss == "mse":
        frame = mse_frame(MSELandscape.from_dataset(dataset), w_range, b_range,
                          fit_bias=config.fit_bias)
    else:
        frame = robust_frame(dataset.x, dataset.y, config.loss, w_range, b_range,
                             shape=(97, 97), delta=config.huber_delta, optimum=optimum)
    plot.set_frame(frame)
    return _with_path(plot, data)


def _with_path(plot: LandscapePlot, data: FigureData) -> LandscapePlot:
    plot.set_path(data.path)
    plot.set_epoch_ends(data.path[1:])
    if len(data.path):
        plot.set_start(*data.path[0])
    return plot


def figure_plots(data: FigureData, dataset, config, optimum, kept=()) -> list:
    """The three views of the figure, left to right: the data, the landscape, the loss.

    ``kept``: more paths for the landscape, ``(key, points, colour index, label)`` each.
    """
    landscape = _landscape(dataset, config, optimum, data)
    for key, points, index, label in kept:
        landscape.add_kept(key, points, index, label)
    return [_data_plot(data), landscape, _loss_plot(data)]


def render_figure(data: FigureData, dataset, config, optimum, fmt: str) -> bytes:
    """The figure's bytes in ``fmt`` (``"png"`` or ``"svg"``), :data:`FIGURE_SIZE` pixels.

    ``config``'s loss (and Huber delta) is the run's loss in the data's units; ``optimum``
    an :class:`~gdstudio.core.models.line.optimum.Optimum` of it, or None.
    """
    ensure_application()
    return render_plots(figure_plots(data, dataset, config, optimum), FIGURE_SIZE, fmt,
                        data.title)
