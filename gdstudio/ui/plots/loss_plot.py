"""The loss plot: the current run live, kept runs overlaid with a legend."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

from ...core.plotmath import PeakDecimator
from .common import RUN_COLORS, cache_axes


class LossPlot(pg.PlotWidget):
    """The loss over epochs: the current run live, kept runs overlaid with a legend."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground("w")
        self.setLabel("bottom", "epoch")
        self.setLabel("left", "loss (full data, start of epoch)")
        self.setTitle("Loss")
        cache_axes(self)  # no grid here: it would be redrawn every frame as the range grows
        self.getAxis("left").enableAutoSIPrefix(False)
        self.legend = self.addLegend(offset=(-10, 10), brush=(255, 255, 255, 210),
                                     labelTextSize="8pt")
        self.legend.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.current = self.plot(pen=pg.mkPen("#d62728", width=2), name="current run")
        self._decimator = PeakDecimator()
        self._current_loss = np.empty(0)
        self._log = False
        self._live = False
        self._y_view: tuple[float, float] | None = None
        self.kept: dict[int, pg.PlotDataItem] = {}

    def set_log(self, on: bool) -> None:
        self._log = on
        self._y_view = None
        self.setLogMode(y=on)
        self.set_current(self._current_loss, reset=True)
        for item in self.kept.values():
            item.setData(*self._view(item.gd_loss))

    def _positive(self, y: np.ndarray) -> np.ndarray:
        """On a log axis a zero loss cannot be drawn; show it at the smallest positive float."""
        return np.maximum(y, np.finfo(np.float64).tiny) if self._log else y

    def _view(self, loss: np.ndarray):
        xs, ys = PeakDecimator().update(loss)
        return xs, self._positive(ys)

    def set_current(self, loss: np.ndarray, reset: bool = False) -> None:
        """Show the current run's loss; only the epochs added since the last call are read."""
        if reset or len(loss) < len(self._current_loss):
            self._decimator.reset()
        self._current_loss = loss
        xs, ys = self._decimator.update(loss)
        ys = self._positive(ys)
        self.current.setData(xs, ys)
        if self._live and len(ys):
            self._grow_y_range(float(ys.min()), float(ys.max()))

    def begin_run(self, epochs: int) -> None:
        """Fix the view for a live run: x spans the run's epochs and y only ever grows, so
        the axes are not re-drawn every frame (that would cost more than the curve)."""
        self._live = True
        longest = max([epochs] + [len(item.gd_loss) for item in self.kept.values()])
        self.disableAutoRange()
        self.setXRange(0, max(longest - 1, 1), padding=0.02)
        self._y_view = None
        for item in self.kept.values():
            finite = item.gd_loss[np.isfinite(item.gd_loss)]
            if len(finite):
                self._grow_y_range(float(finite.min()), float(finite.max()))

    def end_run(self) -> None:
        """Back to fitting the view to all curves."""
        self._live = False
        self.enableAutoRange()

    def _grow_y_range(self, lo: float, hi: float) -> None:
        if self._log:
            lo = np.floor(np.log10(max(lo, np.finfo(np.float64).tiny)))
            hi = np.ceil(np.log10(max(hi, np.finfo(np.float64).tiny)) + 0.05)
        else:
            lo, hi = min(0.0, lo), hi * 1.08 if hi > 0 else 1.0
        view = self._y_view
        if view is not None and view[0] <= lo and hi <= view[1]:
            return
        if view is not None:
            lo, hi = min(lo, view[0]), max(hi, view[1])
        if hi <= lo:
            hi = lo + 1.0
        self._y_view = (lo, hi)
        self.setYRange(lo, hi, padding=0)

    @property
    def drawn_points(self) -> int:
        return len(self.current.getData()[0] if self.current.getData()[0] is not None else [])

    def sync_kept(self, runs) -> None:
        """Show the loss curves of the kept ``runs`` (each with ``key``, ``loss`` and
        ``title``): curves of runs no longer there go, new runs get the next colour."""
        keys = {run.key for run in runs}
        for key in [key for key in self.kept if key not in keys]:
            self.remove_kept(key)
        for index, run in enumerate(runs):
            item = self.kept.get(run.key)
            if item is None:
                self.add_kept(run.key, run.loss, run.title, index)
            elif item.name() != run.title:
                item.opts["name"] = run.title
                for sample, label in self.legend.items:
                    if sample.item is item:
                        label.setText(run.title)

    def add_kept(self, key: int, loss: np.ndarray, label: str, index: int) -> None:
        color = RUN_COLORS[index % len(RUN_COLORS)]
        item = self.plot(*self._view(loss), pen=pg.mkPen(color, width=2), name=label)
        item.gd_loss = np.asarray(loss)
        self.kept[key] = item

    def remove_kept(self, key: int) -> None:
        item = self.kept.pop(key, None)
        if item is not None:
            self.removeItem(item)
            self.legend.removeItem(item)
