"""A function as a QRunnable, for a QThreadPool (work kept off the GUI thread)."""

from __future__ import annotations

from PySide6.QtCore import QRunnable


class PoolTask(QRunnable):
    """Runs ``function()`` on a pool thread."""

    def __init__(self, function):
        super().__init__()
        self._function = function

    def run(self):
        self._function()
