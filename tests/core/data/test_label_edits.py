"""Edits of logistic regression's labelled points (add, move, delete, paste, and their undo)
keep every label exactly 0 or 1, as given."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.data.commands import Append, AppendPoints, Delete, Move, Replace
from gdstudio.core.data.paste import parse_points
from gdstudio.core.data.presets import make
from gdstudio.core.data.two_classes import two_classes


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_add_move_delete_paste_keep_the_labels_and_undo_gives_them_back(dtype):
    start = make("hours-pass").astype(dtype)
    x0, y0 = start.x.astype(np.float64).tolist(), start.y.astype(np.float64).tolist()
    data, undo = start, []
    steps = [
        (Append(2.2, 1.0), [*x0, 2.2], [*y0, 1.0]),
        (Append(0.1, 0.0, index=0), [0.1, *x0, 2.2], [0.0, *y0, 1.0]),
        (Move(3, 4.4, 1.0), None, None),
        (Delete((0, 5, 21)), None, None),
        (AppendPoints(parse_points("x\tlabel\n6\t1\n-1\t0\n", dtype, labels=True), "Paste"),
         None, None),
    ]
    for command, xs, ys in steps:
        data, inverse = command.apply(data)
        undo.append(inverse)
        assert data.dtype == dtype
        assert set(data.y.tolist()) <= {0.0, 1.0}
        if xs is not None:
            assert data.x.tolist() == np.array(xs, dtype).tolist()
            assert data.y.tolist() == ys
    # the points and labels after the five edits, worked out by hand
    moved = [0.1, *x0, 2.2]
    labels = [0.0, *y0, 1.0]
    moved[3], labels[3] = 4.4, 1.0
    for i in (21, 5, 0):
        del moved[i], labels[i]
    moved += [6.0, -1.0]
    labels += [1.0, 0.0]
    assert data.x.tolist() == np.array(moved, dtype).tolist()
    assert data.y.tolist() == labels
    for inverse in reversed(undo):
        data, _ = inverse.apply(data)
    assert data == start
    assert data.y.tobytes() == start.y.tobytes()


def test_replacing_with_generated_classes_keeps_their_labels_and_recipe():
    generated = two_classes(n0=3, n1=2, seed=5)
    data, _ = Replace(generated, "Generate two classes").apply(make("noisy-line"))
    assert data is generated and data.recipe is generated.recipe
    assert data.y.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    edited, _ = Append(0.0, 1.0).apply(data)
    assert edited.recipe is None  # edited points are no longer the generator's
    assert edited.y.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
