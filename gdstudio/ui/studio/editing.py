"""The controller's data edits: the requests that change the points, and the CSV import.

A part of :class:`gdstudio.ui.studio.controller.StudioController`, which owns one
:class:`DataEditing`. Every edit goes through the undo stack of the controller's
:class:`DataModel`, and every request asks the controller's one gate first
(:meth:`~gdstudio.ui.studio.controller.StudioController.edit_allowed`, with the way it changes
the data: a run, an import and a lesson's locks refuse it there).

For logistic regression (the settings' model) a point's y is its label: a click adds a point
of the chosen class (:attr:`DataEditing.add_class`) at y = 0 or 1, a moved point snaps to the
row it is dropped nearest (dragged across y = 0.5 it changes class: that is how a label is
changed by hand), and points added with another y (a paste) are refused in one line.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from PySide6.QtCore import QObject, Slot

from gdstudio.core.data.commands import Append, AppendPoints, Clear, Delete, Move, Replace
from gdstudio.core.data.csv_io import write_dataset
from gdstudio.core.data.csv_read import read_dataset
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.presets import PRESETS, make
from gdstudio.core.errors import DataError, StudioError
from gdstudio.ui.numbers.line_loss import model_of
from gdstudio.ui.studio.action_state import IMPORTING, lock_refusal
from gdstudio.ui.studio.generator import GENERATOR_DEFAULTS, generate
from gdstudio.ui.threads.import_worker import CsvImport
from gdstudio.ui.threads.offload import call_off_gui_thread
from gdstudio.ui.threads.torch_wait import wait_for_torch

#: Files up to this size read in a few tens of milliseconds and are imported at once; larger
#: ones are read on a worker thread (see :mod:`gdstudio.ui.threads.import_worker`), with progress.
READ_AT_ONCE_BYTES = 1 << 18
#: What a refused request says while a CSV file is being imported.
IMPORTING_MESSAGE = IMPORTING


class DataEditing(QObject):
    """Add, move, delete, undo, redo, clear, generate, replace, import and save.

    ``studio`` is the controller it belongs to: its ``model`` is edited, its ``edit_allowed``
    asked first, its ``numbers_feed`` given an import's numbers, and the user told with its
    ``status`` and ``report``.
    """

    def __init__(self, studio):
        super().__init__(studio)
        self._studio = studio
        self.model = studio.model
        #: The CSV file being read off the GUI thread (see :meth:`import_csv`).
        self.csv_import = CsvImport(self)
        self.csv_import.started.connect(studio.announce_actions)
        self.csv_import.finished.connect(self._on_csv_import_finished)
        self.csv_import.settled.connect(studio.announce_actions)
        #: The class (0 or 1) a click, the spray brush and paste add for logistic regression.
        self.add_class = 0

    @Slot(int)
    def set_add_class(self, label: int) -> None:
        """Add points of class ``label`` (0 or 1) from now on (logistic regression)."""
        if label not in (0, 1):
            raise ValueError(f"a class is 0 or 1, not {label!r}")
        self.add_class = int(label)

    @property
    def logistic(self) -> bool:
        """Whether the points are logistic regression's (labels 0 and 1)."""
        return model_of(self._studio) == "logistic"

    def _push(self, way: str, command, replaced: bool = False) -> bool:
        """Make the edit ``command`` if the gate allows ``way``; False (and the user told
        why) if not."""
        return self._studio.edit_allowed(way) and self._apply(command, replaced)

    def _apply(self, command, replaced: bool = False) -> bool:
        try:
            self.model.push(command, replaced)
        except DataError as exc:
            self._studio.report("Cannot edit the data", str(exc))
            return False
        return True

    def add_point(self, x: float, y: float) -> bool:
        """Add a point at (x, y); for logistic regression at (x, the chosen class)."""
        if self.logistic:
            y = float(self.add_class)
        if self._push("add", Append(x, y)):
            self._studio.status(f"Added ({x:.4g}, {y:.4g}).", 3000)
            return True
        return False

    def add_points(self, points: Dataset, text: str, way: str) -> bool:
        """Add ``points`` after the last one as one undoable edit named ``text``, made by
        ``way`` (``"spray"`` for a spray stroke, ``"paste_points"`` for a paste). For
        logistic regression every y must be a label, 0 or 1 (else nothing is added and one
        line says which point is not)."""
        if self.logistic and len(points):
            problem = label_problem(points.y)
            if problem is not None:
                if self._studio.edit_allowed(way):
                    self._studio.report("Cannot add the points", problem)
                return False
        return self._push(way, AppendPoints(points, text))

    def move_point(self, index: int, x: float, y: float) -> bool:
        """Move point ``index`` to (x, y); for logistic regression y snaps to the nearer
        label (0 below 0.5, 1 from 0.5 up)."""
        if self.logistic:
            y = 1.0 if y >= 0.5 else 0.0
        return self._push("move", Move(index, x, y))

    def delete_points(self, indices) -> bool:
        if self._push("delete", Delete(tuple(indices))):
            self._studio.select_points(())
            return True
        return False

    def undo(self) -> None:
        if self._studio.edit_allowed("undo"):
            self.model.undo_stack.undo()

    def redo(self) -> None:
        if self._studio.edit_allowed("redo"):
            self.model.undo_stack.redo()

    def clear(self) -> bool:
        if not self._studio.edit_allowed("clear"):
            return False
        if len(self.model.dataset):
            return self._apply(Clear(self.model.dataset.dtype))
        return False

    def generate(self, **values) -> bool:
        """Generate a noisy line with these values (the dialog's fields) as one edit."""
        if not self._studio.edit_allowed("generate"):
            return False
        v = {**GENERATOR_DEFAULTS, **values}
        try:
            dataset = generate(v, wait_for_torch)
        except DataError as exc:
            self._studio.report("Cannot generate", str(exc))
            return False
        return self._replace(dataset, "Generate noisy line")

    def replace_data(self, dataset: Dataset, text: str, way: str = "replace") -> bool:
        """Replace the whole data set as one undoable edit named ``text``, made by ``way``
        (see :data:`~gdstudio.ui.studio.action_state.DATA_WAYS`)."""
        return self._studio.edit_allowed(way) and self._replace(dataset, text)

    def _replace(self, dataset: Dataset, text: str) -> bool:
        if self._apply(Replace(dataset, text), replaced=True):
            self._studio.select_points(())
            return True
        return False

    def load_preset(self, key: str) -> bool:
        """Replace the data by preset ``key`` (one undoable edit named after it; made off
        the GUI thread: the noisy line is drawn with torch)."""
        s = self._studio
        if key not in PRESETS:
            s.report("Cannot open the preset", f"There is no preset named {key!r}.")
            return False
        if not s.edit_allowed("presets"):
            return False
        problem = wait_for_torch()
        if problem:
            s.report("Cannot open the preset", str(problem))
            return False
        try:
            dataset = call_off_gui_thread(make, key)
        except DataError as exc:
            s.report("Cannot open the preset", str(exc))
            return False
        preset = PRESETS[key]
        if self._replace(dataset, f"Open preset {preset.title}"):
            s.status(f"{preset.title}: {preset.description}", 8000)
            return True
        return False

    def import_csv(self, path: str) -> bool:
        """Load points from CSV as one undoable edit; False if nothing changed. Under
        logistic regression y are read as labels (0 or 1; another value is refused, naming
        its line).

        A file larger than :data:`READ_AT_ONCE_BYTES` is read on a worker thread: this
        returns True once it has started, editing is locked until it ends, and
        :attr:`csv_import` reports its progress and its end (:meth:`cancel_import` stops it,
        leaving the data as it was).
        """
        s = self._studio
        if not s.edit_allowed("import"):
            return False
        try:
            size = os.stat(path).st_size if Path(path).is_file() else 0
        except (OSError, ValueError):
            size = 0  # read_dataset says what is wrong with it
        labels = s.current_model == "logistic"  # (y read as labels 0 or 1)
        if size > READ_AT_ONCE_BYTES:
            self.csv_import.start(path, prepare=s.numbers_feed.prepare(), labels=labels)
            s.status(f"Importing {Path(path).name}…")
            return True
        try:
            dataset = read_dataset(path, labels=labels)
        except DataError as exc:
            self._import_failed(str(exc))
            return False
        return self._imported(path, dataset)

    def cancel_import(self) -> None:
        """Stop the import under way (the data stays as it was)."""
        if self.csv_import.busy:
            self.csv_import.cancel()

    def _import_failed(self, error: str) -> None:
        self._studio.report("Cannot import the CSV file",
                            f"{error}\n\nThe data was not changed.")

    def _imported(self, path: str, dataset: Dataset) -> bool:
        s = self._studio
        s.last_dir = str(Path(path).parent)
        if self._replace(dataset, f"Import {Path(path).name}"):
            s.status(f"Imported {len(dataset):,} points from {path}.", 5000)
            return True
        return False

    @Slot(str, object, str, bool)
    def _on_csv_import_finished(self, path: str, dataset, error: str, cancelled: bool) -> None:
        s = self._studio
        if cancelled:
            s.status("Import cancelled; the data was not changed.", 5000)
            return
        if error:
            s.status("Import failed; the data was not changed.", 5000)
            self._import_failed(error)
            return
        # The one edit the import's own lock allows: its data going in (a lesson's lock,
        # set since it started, still refuses it).
        refusal = lock_refusal(dataclasses.replace(s.snapshot(), importing=False), "import")
        if refusal is not None:
            s.status(refusal, 5000)
            return
        numbers = s.numbers_feed
        adopted = numbers.adopt(dataset, self.csv_import.prepared)
        if not self._imported(path, dataset):
            if adopted:
                numbers.forget()  # the data did not change
        elif adopted:
            s.optimumChanged.emit()

    def save_data(self, path: str) -> bool:
        try:
            write_dataset(path, self.model.dataset)
        except StudioError as exc:
            self._studio.report("Cannot save the data", str(exc))
            return False
        self._studio.status(f"Saved {len(self.model.dataset):,} points to {path}.", 5000)
        return True


def label_problem(y) -> str | None:
    """One line naming the first y that is not a label 0 or 1 (points counted from 1), or
    None when every one is."""
    import numpy as np

    y = np.asarray(y)
    bad = np.flatnonzero((y != 0) & (y != 1))
    if not len(bad):
        return None
    i = int(bad[0])
    return (f"Logistic regression needs labels 0 or 1; point {i + 1} has y = {float(y[i]):g}.")
