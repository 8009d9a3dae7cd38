"""Kept runs of another model: kept, listed, but drawn only when their model is back (a line's
path and MSE curve have no place on logistic regression's landscape and cross-entropy axis)."""

from __future__ import annotations

from tests.ui.studio.test_ui_training import train_to_end


def test_a_kept_line_run_waits_while_logistic_regression_is_shown(window, qtbot):
    c = window.controller
    train_to_end(window, qtbot)
    assert c.keep_run()
    (kept,) = c.kept_runs
    key = kept.key
    lp = window.landscape_plot
    assert lp.kept[key].isVisible() and key in window.loss_plot.kept
    with qtbot.waitSignal(c.modelChanged, timeout=30_000):
        assert c.switch_model("logistic")
    assert len(c.kept_runs) == 1  # kept, not lost
    assert not lp.kept[key].isVisible()
    assert key not in window.loss_plot.kept
    item = window.runs_panel.runs_list.item(0)
    assert "(the line: drawn when it is the model)" in item.text()
    assert "the line" in item.toolTip()
    with qtbot.waitSignal(c.modelChanged, timeout=30_000):
        assert c.switch_model("line")
    assert lp.kept[key].isVisible() and key in window.loss_plot.kept
    assert "drawn when" not in window.runs_panel.runs_list.item(0).text()
