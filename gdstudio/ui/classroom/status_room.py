"""Room for the status message in presentation mode.

At 1024×768 with presentation mode's larger text, the run's progress bar (a permanent widget
on the right of the status bar) covers the end of a long message. In presentation mode the
bar is narrower, hidden while no run is active, and hidden while a message is shown that
would not fit beside it; a message wider than the whole status bar has its full text as
the status bar's tooltip. Outside presentation mode nothing changes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from gdstudio.core.training.runstate import RunState

#: The run's progress bar's widest, in presentation mode and outside it (pixels).
PRESENTATION_WIDTH = 170
NORMAL_WIDTH = 260
#: The status bar's own margins around its message (pixels).
MARGIN = 24


class StatusRoom(QObject):
    """Keeps ``window``'s status message readable in presentation mode (see the module)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        bar = window.statusBar()
        bar.messageChanged.connect(self.update)
        window.controller.runStateChanged.connect(self.update)
        window.presentation.toggled.connect(self.update)

    @Slot()
    def update(self, *_) -> None:
        w = self.window
        bar, progress = w.statusBar(), w.progress
        if not w.presentation.active:
            progress.setMaximumWidth(NORMAL_WIDTH)
            progress.setVisible(True)
            bar.setToolTip("")
            return
        progress.setMaximumWidth(PRESENTATION_WIDTH)
        message = bar.currentMessage()
        needed = bar.fontMetrics().horizontalAdvance(message) + MARGIN if message else 0
        others = sum(x.width() for x in (w.import_progress, w.epoch_progress)
                     if x.isVisible())
        fits = needed <= bar.width() - others - PRESENTATION_WIDTH
        active = w.controller.state is not RunState.IDLE
        progress.setVisible(active and fits)
        bar.setToolTip(message if needed > bar.width() - others else "")
