"""A logistic regression run in the window: on separable data the path runs away with w
growing, the view follows it, no star is drawn, a label says why, and nothing says
"diverged" (the loss falls); the loss axis names the cross-entropy."""

from __future__ import annotations

import numpy as np

from gdstudio.core.models.logistic.curvature import stable_lr_bound
from gdstudio.core.models.logistic.landscape import LogisticLandscape
from tests.ui.studio.test_ui_training import train_to_end


def logistic_window(window, qtbot, preset: str):
    c = window.controller
    with qtbot.waitSignal(c.modelChanged, timeout=30_000):
        assert c.switch_model("logistic")
    assert c.load_preset(preset)
    lm = c.landscape_model
    qtbot.waitUntil(lambda: lm.frame is not None and lm.frame.exact and not lm.busy,
                    timeout=60_000)
    return c


def test_separable_data_run_away_and_are_not_diverged(window, qtbot):
    c = logistic_window(window, qtbot, "separable-classes")
    c.settings_model.set_config(c.settings.replace(
        method="batch", impl="analytic", learning_rate=0.5, epochs=300, init_w=0.0,
        init_b=0.0))
    assert 0.5 < stable_lr_bound(c.dataset.x)  # (below the bound: the loss only falls)
    messages = []
    c.statusReported.connect(lambda text, _ms: messages.append(text))
    train_to_end(window, qtbot, timeout=60_000)
    s = c.current_summary
    assert s.status == "done"
    h = c.session.history
    assert h.w[-1] > h.w[len(h.w) // 2] > 1.0  # w keeps growing
    assert np.all(np.diff(h.loss) <= 0)  # the loss only falls
    texts = [*messages, window.statusBar().currentMessage(), window.readout.text()]
    assert not any("diverg" in t.lower() for t in texts)
    lm = c.landscape_model
    qtbot.waitUntil(lambda: not lm.busy and lm.frame is not None and lm.frame.exact,
                    timeout=60_000)
    frame = lm.frame
    assert frame.optimum is None
    assert len(window.landscape_plot.optimum.getData()[0]) == 0
    assert window.landscape_plot.landscape_label.toPlainText().startswith(
        "separable: no finite optimum")
    (w0, w1), (b0, b1) = lm.w_range, lm.b_range
    assert w0 <= h.w[-1] <= w1 and b0 <= h.b[-1] <= b1  # the view framed the runaway
    assert "cross-entropy" in window.loss_plot.getAxis("left").labelText


def test_overlapping_classes_have_the_star_where_the_run_goes(window, qtbot):
    c = logistic_window(window, qtbot, "hours-pass")
    c.settings_model.set_config(c.settings.replace(
        method="batch", impl="analytic", learning_rate=0.5, epochs=400, init_w=0.0,
        init_b=0.0))
    train_to_end(window, qtbot, timeout=60_000)
    opt = c.numbers.logistic
    frame = c.landscape_model.frame
    assert frame.optimum == (opt.w, opt.b)
    h = c.session.history
    data = c.dataset
    land = LogisticLandscape.from_arrays(data.x, data.y)
    assert land.loss(h.w[-1], h.b[-1]) < land.loss(0.0, 0.0)
    assert opt.text in window.readout.text().replace("\u00a0", " ") or opt.text in \
        window.readout.text()
