"""The data panel as a user works it: clicks on the plot, drags, deletes, undo, import."""

import numpy as np
from PySide6.QtCore import Qt

from gdstudio.core.data.csv_io import write_dataset
from gdstudio.core.data.csv_read import read_dataset
from gdstudio.core.data.dataset import Dataset
from tests.qt_helpers import click, data_to_viewport, drag


def points(win):
    d = win.controller.model.dataset
    return np.column_stack([d.x, d.y])


def pixel_size(win):
    return win.plot.getViewBox().viewPixelSize()


def test_starts_with_tutorial_line(window):
    assert window.windowTitle() == "Gradient Descent Studio"
    assert len(window.controller.model.dataset) == 100
    assert "100 points" in window.count_label.text()


def test_click_on_empty_space_adds_point_at_data_coordinates(window):
    target = (2.0, 20.0)  # far from the line y = -5x
    before = len(window.controller.model.dataset)
    click(window.plot, data_to_viewport(window.plot, *target))
    assert len(window.controller.model.dataset) == before + 1
    x, y = points(window)[-1]
    px, py = pixel_size(window)
    assert abs(x - target[0]) <= 1.5 * px
    assert abs(y - target[1]) <= 1.5 * py
    assert f"{before + 1} points" in window.count_label.text()


def test_drag_moves_point_and_undo_redo(window):
    i = 30
    x0, y0 = points(window)[i]
    start = data_to_viewport(window.plot, x0, y0)
    end = data_to_viewport(window.plot, x0 + 1.0, y0 + 10.0)
    drag(window.plot, start, end)
    assert len(window.controller.model.dataset) == 100
    x1, y1 = points(window)[i]
    px, py = pixel_size(window)
    assert abs(x1 - (x0 + 1.0)) <= 1.5 * px and abs(y1 - (y0 + 10.0)) <= 1.5 * py
    window.act_undo.trigger()
    assert tuple(points(window)[i]) == (x0, y0)
    window.act_redo.trigger()
    assert tuple(points(window)[i]) == (x1, y1)


def test_drag_on_empty_space_pans_without_editing(window):
    before = points(window).copy()
    drag(window.plot, data_to_viewport(window.plot, 3.0, 20.0),
         data_to_viewport(window.plot, 1.0, 10.0))
    assert np.array_equal(points(window), before)


def test_right_click_deletes_point_and_undo_restores(window):
    original = window.controller.model.dataset
    x, y = points(window)[10]
    click(window.plot, data_to_viewport(window.plot, x, y), Qt.MouseButton.RightButton)
    assert len(window.controller.model.dataset) == 99
    d = window.controller.model.dataset
    assert not np.any((d.x == x) & (d.y == y))
    window.act_undo.trigger()
    assert window.controller.model.dataset == original


def test_select_then_delete_key(window, qtbot):
    a, b = points(window)[5], points(window)[50]
    click(window.plot, data_to_viewport(window.plot, *a))
    click(window.plot, data_to_viewport(window.plot, *b),
          modifiers=Qt.KeyboardModifier.ShiftModifier)
    assert window.plot.selection == (5, 50)
    window.plot.setFocus()
    qtbot.keyClick(window.plot, Qt.Key.Key_Delete)
    assert len(window.controller.model.dataset) == 98


def test_keyboard_undo_redo(window, qtbot):
    click(window.plot, data_to_viewport(window.plot, 2.0, 20.0))
    assert len(window.controller.model.dataset) == 101
    window.plot.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(window.controller.model.dataset) == 100
    qtbot.keyClick(window, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(window.controller.model.dataset) == 101


def test_generate_clear_and_undo(window):
    assert window.controller.generate(slope=2.0, intercept=1.0, noise=0.0, x_min=0.0, x_max=1.0,
                           x_step=0.25, seed=3)
    d = window.controller.model.dataset
    assert d.x.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert np.allclose(d.y, 2 * d.x + 1)
    assert "4 points" in window.count_label.text()
    window.controller.clear()
    assert len(window.controller.model.dataset) == 0
    assert "0 points" in window.count_label.text()
    assert not window.act_train.isEnabled()
    window.act_undo.trigger()
    assert window.controller.model.dataset == d
    assert window.controller.generate(random_x=True, n=7, seed=1)
    assert len(window.controller.model.dataset) == 7


def test_bad_generator_values_show_message_and_keep_data(window):
    before = window.controller.model.dataset
    assert not window.controller.generate(x_min=1.0, x_max=0.0)
    assert window.controller.model.dataset == before
    assert "x max" in window.messages.last[1]


def test_import_bad_csv_shows_error_and_keeps_data(window, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,abc\n")
    before = window.controller.model.dataset
    assert not window.files.import_csv(str(bad))
    assert window.controller.model.dataset == before
    _title, text = window.messages.last
    assert "bad.csv" in text and "line 3" in text and "column 2" in text


def test_import_and_save_round_trip(window, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("1.5,2\n-3,4e-3\n7,8\n")
    assert window.files.import_csv(str(src))
    assert points(window).tolist() == [[1.5, 2.0], [-3.0, np.float32(4e-3)], [7.0, 8.0]]
    out = tmp_path / "out.csv"
    assert window.files.save_data(str(out))
    assert read_dataset(out) == window.controller.model.dataset
    window.act_undo.trigger()
    assert len(window.controller.model.dataset) == 100


def test_save_failure_keeps_old_file(window, tmp_path, monkeypatch):
    out = tmp_path / "keep.csv"
    write_dataset(out, Dataset.from_points([(1, 2), (3, 4)]))
    old = out.read_bytes()
    import os

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    assert not window.files.save_data(str(out))
    assert out.read_bytes() == old
    assert "No space left" in window.messages.last[1]
    assert [p.name for p in tmp_path.iterdir() if "keep" in p.name] == ["keep.csv"]


def test_large_data_is_thinned_for_display(window):
    from gdstudio.core.data.dataset import random_line
    from gdstudio.ui.plots import MAX_SHOWN_POINTS

    assert window.controller.replace_data(random_line(250_000, seed=2), "big")
    assert len(window.controller.model.dataset) == 250_000
    assert window.plot.shown_count <= MAX_SHOWN_POINTS
    assert "250,000 points (showing" in window.count_label.text()


def test_stable_bound_shown_next_to_learning_rate(window):
    assert "stable below 0.12" in window.panel.stable_label.text()
    window.panel.learning_rate.setText("abc")
    assert window.panel.learning_rate.styleSheet()  # flagged at once
    assert window.act_train.isEnabled()  # not greyed: pressing it says what is wrong
    assert not window.controller.train()
    assert window.statusBar().currentMessage().startswith("Learning rate: 'abc' is not")
    window.panel.learning_rate.setText("1e-3")
    assert not window.panel.learning_rate.styleSheet()
    assert window.panel.config().learning_rate == 0.001
    assert window.act_train.isEnabled()


def test_click_on_point_does_not_add(window):
    for i in (0, 99):  # also where the legends sit: they never take the click
        x, y = points(window)[i]
        click(window.plot, data_to_viewport(window.plot, x, y))
        assert len(window.controller.model.dataset) == 100
        assert window.plot.selection == (i,)




def test_the_least_squares_box_shows_and_hides_the_line(window):
    assert window.plot.optimum_line.isVisible()
    window.show_optimum.setChecked(False)
    assert not window.plot.optimum_line.isVisible() and not window.act_optimum.isChecked()
    window.act_optimum.trigger()
    assert window.plot.optimum_line.isVisible() and window.show_optimum.isChecked()


def test_lines_on_data_near_1e300_print_no_overflow_warning(window, qtbot):
    """Data near 1e300: drawing the fit and least-squares lines warns nothing on stderr."""
    import warnings

    data = Dataset(np.array([1.0, 2, 3, 4]) * 1e300, np.array([1.0, 3, 2, 5]) * 1e300)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        window.controller.replace_data(data, "huge data")
        qtbot.wait(50)
        window.plot._redraw_lines()
    assert window.plot.optimum_line.getData()[0] is not None
