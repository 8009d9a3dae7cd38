"""The edited data set and its undo stack: core commands wrapped as QUndoCommands."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..core import Dataset, noisy_line


class DataModel(QObject):
    """Holds the current :class:`Dataset`; every change goes through :meth:`push`."""

    #: The data set changed (any edit, undo or redo).
    pointsChanged = Signal()

    def __init__(self, dataset: Dataset | None = None, parent=None):
        super().__init__(parent)
        self.dataset = dataset if dataset is not None else noisy_line()
        self.undo_stack = QUndoStack(self)

    def push(self, command) -> None:
        """Apply a core command (raises DataError before anything changes) and record it."""
        new, inverse = command.apply(self.dataset)
        self.undo_stack.push(_Edit(self, command, new, inverse))

    def _set(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.pointsChanged.emit()


class _Edit(QUndoCommand):
    def __init__(self, model: DataModel, command, new: Dataset, inverse):
        super().__init__(getattr(command, "text", "Edit"))
        self._model = model
        self._new = new
        self._inverse = inverse

    def redo(self):
        self._model._set(self._new)

    def undo(self):
        restored, _ = self._inverse.apply(self._model.dataset)
        self._model._set(restored)
