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


class EpochProgressBar(QProgressBar):
    """Updates done in the epoch under way at the moment every view shows (``controller``'s
    ``momentShown``; GUI thread)."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.setMaximumWidth(300)
        self.setTextVisible(True)
        self.setToolTip("Updates made in the epoch under way")
        self.setVisible(False)
        controller.momentShown.connect(self._on_controller_momentShown)

    def show_position(self, position: EpochProgress, words: str = "") -> None:
        """Show ``position`` (``words`` before it, e.g. "stopped in")."""
        self.setRange(0, max(position.total, 1))
        self.setValue(position.done)
        head = f"{words} epoch" if words else "epoch"
        self.setFormat(f"{head} {position.epoch + 1:,}: {position.done:,} / "
                       f"{position.total:,}")
        self.setVisible(True)

    @Slot(object)
    def _on_controller_momentShown(self, shown) -> None:
        if shown.position is not None:
            self.show_position(shown.position)
        elif shown.partial is not None:
            self.show_position(shown.partial, "stopped in")
        elif shown.active and shown.epochs and self.isVisible() and (
                self.format().startswith("epoch")):  # the next epoch, none of its updates
            self.setValue(0)
            self.setFormat(f"epoch {shown.epochs + 1:,}: 0 / {self.maximum():,}")
        else:  # no long epoch under way in this run (yet), or the run ended at an epoch's end
            self.setVisible(False)
