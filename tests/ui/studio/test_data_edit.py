"""An edit's signal carries the edit: :attr:`DataModel.pointsChanged` gives a
:class:`DataEdit` (which point, where it was and is, or a whole data set), and the landscape
updates from it: one point in O(1), anything else as a new data set."""

from __future__ import annotations

import pytest

from gdstudio.core.data.commands import Append, AppendPoints, Clear, Delete, Move, Replace
from gdstudio.core.data.dataset import Dataset
from gdstudio.ui.studio.controller import StudioController
from gdstudio.ui.studio.data_model import DataEdit, DataModel

POINTS = Dataset.from_points([(0, 1), (1, 3), (2, 5), (3, 7.5)])


@pytest.fixture
def model(qtbot):
    m = DataModel(POINTS, undo_budget=1 << 20)
    edits: list[DataEdit] = []
    m.pointsChanged.connect(edits.append)
    return m, edits


@pytest.mark.parametrize(("command", "point", "index", "old", "new"), [
    (Append(4.0, 9.0), "add", 4, None, (4.0, 9.0)),
    (Move(2, 2.5, 6.0), "move", 2, (2.0, 5.0), (2.5, 6.0)),
    (Delete((1,)), "delete", 1, (1.0, 3.0), None),
])
def test_an_edit_of_one_point_says_which_and_where(model, command, point, index, old, new):
    m, edits = model
    m.push(command)
    (edit,) = edits
    assert (edit.before, edit.after) == (POINTS, m.dataset)
    assert edit.before is POINTS and edit.after is m.dataset
    assert (edit.point, edit.index, edit.replaced) == (point, index, False)
    assert edit.old == old and edit.new == new


@pytest.mark.parametrize(("command", "replaced"), [
    (Delete((0, 2)), False), (Append(4.0, 9.0, index=0), False),
    (AppendPoints(Dataset.from_points([(5, 5), (6, 6)])), False),
    (Clear(), False), (Replace(Dataset.from_points([(1, 1)])), True),
])
def test_other_edits_say_the_data_set_changed_as_a_whole(model, command, replaced):
    m, edits = model
    m.push(command, replaced=replaced)
    (edit,) = edits
    assert edit.point is None and edit.index is None and edit.old is None and edit.new is None
    assert edit.replaced is replaced and edit.after is m.dataset and edit.before is POINTS


def test_undo_and_redo_carry_the_data_before_and_after(model):
    m, edits = model
    m.push(Move(0, 0.5, 1.5))
    moved = m.dataset
    m.undo_stack.undo()
    m.undo_stack.redo()
    undo, redo = edits[1:]
    assert (undo.before, undo.after.x.tolist()) == (moved, POINTS.x.tolist())
    assert (redo.before, redo.after) == (undo.after, m.dataset)
    assert undo.point is redo.point is None and not undo.replaced and not redo.replaced


def floats(value):
    """``value`` (numbers, nested in tuples) as plain floats."""
    return tuple(map(floats, value)) if isinstance(value, tuple) else float(value)


def test_the_landscape_follows_the_edit_it_is_given(qtbot, monkeypatch):
    """One point added, moved or deleted: the landscape's O(1) update with the point's
    values; anything else: the data set as a whole (fitted to when it was replaced)."""
    from gdstudio.ui.numbers.landscape_model import LandscapeModel

    calls = []
    for name in ("point_added", "point_moved", "point_removed", "data_replaced"):
        real = getattr(LandscapeModel, name)

        def spy(self, *args, _name=name, _real=real, **kwargs):
            calls.append((_name, args, kwargs.get("fit")))
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(LandscapeModel, name, spy)
    c = StudioController(POINTS)
    calls.clear()
    assert c.add_point(4.0, 9.0)
    assert c.move_point(0, 0.5, 1.5)
    assert c.delete_points((1,))
    assert c.delete_points((0, 1))
    c.undo()
    assert c.replace_data(Dataset.from_points([(1, 1), (2, 2)]), "other")
    assert [(n, floats(args)) for n, args, _ in calls[:3]] == [
        ("point_added", (4.0, 9.0)),
        ("point_moved", ((0.0, 1.0), (0.5, 1.5))),
        ("point_removed", (1.0, 3.0))]
    assert [(n, fit) for n, _, fit in calls[3:]] == [
        ("data_replaced", False), ("data_replaced", False), ("data_replaced", True)]
    c.shutdown()
