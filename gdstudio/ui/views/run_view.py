"""Drawing the current run: the loss curve and the progress bar, at the moment every view
shows (the controller's ``momentShown``, see :mod:`gdstudio.ui.numbers.moment_feed`), and the
start line while there is no run.

The line on the data plot, its equation, the markers and the readout show the same moment:
the timeline draws them (:mod:`gdstudio.ui.views.timeline`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QProgressBar

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.runstate import RunState, RunStatus
from gdstudio.ui.panels import ReadoutPanel
from gdstudio.ui.plots import DataPlot, LossPlot
from gdstudio.ui.studio.controller import StudioController


class RunView(QObject):
    """Draws ``controller``'s run on the plots, the progress bar and the readout.

    ``planned_epochs`` gives the epochs the next run will have (shown when no run is).
    """

    def __init__(self, controller: StudioController, plot: DataPlot, loss_plot: LossPlot,
                 progress: QProgressBar, readout: ReadoutPanel,
                 planned_epochs: Callable[[], int], parent=None):
        super().__init__(parent)
        self.controller = controller
        self.plot, self.loss_plot = plot, loss_plot
        self.progress, self.readout = progress, readout
        self.planned_epochs = planned_epochs
        c = controller
        c.runStarted.connect(self._on_controller_runStarted)
        c.momentShown.connect(self._on_controller_momentShown)
        c.runFinished.connect(self._on_controller_runFinished)
        c.runReset.connect(self._on_controller_runReset)
        c.torch_loading.torchLoaded.connect(self.show_idle)  # a start drawn with torch

    def show_idle(self) -> None:
        """With no run yet: the start line of the current settings and the planned epochs."""
        c = self.controller
        if c.state is RunState.IDLE and not c.history.count:
            self.show_start_line()
            self.set_progress(0, self.planned_epochs())
        self.readout.update_readout(c)

    def show_start_line(self) -> None:
        start = self.controller.start_parameters()
        self.plot.set_fit(*start) if start is not None else self.plot.set_fit(None)

    def redraw(self, full: bool = True) -> None:
        """Show the moment every view shows: the loss curve up to it (ending at its loss,
        where the timeline's marker sits, at x = its epochs) and the epochs done.
        (``full``: kept for callers; every redraw is whole.)"""
        shown = self.controller.shown_moment
        if shown.last is None:
            return
        h = self.controller.history
        end = shown.last.loss if shown.loss_known else None  # where the marker sits
        if h.count or end is not None:
            self.loss_plot.set_current(h.loss[: shown.epochs], end=end)
        self.set_progress(shown.epochs, shown.total)

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.progress.setFormat(f"{done:,} / {total:,} epochs")

    @Slot(object)
    def _on_controller_runStarted(self, config: TrainConfig) -> None:
        self.loss_plot.set_current(np.empty(0), reset=True)
        self.loss_plot.begin_run(config.epochs)
        self.set_progress(0, config.epochs)

    @Slot(object)
    def _on_controller_momentShown(self, shown) -> None:
        self.redraw()

    @Slot(object, object)
    def _on_controller_runFinished(self, status: RunStatus, detail) -> None:
        self.loss_plot.end_run()

    @Slot()
    def _on_controller_runReset(self) -> None:
        self.loss_plot.end_run()
        self.loss_plot.set_current(np.empty(0))
        self.set_progress(0, self.planned_epochs())
        self.show_start_line()
        self.readout.update_readout(self.controller)
