"""The runs' colours: every kept run's colour is far, to the eye, from every other one, from
the current run's, from your line's and from the marks drawn beside the runs: predict mode's
guess, the landscape's preview, the selected points (CIE L*a*b* distance, sRGB under D65)."""

from __future__ import annotations

import itertools
import math

import pytest

from gdstudio.ui.studio.palette import (
    CURRENT_COLOR,
    GUESS_COLOR,
    PREVIEW_COLOR,
    RUN_COLORS,
    SELECTED_COLOR,
    YOUR_COLOR,
    next_color,
)

#: Colours closer than this (ΔE*ab, CIE 1976) are told apart only side by side; 2.3 is
#: the least difference noticed at all.
APART = 25.0


def lab(color: str) -> tuple[float, float, float]:
    """The CIE L*a*b* coordinates of ``'#rrggbb'`` (sRGB, D65 white)."""
    srgb = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a: str, b: str) -> float:
    return math.dist(lab(a), lab(b))


def test_the_distance_is_the_cie_one():
    """White, black and sRGB red at their published L*a*b* (to the matrices' digits)."""
    assert lab("#ffffff") == pytest.approx((100.0, 0.0, 0.0), abs=1e-3)
    assert lab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=1e-3)
    assert lab("#ff0000") == pytest.approx((53.2408, 80.0925, 67.2032), abs=1e-3)


def test_kept_run_colours_are_apart_from_each_other_the_current_run_and_your_line():
    for a, b in itertools.combinations(RUN_COLORS, 2):
        assert delta_e(a, b) >= APART, (a, b)
    for color in RUN_COLORS:
        assert delta_e(color, CURRENT_COLOR) >= APART, color
        assert delta_e(color, YOUR_COLOR) >= APART, color
    assert delta_e(CURRENT_COLOR, YOUR_COLOR) >= APART


def test_kept_run_colours_are_apart_from_the_guess_the_preview_and_the_selection():
    """A kept run's orange was the guess's, the landscape preview's and the selected points'
    orange: a kept path read as the preview, a kept line as the selection."""
    for mark in (GUESS_COLOR, PREVIEW_COLOR, SELECTED_COLOR):
        for color in (*RUN_COLORS, CURRENT_COLOR, YOUR_COLOR):
            assert delta_e(color, mark) >= APART, (color, mark)


def test_the_first_kept_runs_get_the_palette_in_order():
    in_use: list[str] = []
    for _ in RUN_COLORS:
        in_use.append(next_color(in_use))
    assert in_use == list(RUN_COLORS) and YOUR_COLOR not in in_use
