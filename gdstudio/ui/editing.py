"""The controller's data edits: the requests that change the points, and their rules.

Part of :class:`gdstudio.ui.controller.StudioController` (a mixin of it): every edit goes
through the undo stack of its :class:`DataModel`, and none is made while a run is active.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Slot

from ..core import (
    Append,
    Clear,
    DataError,
    Dataset,
    Delete,
    Move,
    Replace,
    StudioError,
    read_dataset,
    write_dataset,
)
from .generator import GENERATOR_DEFAULTS, generate


class DataEditing:
    """Add, move, delete, select, undo, redo, clear, generate, replace, import and save."""

    def edit_allowed(self) -> bool:
        """True unless a run is active (then the user is told that the data is locked)."""
        if self.session.active:
            self._status(
                "The data is locked while training runs: stop it (Shift+F5) to edit.", 5000)
            return False
        return True

    def _push(self, command) -> bool:
        if not self.edit_allowed():
            return False
        try:
            self.model.push(command)
        except DataError as exc:
            self._message("Cannot edit the data", str(exc))
            return False
        return True

    def add_point(self, x: float, y: float) -> bool:
        if self._push(Append(x, y)):
            self._status(f"Added ({x:.4g}, {y:.4g}).", 3000)
            return True
        return False

    def move_point(self, index: int, x: float, y: float) -> bool:
        return self._push(Move(index, x, y))

    def delete_points(self, indices) -> bool:
        if self._push(Delete(tuple(indices))):
            self.select_points(())
            return True
        return False

    def delete_selected(self) -> bool:
        return bool(self.selected_points) and self.delete_points(self.selected_points)

    def select_points(self, indices) -> None:
        indices = tuple(indices)
        if indices != self.selected_points:
            self.selected_points = indices
            self.selectionChanged.emit(indices)
            self._announce_actions()

    def undo(self) -> None:
        if self.edit_allowed():
            self.model.undo_stack.undo()

    def redo(self) -> None:
        if self.edit_allowed():
            self.model.undo_stack.redo()

    def clear(self) -> bool:
        if len(self.model.dataset):
            return self._push(Clear(self.model.dataset.dtype))
        return False

    def generate(self, **values) -> bool:
        """Generate a noisy line with these values (the dialog's fields) as one edit."""
        v = {**GENERATOR_DEFAULTS, **values}
        try:
            dataset = generate(v)
        except DataError as exc:
            self._message("Cannot generate", str(exc))
            return False
        return self.replace_data(dataset, "Generate noisy line")

    def replace_data(self, dataset: Dataset, text: str) -> bool:
        """Replace the whole data set as one undoable edit named ``text``."""
        self._replacing = True
        try:
            ok = self._push(Replace(dataset, text))
        finally:
            self._replacing = False
        if ok:
            self.select_points(())
        return ok

    def import_csv(self, path: str) -> bool:
        """Load points from CSV; undoable."""
        if not self.edit_allowed():
            return False
        try:
            dataset = read_dataset(path)
        except DataError as exc:
            self._message("Cannot import the CSV file", f"{exc}\n\nThe data was not changed.")
            return False
        self.last_dir = str(Path(path).parent)
        if self.replace_data(dataset, f"Import {Path(path).name}"):
            self._status(f"Imported {len(dataset):,} points from {path}.", 5000)
            return True
        return False

    def save_data(self, path: str) -> bool:
        try:
            write_dataset(path, self.model.dataset)
        except StudioError as exc:
            self._message("Cannot save the data", str(exc))
            return False
        self._status(f"Saved {len(self.model.dataset):,} points to {path}.", 5000)
        return True

    @Slot()
    def _on_model_pointsChanged(self) -> None:
        n = len(self.model.dataset)
        self.update_optimum()
        if self.current_summary is not None and not self.stale:
            self.stale = True
            self._status("The data changed: F5 trains on it.", 5000)
        fresh = [k for k in self.kept_runs if not k.stale]
        for kept in fresh:
            kept.stale = True
        self.select_points(i for i in self.selected_points if i < n)
        self.dataChanged.emit(self._replacing)
        if fresh:
            self.keptRunsChanged.emit()
        self._announce_actions()
