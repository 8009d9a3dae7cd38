"""The controller's data edits: the requests that change the points, and their rules.

Part of :class:`gdstudio.ui.studio.controller.StudioController` (a mixin of it): every edit goes
through the undo stack of its :class:`DataModel`, and none is made while a run is active.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Slot

from gdstudio.core.data.commands import Append, AppendPoints, Clear, Delete, Move, Replace
from gdstudio.core.data.csv_io import write_dataset
from gdstudio.core.data.csv_read import read_dataset
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.presets import PRESETS, make
from gdstudio.core.errors import DataError, StudioError
from gdstudio.ui.numbers.shown_numbers import data_numbers
from gdstudio.ui.studio.generator import GENERATOR_DEFAULTS, generate
from gdstudio.ui.threads.import_worker import CsvImport
from gdstudio.ui.threads.offload import call_off_gui_thread
from gdstudio.ui.threads.torch_wait import wait_for_torch

#: Files up to this size read in a few tens of milliseconds and are imported at once; larger
#: ones are read on a worker thread (see :mod:`gdstudio.ui.threads.import_worker`), with progress.
READ_AT_ONCE_BYTES = 1 << 18
IMPORTING_MESSAGE = "A CSV file is being imported: wait for it, or cancel it."


class DataEditing:
    """Add, move, delete, select, undo, redo, clear, generate, replace, import and save."""

    def edit_allowed(self) -> bool:
        """True unless a run is active or a file is being imported (then the user is told
        that the data is locked)."""
        if self.csv_import.busy and not self._installing_import:
            self._status(IMPORTING_MESSAGE, 5000)
            return False
        if self.session.active:
            self._status(
                "The data is locked while training runs: stop it (Shift+F5) to edit.", 5000)
            return False
        return True

    def _push(self, command) -> bool:
        if not self.edit_allowed():
            return False
        self._hint_edit(command)  # the landscape updates one point in O(1)
        try:
            self.model.push(command)
        except DataError as exc:
            self._message("Cannot edit the data", str(exc))
            return False
        finally:
            self._hint_edit(None)
        return True

    def add_point(self, x: float, y: float) -> bool:
        if self._push(Append(x, y)):
            self._status(f"Added ({x:.4g}, {y:.4g}).", 3000)
            return True
        return False

    def add_points(self, points: Dataset, text: str) -> bool:
        """Add ``points`` after the last one as one undoable edit named ``text`` (a spray
        stroke, a paste)."""
        return self._push(AppendPoints(points, text))

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
            dataset = generate(v, wait_for_torch)
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

    def _init_csv_import(self) -> None:
        self.csv_import = CsvImport(self)
        self._installing_import = False
        self.csv_import.started.connect(self._announce_actions)
        self.csv_import.finished.connect(self._on_csv_import_finished)
        self.csv_import.settled.connect(self._announce_actions)

    def import_csv(self, path: str) -> bool:
        """Load points from CSV as one undoable edit; False if nothing changed.

        A file larger than :data:`READ_AT_ONCE_BYTES` is read on a worker thread: this
        returns True once it has started, editing is locked until it ends, and
        :attr:`csv_import` reports its progress and its end (:meth:`cancel_import` stops it,
        leaving the data as it was).
        """
        if not self.edit_allowed():
            return False
        try:
            size = os.stat(path).st_size if Path(path).is_file() else 0
        except (OSError, ValueError):
            size = 0  # read_dataset says what is wrong with it
        if size > READ_AT_ONCE_BYTES:
            self.csv_import.start(path, prepare=self._import_numbers())
            self._status(f"Importing {Path(path).name}…")
            return True
        try:
            dataset = read_dataset(path)
        except DataError as exc:
            self._import_failed(str(exc))
            return False
        return self._imported(path, dataset)

    def _import_numbers(self):
        """A function computing the optimum and step-size guide of an imported data set on
        the import's worker thread (pure numpy), so that installing it is quick."""
        key = (self.fit_bias, self.loss, self.huber_delta if self.loss == "huber" else None)
        config = self.settings

        def prepare(dataset):
            numbers = data_numbers(dataset, self.fit_bias, self.loss, self.huber_delta)
            if numbers.guide is not None and config is not None:
                try:
                    numbers.guide(config)  # remembered by the guide's cache
                except StudioError:
                    pass  # said when the settings panel asks again
            return key, numbers

        return prepare

    def cancel_import(self) -> None:
        """Stop the import under way (the data stays as it was)."""
        if self.csv_import.busy:
            self.csv_import.cancel()

    def _import_failed(self, error: str) -> None:
        self._message("Cannot import the CSV file", f"{error}\n\nThe data was not changed.")

    def _imported(self, path: str, dataset: Dataset) -> bool:
        self.last_dir = str(Path(path).parent)
        if self.replace_data(dataset, f"Import {Path(path).name}"):
            self._status(f"Imported {len(dataset):,} points from {path}.", 5000)
            return True
        return False

    @Slot(str, object, str, bool)
    def _on_csv_import_finished(self, path: str, dataset, error: str, cancelled: bool) -> None:
        if cancelled:
            self._status("Import cancelled; the data was not changed.", 5000)
        elif error:
            self._status("Import failed; the data was not changed.", 5000)
            self._import_failed(error)
        else:
            self._installing_import = True  # the one edit allowed while importing
            key, numbers = self.csv_import.prepared or (None, None)
            if key == (self.fit_bias, self.loss,
                       self.huber_delta if self.loss == "huber" else None):
                self._numbers_key, self.numbers = (dataset, *key), numbers
            try:
                if not self._imported(path, dataset):
                    self._numbers_key = None  # the data did not change
                    self.update_optimum()
                elif self._numbers_key is not None and self._numbers_key[0] is dataset:
                    self.optimumChanged.emit()
            finally:
                self._installing_import = False

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
        edit = None if self._edit_hint is None or self._replacing else self._edit_hint[0]
        self._feed_data()  # first: an edit of one point updates the landscape's moments
        self.update_optimum(edit)  # which estimate the optimum of large data meanwhile
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


def load_preset(controller, key: str) -> bool:
    """Replace ``controller``'s data by preset ``key`` (one undoable edit named after it)."""
    if key not in PRESETS:
        controller.report("Cannot open the preset", f"There is no preset named {key!r}.")
        return False
    if not controller.edit_allowed():
        return False
    problem = wait_for_torch()
    if problem:
        controller.report("Cannot open the preset", str(problem))
        return False
    try:
        dataset = call_off_gui_thread(make, key)
    except DataError as exc:
        controller.report("Cannot open the preset", str(exc))
        return False
    preset = PRESETS[key]
    if controller.replace_data(dataset, f"Open preset {preset.title}"):
        controller.status(f"{preset.title}: {preset.description}", 8000)
        return True
    return False
