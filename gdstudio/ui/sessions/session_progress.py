"""The status bar's part for a session being saved or opened: a progress bar and a Cancel
button (as for a CSV import)."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QSizePolicy, QWidget

from gdstudio.ui.threads.session_worker import SAVE

_WORDS = {SAVE: ("Saving %p%", "Stop saving; the file stays as it was.")}
_OPEN_WORDS = ("Opening %p%", "Stop opening; the studio stays as it was.")


class SessionProgress(QWidget):
    """Shown while ``job`` (a :class:`~gdstudio.ui.threads.session_worker.SessionJob`) saves
    or opens a session; Cancel stops it."""

    def __init__(self, job, parent=None):
        super().__init__(parent)
        self.job = job
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(200)
        self.cancel_button = QPushButton("Cancel")
        # named from the start (a screen reader may meet it before a first save or open)
        self.cancel_button.setAccessibleName("Cancel saving or opening the session")
        self.cancel_button.setAccessibleDescription(
            "Stop saving or opening the session; the file and the studio stay as they were.")
        self.bar.setAccessibleName("Session progress")
        self.bar.setAccessibleDescription("How much of the session is saved or read")
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.hide()
        job.started.connect(self._on_started)
        job.progressed.connect(self._on_progressed)
        job.finished.connect(self._on_finished)
        self.cancel_button.clicked.connect(self._cancel)

    @Slot()
    def _cancel(self) -> None:
        self.job.cancel()

    @Slot(str, str)
    def _on_started(self, kind: str, _path: str) -> None:
        words, tip = _WORDS.get(kind, _OPEN_WORDS)
        self.bar.setFormat(words)
        self.bar.setValue(0)
        self.cancel_button.setToolTip(tip)
        self.cancel_button.setAccessibleName(f"Cancel {'saving' if kind == SAVE else 'opening'}"
                                             " the session")
        self.cancel_button.setAccessibleDescription(tip)
        self.show()

    @Slot(int, int)
    def _on_progressed(self, done: int, total: int) -> None:
        if self.job.busy:  # (a last report may arrive after the end)
            self.bar.setValue(round(1000 * done / total) if total else 0)

    @Slot(str, str, object, str, bool)
    def _on_finished(self, *_) -> None:
        self.hide()
