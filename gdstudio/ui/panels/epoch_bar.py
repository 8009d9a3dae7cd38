"""The progress inside the epoch under way: :class:`EpochProgressBar`, for the status bar.

An epoch of stochastic or mini-batch descent on large data is many updates and may take
seconds to minutes; this bar shows how far it is (``epoch 4: 412,000 / 1,000,000``, updates),
where a pause took effect, and where a stop left the run. It shows itself only for epochs
that last long enough for the engine to report inside them (see
:data:`gdstudio.core.training.control.PROGRESS_INTERVAL`): a run of short epochs never shows it.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QProgressBar

from gdstudio.core.training.control import EpochProgress
from gdstudio.core.training.runstate import RunStatus


class EpochProgressBar(QProgressBar):
    """Updates done in the epoch under way, drawn from ``controller``'s facts (GUI thread)."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.setMaximumWidth(300)
        self.setTextVisible(True)
        self.setToolTip("Updates made in the epoch under way")
        self.setVisible(False)
        c = controller
        c.epochProgressed.connect(self._on_controller_epochProgressed)
        c.epochsAppended.connect(self._on_controller_epochsAppended)
        c.runStarted.connect(self._on_controller_runStarted)
        c.runFinished.connect(self._on_controller_runFinished)
        c.runReset.connect(self._on_controller_runReset)

    def show_position(self, position: EpochProgress, words: str = "") -> None:
        """Show ``position`` (``words`` before it, e.g. "stopped in")."""
        self.setRange(0, max(position.total, 1))
        self.setValue(position.done)
        head = f"{words} epoch" if words else "epoch"
        self.setFormat(f"{head} {position.epoch + 1:,}: {position.done:,} / "
                       f"{position.total:,}")
        self.setVisible(True)

    @Slot(object)
    def _on_controller_epochProgressed(self, position: EpochProgress) -> None:
        self.show_position(position)

    @Slot(int)
    def _on_controller_epochsAppended(self, count: int) -> None:
        if self.isVisible():  # the next epoch starts from none of its updates
            history = self.controller.history
            self.setValue(0)
            self.setFormat(f"epoch {history.count + 1:,}: 0 / {self.maximum():,}")

    @Slot(object)
    def _on_controller_runStarted(self, config) -> None:
        self.setVisible(False)

    @Slot(object, object)
    def _on_controller_runFinished(self, status: RunStatus, detail) -> None:
        summary = self.controller.current_summary
        if summary is not None and summary.partial is not None:
            self.show_position(summary.partial, "stopped in")
        else:
            self.setVisible(False)

    @Slot()
    def _on_controller_runReset(self) -> None:
        self.setVisible(False)
