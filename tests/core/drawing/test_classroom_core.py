"""The classroom's core pieces, no Qt: the new presets' optima (exact), pasted points, adding
many points as one edit, predict mode's scoring, and the figure size's bounds."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from gdstudio.core.data.commands import AppendPoints
from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.paste import parse_points
from gdstudio.core.data.presets import PRESETS, make
from gdstudio.core.drawing.figure_data import MAX_FIGURE_SIDE, MIN_VIEW_SIZE, figure_size
from gdstudio.core.drawing.predict_score import CLOSE_FRACTION, Tally, score_guess
from gdstudio.core.errors import DataError
from gdstudio.core.models.line.optimum import closed_form

NEW_PRESETS = ("line-outlier", "two-clusters", "vertical-cloud")


def exact_least_squares(dataset):
    xs = [Fraction(float(v)) for v in dataset.x]
    ys = [Fraction(float(v)) for v in dataset.y]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    w = sxy / sxx
    return w, my - w * mx


@pytest.mark.parametrize("key", NEW_PRESETS)
def test_new_presets_have_the_exact_least_squares_optimum(key):
    dataset = make(key)
    assert dataset.dtype == "float32" and len(dataset) >= 10
    w, b = exact_least_squares(dataset)
    optimum = closed_form(dataset)
    assert optimum.unique
    assert math.isclose(optimum.w, float(w), rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(optimum.b, float(b), rel_tol=1e-12, abs_tol=1e-12)
    assert PRESETS[key].description and PRESETS[key].title


def test_the_presets_say_what_they_show():
    assert exact_least_squares(make("two-clusters")) == (Fraction(120, 203),
                                                         Fraction(5, 2) - Fraction(120, 203)
                                                         * Fraction(7, 2))
    assert "120/203" in PRESETS["two-clusters"].description
    x = make("vertical-cloud").x
    assert (x.min(), x.max()) == (4.75, 5.25)
    outlier = make("line-outlier")
    off = outlier.y - (2 * outlier.x + 1)
    assert sorted(off.tolist()) == [0.0] * 9 + [23.0]
    assert exact_least_squares(outlier) == (Fraction(491, 165), Fraction(-12, 11))  # the guide


@pytest.mark.parametrize(("text", "x", "y"), [
    ("1\t2\n3\t4\n", [1, 3], [2, 4]),  # a spreadsheet's copy
    ("x\ty\r\n1.5\t2\r\n3\t-4\r\n", [1.5, 3], [2, -4]),  # with a header, Windows lines
    ("1,2\n\n3,4", [1, 3], [2, 4]),  # commas, a blank line
    ("y;x\n2,5;1\n4;3\n", [1, 3], [2.5, 4]),  # semicolons, decimal commas, y first
    ("1,5\t2,25\n", [1.5], [2.25]),  # tabs with decimal commas
])
def test_pasted_points_are_read_as_the_csv_reader_reads(text, x, y):
    d = parse_points(text)
    assert d.x.tolist() == x and d.y.tolist() == y


@pytest.mark.parametrize(("text", "words"), [
    ("1\t2\n3\tabc\n", "The pasted text, line 2, column 2: 'abc' is not a number."),
    ("1\t2\n3\t4\t5\n", "The pasted text, line 2:"),
    ("1\n2\n", "line 1: '1' has no comma, semicolon or tab"),
    ("1\tnan\n", "line 1, column 2: 'nan' is NaN"),
    ("  \n", "The clipboard holds no text"),
    ("x\ty\n", "no data rows"),
    ("1e60\t1\n", "line 1, column 1: 1e60 is too large for float32"),
])
def test_bad_pasted_text_gets_one_message_naming_the_line(text, words):
    with pytest.raises(DataError) as caught:
        parse_points(text)
    message = str(caught.value)
    assert words in message and "\n" not in message
    assert "--float64" not in message and "nan" not in message.replace("'nan'", "")


def test_append_points_is_one_edit_with_an_exact_inverse():
    before = Dataset(np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float32))
    added = Dataset(np.array([5.0, 6.0, 7.0]), np.array([8.0, 9.0, 10.0]))
    after, inverse = AppendPoints(added, "Spray 3 points").apply(before)
    assert after.dtype == "float32"
    assert after.x.tolist() == [1, 2, 5, 6, 7] and after.y.tolist() == [3, 4, 8, 9, 10]
    restored, _ = inverse.apply(after)
    assert restored.x.tolist() == [1, 2] and restored.y.tolist() == [3, 4]


def test_append_points_refuses_values_float32_cannot_hold_and_changes_nothing():
    before = Dataset(np.array([1.0], np.float32), np.array([1.0], np.float32))
    with pytest.raises(DataError, match="too large for float32"):
        AppendPoints(Dataset(np.array([1.0, 1e60]), np.array([0.0, 0.0]))).apply(before)
    with pytest.raises(DataError, match="no points"):
        AppendPoints(Dataset(np.empty(0), np.empty(0))).apply(before)
    assert before.x.tolist() == [1.0]


def test_a_guess_is_scored_against_the_step_exactly():
    result = score_guess((1.0, 1.0), (0.0, 0.0), (4.0, 4.0))
    assert result.distance == math.hypot(3.0, 3.0) and result.step == math.hypot(4.0, 4.0)
    assert result.relative == pytest.approx(0.75) and not result.close
    assert "75% of the step's length" in result.words()
    near = score_guess((3.0, 0.25), (0.0, 0.0), (3.0, 0.0))
    assert near.distance == 0.25 and near.close and "close" in near.words()
    assert score_guess((3.3, 0.0), (0.0, 0.0), (3.0, 0.0)).close is (0.3 <= 0.3 * 1)
    still = score_guess((1.0, 1.0), (1.0, 1.0), (1.0, 1.0))
    assert still.relative is None and still.close and "did not move" in still.words()


def test_a_diverged_step_is_not_counted_and_no_message_says_nan():
    tally = Tally()
    bad = score_guess((1.0, 1.0), (0.0, 0.0), (math.inf, math.nan))
    tally.add(bad)
    assert not bad.counted and tally.count == 0
    for text in (bad.words(), tally.words()):
        assert "nan" not in text.lower() and "inf" not in text.lower()


def test_the_tally_counts_guesses_close_ones_and_the_mean_distance():
    tally = Tally()
    for guess in ((2.0, 0.0), (1.95, 0.0), (0.0, 0.0)):
        tally.add(score_guess(guess, (0.0, 0.0), (2.0, 0.0)))
    assert tally.count == 3 and tally.close == 2
    assert tally.mean_distance == pytest.approx((0.0 + 0.05 + 2.0) / 3, rel=1e-15)
    assert tally.words().startswith("Predict: 3 guesses, 2 close (within 10% of the step)")
    assert CLOSE_FRACTION == 0.1


def test_figure_size_bounds_and_messages():
    assert figure_size("1200", " 800 ") == (1200, 800)
    assert figure_size(1500, 500, views=3) == (1500, 500)
    low_w, low_h = MIN_VIEW_SIZE
    for width, height, words in [
        ("abc", "600", "The width must be a whole number of pixels, got 'abc'."),
        ("800", "1.5", "The height must be a whole number of pixels, got '1.5'."),
        (str(low_w - 1), "600", f"The width must be from {low_w:,} to {MAX_FIGURE_SIDE:,}"),
        ("800", str(MAX_FIGURE_SIDE + 1), "The height must be from"),
        ("800", "-5", "got -5"),
    ]:
        with pytest.raises(ValueError) as caught:
            figure_size(width, height)
        assert words in str(caught.value)
    with pytest.raises(ValueError, match=r"A figure of 8,000 × 5,000 pixels is too large: at "
                       r"most 32,000,000 pixels"):
        figure_size(8000, 5000)
    assert figure_size(8000, 4000) == (8000, 4000)
    with pytest.raises(ValueError, match="for 3 views side by side"):
        figure_size(3 * low_w - 1, low_h, views=3)
