"""Your line for logistic regression: a sigmoid dragged by its two handles, the boundary handle
at p = 0.5 (moves b, w kept) and the slope handle at p = 0.88 (sets w)."""

import math

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset

Z88 = math.log(0.88 / 0.12)


@pytest.fixture
def your(window):
    c = window.controller
    assert c.settings_model.update({"model": "logistic", "loss": "mse"})
    assert c.replace_data(Dataset(np.array([-2.0, -1.0, 1.0, 2.0]),
                                  np.array([0.0, 1.0, 0.0, 1.0])), "four")
    line = window.line_views.your_line
    line.panel.enabled.setChecked(True)
    line.set_line(2.0, -1.0)
    return line


def test_your_sigmoid_and_its_handles(your):
    xs, ps = your.item.getData()
    np.testing.assert_allclose(ps, 1.0 / (1.0 + np.exp(-(2.0 * xs - 1.0))), rtol=1e-12)
    (xb, pb), (xs_, ps_) = ((h.pos().x(), h.pos().y()) for h in your.handles)
    assert (xb, pb) == (0.5, 0.5)
    assert xs_ == pytest.approx(0.5 + Z88 / 2.0) and ps_ == pytest.approx(0.88)


def test_the_boundary_handle_moves_b_and_keeps_w(your):
    your.handles[0].setPos(1.5, 0.7)  # dragged, a little up too
    assert your.w == 2.0 and your.b == pytest.approx(-3.0)
    assert your.handles[0].pos().y() == 0.5  # back on its height
    assert your.handles[1].pos().x() == pytest.approx(1.5 + Z88 / 2.0)
    assert your.panel.b_field.text() == "-3"


def test_the_slope_handle_sets_w(your):
    your.handles[1].setPos(0.5 + Z88 / 4.0, 0.95)  # twice as near the boundary
    assert your.w == pytest.approx(4.0) and your.b == pytest.approx(-2.0)
    assert your.handles[1].pos().y() == pytest.approx(0.88)
    assert "accuracy 50.0%" in your.panel.loss_label.text()  # (-1, 1) and (1, 0) are wrong
