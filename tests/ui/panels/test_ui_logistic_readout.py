"""The readout under logistic regression (no window): it names the sigmoid, never "this
line", and its numbers are the exact cross-entropy of the moment's sigmoid."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.data.presets import make
from gdstudio.ui.panels.readout import run_line
from gdstudio.ui.studio.controller import StudioController


@pytest.fixture
def controller(qtbot):
    c = StudioController()
    yield c
    c.shutdown(5000)


def test_a_paused_logistic_run_names_the_loss_of_its_sigmoid(controller, qtbot):
    c = controller
    assert c.replace_data(make("hours-pass"), "Load preset")
    assert c.switch_model("logistic")
    c.set_settings(c.settings.replace(learning_rate=0.05, epochs=5))
    with qtbot.waitSignal(c.session.pauseReached, timeout=20_000):
        c.step()  # one epoch, then paused
    text = run_line(c).replace("\u00a0", " ")
    assert "(loss of this sigmoid)" in text
    assert "line" not in text
    w, b = c.shown_moment.last.w, c.shown_moment.last.b
    x, y = np.asarray(c.dataset.x, np.float64), np.asarray(c.dataset.y, np.float64)
    z = w * x + b
    bce = float(np.mean(np.logaddexp(0.0, z) - y * z))
    shown = float(text.split("(loss of this sigmoid)")[1].split()[0])
    assert shown == pytest.approx(bce, rel=1e-5)
    with qtbot.waitSignal(c.runFinished, timeout=20_000):
        c.stop()
