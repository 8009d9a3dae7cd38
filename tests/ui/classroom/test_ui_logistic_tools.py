"""The spray brush and predict mode for logistic regression: sprayed points land on the chosen
class's row; what a step revealed says where the boundary went."""

import numpy as np

from gdstudio.core.data.dataset import Dataset


def test_a_spray_stroke_adds_points_of_the_chosen_class_on_its_row(window):
    c = window.controller
    assert c.settings_model.update({"model": "logistic", "loss": "mse"})
    assert c.replace_data(Dataset(np.array([-1.0, 1.0]), np.array([0.0, 1.0])), "two")
    window.data_panel.class_buttons[1].click()
    tool = window.classroom.spray
    tool.seed = 4
    now = [10.0]
    tool.clock = lambda: now[0]
    window.act_spray.setChecked(True)
    assert tool.begin(0.0, 0.3)
    now[0] += 0.1
    tool.move_to(0.2, 0.4)
    _, shown = tool.preview.getData()
    assert set(shown.tolist()) == {1.0}  # shown on the row while spraying
    assert tool.finish()
    d = c.model.dataset
    assert len(d) == 2 + 12 and set(d.y[2:].tolist()) == {1.0}
    assert len(set(d.x[2:].tolist())) == 12  # spread along x
    assert c.undo_text() == "Spray 12 points"
    window.act_undo.trigger()
    assert len(c.model.dataset) == 2
    window.act_spray.setChecked(False)


def test_what_a_step_revealed_says_where_the_boundary_went():
    from gdstudio.ui.classroom.predict_mode import boundary_words

    assert boundary_words((2.0, -1.0), (4.0, -1.0)) == (
        "The boundary went to x = 0.25; your guess put it at x = 0.5.")
    assert boundary_words((0.0, 1.0), (1.0, 3.0)) == (
        "The boundary went to x = -3; your guess put it at nowhere (w = 0).")


def test_pasted_labels_other_than_0_or_1_are_refused_in_one_line(window):
    from gdstudio.ui.classroom.classroom_tools import paste_points

    c = window.controller
    assert c.settings_model.update({"model": "logistic", "loss": "mse"})
    before = c.model.dataset
    assert not paste_points(c, "1\t0\n2\t0.5\n")
    assert c.model.dataset is before
    _, text = c.last_message
    assert text.splitlines()[0] == (
        "The pasted text, line 2, column 2: the label must be 0 or 1, got 0.5.")
    assert paste_points(c, "1\t0\n2\t1\n")
    assert c.model.dataset.y[-2:].tolist() == [0.0, 1.0]
