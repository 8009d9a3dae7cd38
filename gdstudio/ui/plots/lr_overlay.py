"""The learning rate of a scheduled run on the loss plot: a grey step curve on an axis of
its own (right), sharing the plot's epochs.

It is drawn only for a run with a learning-rate schedule (``lr_schedule`` not ``"none"``):
the learning rate of each epoch, as torch's scheduler gives it (see
:mod:`gdstudio.core.settings.schedule`), over the run's planned epochs, so a class sees where the
steps come before the run gets there. Its axis is logarithmic when the rate falls by more
than a hundredfold, so late decays stay visible.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gdstudio.core.settings.schedule import lr_curve, schedule_words, scheduled

LR_COLOR = "#777777"


class LrOverlay:
    """The learning-rate curve of ``plot`` (a :class:`~gdstudio.ui.plots.LossPlot`)."""

    def __init__(self, plot: pg.PlotWidget):
        self.plot = plot
        item = plot.getPlotItem()
        self.view = pg.ViewBox(enableMouse=False)
        self.view.setZValue(-10)
        item.scene().addItem(self.view)
        self.axis = item.getAxis("right")
        self.axis.linkToView(self.view)
        self.axis.setLabel("learning rate", color=LR_COLOR)
        self.axis.enableAutoSIPrefix(False)
        self.view.setXLink(item)
        pen = pg.mkPen(LR_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
        self.curve = pg.PlotDataItem(pen=pen, stepMode="center")
        self.view.addItem(self.curve)
        item.vb.sigResized.connect(self._fit_geometry)
        self.config = None
        self.epochs = 0
        self.hide()

    def _fit_geometry(self) -> None:
        item = self.plot.getPlotItem()
        self.view.setGeometry(item.vb.sceneBoundingRect())
        self.view.linkedViewChanged(item.vb, self.view.XAxis)

    @property
    def shown(self) -> bool:
        return self.curve.isVisible()

    def hide(self) -> None:
        self.config = None
        self.curve.setVisible(False)
        self.plot.getPlotItem().hideAxis("right")

    def set_run(self, config, epochs: int) -> None:
        """Show the learning rate of ``config`` over ``epochs`` epochs (nothing without a
        schedule)."""
        if config is None or not scheduled(config):
            self.hide()
            return
        self.config, self.epochs = config, int(epochs)
        xs, ys = lr_curve(config, epochs)
        positive = ys[ys > 0]
        log = len(positive) > 0 and positive.max() > 100 * positive.min()
        shown = np.log10(np.where(ys > 0, ys, positive.min() if len(positive) else 1.0)
                         ) if log else ys
        self.axis.setLogMode(log)
        self.curve.setData(xs, shown)
        self.curve.setVisible(True)
        self.plot.getPlotItem().showAxis("right")
        self.axis.setToolTip(f"The learning rate of each epoch: {schedule_words(config)}, "
                             "stepped after each epoch")
        lo, hi = float(np.min(shown)), float(np.max(shown))
        if log:
            self.view.setYRange(lo - 0.1, hi + 0.1, padding=0)
        else:
            self.view.setYRange(0.0, hi * 1.05 if hi > 0 else 1.0, padding=0)
        self._fit_geometry()

    def lr_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The curve as drawn: edges and learning rates (for tests)."""
        xs, ys = self.curve.getData() if self.shown else (np.empty(0), np.empty(0))
        return (np.empty(0), np.empty(0)) if xs is None else (xs, ys)
