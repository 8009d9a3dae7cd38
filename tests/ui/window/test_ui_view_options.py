"""The view options in the window: the controller's view model is their one owner. Each
option's control (the View menu's action, the residuals menu, the speed box, presentation
mode) shows the model's value and changes it, and what it shows on the plots follows."""

from __future__ import annotations

import pytest

from gdstudio.core.settings.view_description import SPEEDS, VIEW_OPTIONS
from tests.described import OTHER_VIEW


def control_value(window, name: str):
    """The view option ``name`` as its control shows it."""
    if name == "residuals":
        checked = [m for m, a in window.line_views.residual_actions.items() if a.isChecked()]
        assert len(checked) == 1
        return checked[0]
    if name == "speed":
        return window.speed.currentIndex()
    option = next(v for v in VIEW_OPTIONS if v.name == name)
    return window.actions_by_name[option.control].isChecked()


def drawn_value(window, name: str):
    """The view option ``name`` as the window draws it (or runs, for the speed)."""
    return {
        "log_scale": lambda: window.loss_plot.log,
        "show_optimum": lambda: window.plot.optimum_line.isVisible()
        and window.show_optimum.isChecked(),
        "landscape": lambda: window.landscape_plot.isVisible(),
        "curvature": lambda: window.landscape_plot.curvature_action.isChecked(),
        "other_landscape": lambda: window.controller.landscape_model.other_landscape,
        "residuals": lambda: window.line_views.overlay.mode,
        "log_odds": lambda: window.line_views.logistic.log_odds,
        "jitter": lambda: window.plot.jitter,
        "presentation": lambda: window.presentation.active,
        "speed": lambda: [seconds for _, seconds in SPEEDS].index(
            window.controller.session._min_interval),
    }[name]()


def use_control(window, name: str, value) -> None:
    """Change view option ``name`` with its control, as the user does."""
    if name == "residuals":
        window.line_views.residual_actions[value].trigger()
    elif name == "speed":
        window.speed.setCurrentIndex(value)
    else:
        option = next(v for v in VIEW_OPTIONS if v.name == name)
        action = window.actions_by_name[option.control]
        if action.isChecked() != value:
            action.trigger()


def test_every_view_option_has_a_control_showing_the_model(window):
    view = window.controller.view_options
    for option in VIEW_OPTIONS:
        assert control_value(window, option.name) == view.value(option.name), option.name
        assert drawn_value(window, option.name) == view.value(option.name), option.name


@pytest.mark.parametrize("option", VIEW_OPTIONS, ids=lambda v: v.name)
def test_the_model_and_the_control_follow_each_other(window, option):
    view = window.controller.view_options
    start = view.value(option.name)
    other = OTHER_VIEW[option.name] if start != OTHER_VIEW[option.name] else option.default
    view.set(option.name, other)  # the model changes: the control and the plots follow
    assert control_value(window, option.name) == other
    assert drawn_value(window, option.name) == other
    use_control(window, option.name, start)  # the control changes: the model follows
    assert view.value(option.name) == start
    assert drawn_value(window, option.name) == start
