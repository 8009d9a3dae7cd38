"""The View menu under logistic regression, as a learner sees it: the line's residual items
are greyed (they would do nothing to a sigmoid) and come back with the line."""

from __future__ import annotations


def test_the_residual_items_are_greyed_under_logistic_and_back_with_the_line(window, qtbot):
    c = window.controller
    items = window.line_views.residual_actions
    assert items and all(a.isEnabled() for a in items.values())
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")
    assert not any(a.isEnabled() for a in items.values())
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("line")
    assert all(a.isEnabled() for a in items.values())


def test_the_best_fit_item_names_the_models_best_fit(window, qtbot):
    c = window.controller
    item = window.act_optimum
    assert item.text() == "&Show least-squares line"
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("logistic")
    assert item.text() == "&Show best fit (maximum likelihood)"
    assert "least" not in item.statusTip() and "sigmoid" in item.statusTip()
    assert window.show_optimum.text() == "Show best fit (maximum likelihood)"
    with qtbot.waitSignal(c.modelChanged, timeout=10_000):
        assert c.switch_model("line")
    assert item.text() == "&Show least-squares line" and "least squares" in item.statusTip()
