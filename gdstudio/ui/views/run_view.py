"""Drawing the current run: the fit line, the loss curve, the progress bar and the readout
(inside a long epoch too: the fit line follows the run's in-epoch progress).

:class:`RunView` listens to the controller's run facts and draws them at a bounded rate: the
fit line with every batch of epochs, the slower numbers every :data:`SLOW_UPDATE` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QProgressBar

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.runstate import RunState, RunStatus
from gdstudio.ui.numbers.line_loss import exact_loss
from gdstudio.ui.panels import ReadoutPanel
from gdstudio.ui.plots import DataPlot, LossPlot
from gdstudio.ui.studio.controller import StudioController
from gdstudio.ui.views.timeline import LIVE_ROBUST_POINTS

#: The loss curve, readout and progress bar update at most this often while training
#: (seconds); the fit line moves with every batch of epochs (at most 30 a second, see
#: training.EMIT_INTERVAL), which looks live and leaves the training thread most of the
#: interpreter (see tests/bench/results/README.md).
SLOW_UPDATE = 0.1


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
        self._last_slow = 0.0
        c = controller
        c.runStarted.connect(self._on_controller_runStarted)
        c.runStateChanged.connect(self._on_controller_runStateChanged)
        c.epochsAppended.connect(self._on_controller_epochsAppended)
        c.epochProgressed.connect(self._on_controller_epochProgressed)
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
        """Show the newest epochs: the fit line for every batch; the loss curve, readout and
        progress bar (numbers nobody reads at 30 a second) every :data:`SLOW_UPDATE` seconds,
        and all of them when ``full``."""
        session = self.controller.session
        h = session.history
        position = session.position  # inside an epoch, after the history's last
        if position is not None:
            self.plot.set_fit(position.w, position.b, exact=full)
        elif h.count:
            self.plot.set_fit(float(h.w[-1]), float(h.b[-1]), exact=full)
        now = time.monotonic()
        if full or now - self._last_slow >= SLOW_UPDATE:
            self._last_slow = now
            if h.count:
                self.loss_plot.set_current(h.loss, end=self._end_loss())
            total = session.config.epochs if session.config else 0
            self.set_progress(h.count, total)
            self.readout.update_readout(self.controller)

    def _end_loss(self):
        """The loss at the current run's last moment (after its last epoch, or where it
        stopped inside one), as the timeline shows it, once the run has finished or is
        paused; None while it runs."""
        c = self.controller
        if c.state is RunState.RUNNING:
            return None
        if c.current_summary is not None and not c.session.active:
            return c.current_summary.loss
        if c.state is RunState.PAUSED and c.history.count:
            if c.loss != "mse" and len(c.dataset) > LIVE_ROBUST_POINTS:
                return None  # O(n): the timeline does not show it either
            return exact_loss(c, float(c.history.w[-1]), float(c.history.b[-1]))
        return None

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.progress.setFormat(f"{done:,} / {total:,} epochs")

    @Slot(object)
    def _on_controller_runStarted(self, config: TrainConfig) -> None:
        self.loss_plot.set_current(np.empty(0), reset=True)
        self.loss_plot.begin_run(config.epochs)
        self.set_progress(0, config.epochs)
        self.plot.set_fit(*self.controller.session.init)

    @Slot(object)
    def _on_controller_runStateChanged(self, state: RunState) -> None:
        if state is RunState.PAUSED:
            self.redraw()  # everything up to date while the user looks

    @Slot(int)
    def _on_controller_epochsAppended(self, count: int) -> None:
        self.redraw(full=False)

    @Slot(object)
    def _on_controller_epochProgressed(self, position) -> None:
        """Inside a long epoch (stochastic or mini-batch descent on large data): the line
        where the updates have taken it."""
        self.plot.set_fit(position.w, position.b)
        now = time.monotonic()
        if self.controller.state is RunState.PAUSED or now - self._last_slow >= SLOW_UPDATE:
            self._last_slow = now
            self.readout.update_readout(self.controller)

    @Slot(object, object)
    def _on_controller_runFinished(self, status: RunStatus, detail) -> None:
        self.redraw()
        self.loss_plot.end_run()
        summary = self.controller.current_summary
        if status is RunStatus.DIVERGED:
            self.plot.set_fit(detail.w, detail.b)
        elif summary is not None and summary.partial is not None:  # stopped inside an epoch
            self.plot.set_fit(summary.w, summary.b)
        self.readout.update_readout(self.controller)

    @Slot()
    def _on_controller_runReset(self) -> None:
        self.loss_plot.end_run()
        self.loss_plot.set_current(np.empty(0))
        self.set_progress(0, self.planned_epochs())
        self.show_start_line()
        self.readout.update_readout(self.controller)
