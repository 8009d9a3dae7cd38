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
