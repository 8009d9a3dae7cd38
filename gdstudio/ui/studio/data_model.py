"""The edited data set and its undo history.

An undo entry keeps the core command and its inverse, never a copy of the data: undo applies
the inverse to the current data, redo applies the command again. A move or an added point
costs a few bytes however large the data set; a deletion keeps the deleted points; only the
edits that replace the whole data set (generate, import, clear) keep a data set, and those
are held to a memory budget: past it the oldest edits are dropped (the newest one is always
kept) and :attr:`UndoStack.trimmed` says so.

Every change is announced with what it did, a :class:`DataEdit`
(:attr:`DataModel.pointsChanged`): listeners update from it (the landscape moves one point in
O(1) after an edit of one point).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from gdstudio.core.data.commands import Append, Delete, Move
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.tutorial import tutorial_line
from gdstudio.ui.studio.memory import available_memory


def default_undo_budget() -> int:
    """Bytes of data sets the undo history may keep: an eighth of the memory available,
    between 64 MB and 1 GB."""
    available = available_memory() or 0
    return max(64 * 2**20, min(2**30, available // 8))


@dataclass(frozen=True, eq=False)
class DataEdit:
    """One change of the data: the data set ``before`` and ``after`` it, and what it did.

    ``point`` is ``"add"``, ``"move"`` or ``"delete"`` when the edit added one point at the
    end, moved one or deleted one (``index``: the point's index, in ``after`` for an added or
    moved point, in ``before`` for a deleted one); None for any other change (several points,
    undo, redo, a whole data set). ``replaced``: a new data set as a whole (generated,
    imported, a preset, a session), which views fit their range to.
    """

    before: Dataset
    after: Dataset
    point: str | None = None
    index: int | None = None
    replaced: bool = False

    @property
    def old(self) -> tuple[float, float] | None:
        """The moved or deleted point where it was (None for other edits)."""
        if self.point not in ("move", "delete"):
            return None
        return self.before.x[self.index], self.before.y[self.index]

    @property
    def new(self) -> tuple[float, float] | None:
        """The added or moved point where it is now (None for other edits)."""
        if self.point not in ("add", "move"):
            return None
        return self.after.x[self.index], self.after.y[self.index]


def describe(command, before: Dataset, after: Dataset, replaced: bool = False) -> DataEdit:
    """The :class:`DataEdit` of ``command``, applied to ``before`` to give ``after``."""
    if not replaced:
        if (isinstance(command, Append) and command.index is None
                and len(after) == len(before) + 1):
            return DataEdit(before, after, "add", len(before))
        if isinstance(command, Move) and len(after) == len(before):
            return DataEdit(before, after, "move", command.index)
        if isinstance(command, Delete) and len(set(command.indices)) == 1:
            return DataEdit(before, after, "delete", command.indices[0])
    return DataEdit(before, after, replaced=replaced)


class _Edit:
    """One undoable edit: a core command and its inverse."""

    def __init__(self, command, inverse):
        self.text = getattr(command, "text", "Edit")
        self.command = command
        self.inverse = inverse

    @property
    def inverse(self):
        return self._inverse

    @inverse.setter
    def inverse(self, inverse) -> None:
        self._inverse = inverse
        self._datasets = tuple(_datasets(self.command)) + tuple(_datasets(inverse))

    def datasets(self):
        """The data sets this entry keeps (for :meth:`UndoStack.nbytes`)."""
        return self._datasets


def _datasets(part):
    if dataclasses.is_dataclass(part):
        for field in dataclasses.fields(part):
            value = getattr(part, field.name)
            if isinstance(value, Dataset):
                yield value


class UndoStack(QObject):
    """The edits of a :class:`DataModel`, with the parts of ``QUndoStack``'s API the window
    uses (``indexChanged``, ``canUndo``, ``undoText``, ...). GUI thread only."""

    #: The current position changed (after a push, undo or redo).
    indexChanged = Signal(int)
    #: The oldest edits were dropped to stay within the memory budget (how many).
    trimmed = Signal(int)

    def __init__(self, model: DataModel, budget: int):
        super().__init__(model)
        self._model = model
        self.budget = budget
        self._edits: list[_Edit] = []
        self._index = 0

    # -------------------------------------------------------------- QUndoStack's API
    def count(self) -> int:
        return len(self._edits)

    def index(self) -> int:
        return self._index

    def canUndo(self) -> bool:
        return self._index > 0

    def canRedo(self) -> bool:
        return self._index < len(self._edits)

    def undoText(self) -> str:
        return self._edits[self._index - 1].text if self.canUndo() else ""

    def redoText(self) -> str:
        return self._edits[self._index].text if self.canRedo() else ""

    def undo(self) -> None:
        if self.canUndo():
            edit = self._edits[self._index - 1]
            before = self._model.dataset
            restored, _ = edit.inverse.apply(before)
            self._index -= 1
            self._model._set(DataEdit(before, restored))
            self.indexChanged.emit(self._index)

    def redo(self) -> None:
        if self.canRedo():
            edit = self._edits[self._index]
            before = self._model.dataset
            new, edit.inverse = edit.command.apply(before)
            self._index += 1
            self._model._set(DataEdit(before, new))
            self.indexChanged.emit(self._index)

    def clear(self) -> None:
        self._edits.clear()
        self._index = 0
        self.indexChanged.emit(0)

    # -------------------------------------------------------------- memory
    def nbytes(self) -> int:
        """Bytes of the data sets kept only for undo and redo (not the current one)."""
        current = self._model.dataset
        seen = {id(current)}
        total = 0
        for edit in self._edits:
            for d in edit.datasets():
                if id(d) not in seen:
                    seen.add(id(d))
                    total += d.x.nbytes + d.y.nbytes
        return total

    def push(self, command, inverse) -> None:
        """Record an edit that has just been applied; drop the redo tail and, past the
        budget, the oldest edits."""
        del self._edits[self._index:]
        self._edits.append(_Edit(command, inverse))
        self._index = len(self._edits)
        dropped = 0
        while len(self._edits) > 1 and self.nbytes() > self.budget:
            del self._edits[0]
            self._index -= 1
            dropped += 1
        self.indexChanged.emit(self._index)
        if dropped:
            self.trimmed.emit(dropped)


class DataModel(QObject):
    """Holds the current :class:`Dataset`; every change goes through :meth:`push`."""

    #: The data set changed (any edit, undo or redo): the :class:`DataEdit` that says how.
    pointsChanged = Signal(object)

    def __init__(self, dataset: Dataset | None = None, parent=None,
                 undo_budget: int | None = None):
        super().__init__(parent)
        self.dataset = dataset if dataset is not None else tutorial_line()
        self.undo_stack = UndoStack(self, default_undo_budget() if undo_budget is None
                                    else undo_budget)

    def push(self, command, replaced: bool = False) -> None:
        """Apply a core command (raises DataError before anything changes) and record it;
        ``replaced``: it gives a new data set as a whole (see :class:`DataEdit`)."""
        before = self.dataset
        new, inverse = command.apply(before)
        self._set(describe(command, before, new, replaced))
        self.undo_stack.push(command, inverse)

    def _set(self, edit: DataEdit) -> None:
        self.dataset = edit.after
        self.pointsChanged.emit(edit)


def announce_trimmed(status_bar, stack: UndoStack, dropped: int) -> None:
    """Tell the user, after the message of the edit itself, that undo history was trimmed."""

    def show():
        note = (f"Undo history trimmed: the oldest {dropped:,} edit{'s' if dropped != 1 else ''} "
                f"can no longer be undone (undo keeps at most {stack.budget / 2**20:,.0f} MB "
                "of replaced data).")
        current = status_bar.currentMessage()
        status_bar.showMessage(f"{current} {note}" if current else note, 10_000)

    QTimer.singleShot(0, status_bar, show)  # not after the window is gone
