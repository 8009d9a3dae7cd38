"""Continue (Run ▸ Continue, Ctrl+F5) and the learning-rate curve on the loss plot, wired to
the window: :class:`TrainingExtras`, built by the main window with one line.

The rules are the controller's (:meth:`StudioController.continue_run`); this only forwards
the action and draws what it announces: a continued run's loss curve and progress bar go on
to the new total, and the learning rate of a scheduled run is drawn on the loss plot.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from gdstudio.core.settings.description import BY_NAME
from gdstudio.core.settings.schedule import scheduled
from gdstudio.ui.plots.lr_overlay import LrOverlay

#: The tooltips of the stop rule's and the schedule's labels in the settings panel.
TIPS = {
    "tol": "0 = off. Stop at the end of the first epoch where the relative change of the "
           "full-data loss, |L(end) - L(start)| / |L(start)|, or the norm of the full-data "
           "gradient at the epoch's end parameters (for MAE the subgradient sign(e)) is below "
           "this tolerance.",
    "lr_step_size": BY_NAME["lr_step_size"].help,
    "lr_gamma": BY_NAME["lr_gamma"].help,
}


class TrainingExtras(QObject):
    """Connects Continue and the learning-rate curve of ``window`` (a MainWindow)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        c = self.controller = window.controller
        self._lr_overlay: LrOverlay | None = None  # (made for the first scheduled run)
        panel = window.panel
        for name, tip in TIPS.items():
            label = panel.form.labelForField(panel.rows[name])
            if label is not None:
                label.setToolTip(tip)
        window.actions_by_name["continue"].triggered.connect(self._on_continue_triggered)
        c.runStarted.connect(self._on_controller_runStarted)
        c.runContinued.connect(self._on_controller_runContinued)
        c.runReset.connect(self._on_controller_runReset)

    @property
    def lr_overlay(self) -> LrOverlay:
        """The learning-rate curve on the loss plot, made when first needed: not with the
        window (its axis and view took a tenth of the window's building time)."""
        if self._lr_overlay is None:
            self._lr_overlay = LrOverlay(self.window.loss_plot)
        return self._lr_overlay

    def _show_learning_rate(self, config) -> None:
        if self._lr_overlay is None and not scheduled(config):
            return  # (no curve drawn yet: none to hide)
        self.lr_overlay.set_run(config, config.epochs)

    @Slot()
    def _on_continue_triggered(self, *_) -> None:
        self.controller.continue_run()

    @Slot(object)
    def _on_controller_runStarted(self, config) -> None:
        self._show_learning_rate(config)

    @Slot(object)
    def _on_controller_runContinued(self, config) -> None:
        w = self.window
        view = w.run_view
        view.loss_plot.begin_run(config.epochs)  # the x axis spans the new total
        view.set_progress(self.controller.history.count, config.epochs)
        w.epoch_progress.setVisible(False)  # (as a run's start hides it)
        w.landscape_view.plot.set_preview(None)  # the path goes on from where it was
        self._show_learning_rate(config)

    @Slot()
    def _on_controller_runReset(self) -> None:
        if self._lr_overlay is not None:
            self._lr_overlay.hide()
