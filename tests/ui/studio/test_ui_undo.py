"""Undo keeps edits, not copies of the data: its memory is bounded, and every undo and redo
gives back exactly (bit for bit) the data it had."""

from __future__ import annotations

import gc
import random
import tracemalloc

import numpy as np
import pytest

from gdstudio.core.data.commands import Append, Clear, Delete, Move, Replace
from gdstudio.core.data.dataset import Dataset, random_line
from gdstudio.ui.studio.data_model import DataModel

MB = 2**20


def traced_growth(action) -> int:
    """Bytes still allocated (numpy arrays included) after ``action`` that were not before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        action()
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_fifty_drags_in_a_million_points_add_little_memory(qapp):
    """The window's drags are Move commands pushed on its model (redrawing a million points
    each time is the window's cost, not undo's, and is left out here)."""
    model = DataModel(random_line(1_000_000, seed=3))
    data = model.dataset

    def drags():
        for i in range(50):
            model.push(Move(17, float(i), float(-i)))

    grown = traced_growth(drags)
    assert grown <= 50 * MB, f"50 moves kept {grown / MB:.0f} MB"
    assert model.undo_stack.count() == 50  # all undoable
    assert model.dataset.x[17] == 49.0
    for _ in range(50):
        model.undo_stack.undo()
    after = model.dataset
    assert after.x.tobytes() == data.x.tobytes() and after.y.tobytes() == data.y.tobytes()


def snapshot(d: Dataset) -> tuple:
    return d.dtype, d.x.tobytes(), d.y.tobytes()


def random_edit(rng: random.Random, d: Dataset):
    n = len(d)
    kind = rng.choice(["append", "insert", "move", "move", "delete", "replace", "clear"]
                      if n else ["append", "replace"])
    value = rng.choice([0.0, -0.0, 1e-45, -3.5, 1e38, 123.456, rng.uniform(-1e6, 1e6)])
    if kind == "append":
        return Append(value, rng.uniform(-5, 5))
    if kind == "insert":
        return Append(rng.uniform(-5, 5), value, rng.randrange(n + 1))
    if kind == "move":
        return Move(rng.randrange(n), value, rng.uniform(-1, 1))
    if kind == "delete":
        return Delete(tuple(rng.sample(range(n), rng.randint(1, min(n, 5)))))
    if kind == "replace":
        return Replace(random_line(rng.randint(1, 50), seed=rng.randrange(100), dtype=d.dtype))
    return Clear(d.dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", range(6))
def test_undo_and_redo_restore_the_exact_data_after_many_edits(qapp, dtype, seed):
    rng = random.Random(seed)
    model = DataModel(random_line(40, seed=seed, dtype=dtype))
    stack = model.undo_stack
    # states[i] is the data after i edits of the current line of history
    states = [snapshot(model.dataset)]
    for _ in range(300):
        action = rng.random()
        if action < 0.6 or not stack.canUndo():
            model.push(random_edit(rng, model.dataset))
            del states[stack.index():]
            states.append(snapshot(model.dataset))
        elif action < 0.8:
            stack.undo()
        elif stack.canRedo():
            stack.redo()
        assert snapshot(model.dataset) == states[stack.index()]
    while stack.canUndo():
        stack.undo()
        assert snapshot(model.dataset) == states[stack.index()]
    while stack.canRedo():
        stack.redo()
        assert snapshot(model.dataset) == states[stack.index()]


def test_big_replacements_are_held_to_a_budget_and_the_user_is_told(window, qtbot):
    stack = window.controller.model.undo_stack
    stack.budget = 6 * MB  # about two and a half 300k-point float32 data sets
    for seed in range(4):
        assert window.controller.generate(n=300_000, random_x=True, seed=seed)
    qtbot.waitUntil(lambda: "Undo history trimmed" in window.statusBar().currentMessage())
    assert "can no longer be undone" in window.statusBar().currentMessage()
    assert stack.nbytes() <= stack.budget
    # kept: the data sets of seeds 1 and 2 (4.8 MB) for the last two generations
    assert stack.count() == 2
    # what is left still undoes exactly
    newest = snapshot(window.controller.model.dataset)
    while stack.canUndo():
        window.controller.undo()
    assert snapshot(window.controller.model.dataset) == snapshot(random_line(300_000, seed=1))
    while stack.canRedo():
        window.controller.redo()
    assert snapshot(window.controller.model.dataset) == newest


def test_the_newest_edit_stays_undoable_even_past_the_budget(qapp):
    model = DataModel(random_line(1000), undo_budget=1)
    model.push(Clear())
    model.push(Append(1.0, 2.0))
    assert model.undo_stack.count() == 1 and model.undo_stack.undoText() == "Add point"
    model.push(Replace(random_line(10, seed=4)))
    model.undo_stack.undo()
    assert snapshot(model.dataset) == snapshot(Dataset.from_points([(1.0, 2.0)]))
    assert np.array_equal(model.dataset.x, [1.0])
