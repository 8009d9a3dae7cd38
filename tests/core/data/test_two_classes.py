"""The two-class generator and the logistic regression presets: labelled points a learner
gets with one click, drawn again bit for bit from their recipe."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gdstudio.core.data.presets import PRESETS, make, presets_for
from gdstudio.core.data.two_classes import TWO_CLASS_DEFAULTS, TwoClassRecipe, two_classes
from gdstudio.core.errors import DataError


def _tutorial_draw(gap, spread, n0, n1, centre, seed, dtype):
    """The script's lines of the module's docstring, typed out as a learner would."""
    dt = getattr(torch, dtype)
    torch.manual_seed(seed)
    X0 = (centre - gap / 2) + spread * torch.randn(n0, 1, dtype=dt)
    X1 = (centre + gap / 2) + spread * torch.randn(n1, 1, dtype=dt)
    X = torch.cat([X0, X1])
    Y = torch.cat([torch.zeros(n0, 1, dtype=dt), torch.ones(n1, 1, dtype=dt)])
    return X.view(-1).numpy(), Y.view(-1).numpy()


@pytest.mark.parametrize("args", [
    {"gap": 2.0, "spread": 1.0, "n0": 50, "n1": 50, "centre": 0.0, "seed": 0, "dtype": "float32"},
    {"gap": 0.3, "spread": 0.7, "n0": 7, "n1": 13, "centre": 1.7e3, "seed": 12345,
     "dtype": "float32"},
    {"gap": 5.0, "spread": 0.25, "n0": 20, "n1": 3, "centre": -2.5, "seed": 7, "dtype": "float64"},
    {"gap": 1.0, "spread": 2.0, "n0": 0, "n1": 9, "centre": 0.1, "seed": 1, "dtype": "float32"},
])
def test_the_recipe_draws_the_same_points_bit_for_bit(args):
    data = two_classes(**args)
    x, y = _tutorial_draw(**args)
    assert data.dtype == args["dtype"]
    assert data.x.tobytes() == x.tobytes() and data.y.tobytes() == y.tobytes()
    assert data.recipe == TwoClassRecipe(**args)
    low, high = data.recipe.centres
    assert (low, high) == (args["centre"] - args["gap"] / 2, args["centre"] + args["gap"] / 2)


def test_same_seed_same_bits_other_seed_other_points_and_global_state_kept():
    torch.manual_seed(99)
    before = torch.random.get_rng_state()
    a, b = two_classes(seed=3), two_classes(seed=3)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert a == b and a.x.tobytes() == b.x.tobytes()
    assert not np.array_equal(a.x, two_classes(seed=4).x)


def test_labels_are_class_0_then_class_1_of_the_sizes_asked():
    data = two_classes(n0=4, n1=6, seed=2)
    assert data.y.tolist() == [0.0] * 4 + [1.0] * 6
    assert data.dtype == "float32"


def test_the_defaults_overlap_and_a_wide_gap_separates():
    data = two_classes()
    assert TWO_CLASS_DEFAULTS == {"gap": 2.0, "spread": 1.0, "n0": 50, "n1": 50,
                                  "centre": 0.0, "seed": 0}
    x0, x1 = data.x[data.y == 0], data.x[data.y == 1]
    assert len(x0) == len(x1) == 50
    assert x0.max() > x1.min()  # overlapping: no boundary separates them
    wide = two_classes(gap=20.0, spread=1.0)
    assert wide.x[wide.y == 0].max() < wide.x[wide.y == 1].min()


def test_zero_spread_puts_each_class_on_its_centre():
    data = two_classes(gap=3.0, spread=0.0, n0=2, n1=3, centre=1.0)
    assert data.x.tolist() == [-0.5, -0.5, 2.5, 2.5, 2.5]


@pytest.mark.parametrize("kwargs, words", [
    ({"gap": -1.0}, "The gap between the classes must be 0 or more, got -1.0."),
    ({"spread": -0.5}, "The spread must be 0 or more, got -0.5."),
    ({"gap": math.nan}, "gap must be a finite number, got nan."),
    ({"centre": math.inf}, "centre must be a finite number, got inf."),
    ({"n0": 0, "n1": 0}, "The two classes have no points: give class 0 or class 1 at least one."),
    ({"n0": -1}, "The size of class 0 must be a whole number from 0 to 10,000,000, got -1."),
    ({"n1": 2.5}, "The size of class 1 must be a whole number from 0 to 10,000,000, got 2.5."),
    ({"n1": True}, "The size of class 1 must be a whole number"),
    ({"n0": 6_000_000, "n1": 6_000_000}, "The two classes have 12,000,000 points; at most "
                                       "10,000,000."),
    ({"seed": -3}, "The seed must be a whole number"),
    ({"dtype": "int8"}, "Unsupported data type 'int8'; use float32 or float64."),
    ({"centre": 3e38, "gap": 1e38}, "The generated points overflow; use a smaller gap, spread "
                                  "or centre."),
    ({"spread": 1e-46}, "spread 1e-46 is too small for float32"),
    ({"spread": 1e-44, "gap": 0.0, "n0": 30}, "Some generated values underflow float32"),
])
def test_bad_settings_are_refused_in_one_sentence(kwargs, words):
    with pytest.raises(DataError) as info:
        two_classes(**kwargs)
    assert str(info.value).startswith(words)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------- presets


LOGISTIC = ("overlapping-classes", "separable-classes", "one-mislabelled", "hours-pass")


def test_presets_are_tagged_with_their_model():
    assert tuple(presets_for("logistic")) == LOGISTIC
    assert tuple(presets_for("line")) == ("study-hours", "four-points", "noisy-line",
                                         "line-outlier", "two-clusters", "vertical-cloud")
    assert set(presets_for("line")) | set(presets_for("logistic")) == set(PRESETS)
    assert presets_for("no-such-model") == {}
    for key in LOGISTIC:
        data = make(key)
        assert data.dtype == "float32"
        assert set(data.y.tolist()) == {0.0, 1.0}, key


def test_overlapping_classes_is_the_generator_with_its_recipe():
    data = make("overlapping-classes")
    assert data == two_classes() and data.recipe == two_classes().recipe


def _separable(data) -> bool:
    return bool(data.x[data.y == 0].max() < data.x[data.y == 1].min())


def test_separable_and_one_mislabelled():
    separable, mislabelled = make("separable-classes"), make("one-mislabelled")
    assert _separable(separable) and not _separable(mislabelled)
    assert np.array_equal(separable.x, mislabelled.x)
    changed = np.flatnonzero(separable.y != mislabelled.y)
    assert changed.tolist() == [8]
    assert (separable.x[8], separable.y[8], mislabelled.y[8]) == (5.0, 1.0, 0.0)


def _newton(x, y):
    """The maximum-likelihood (w, b) in float64 by Newton's method (a reference written
    here, not the studio's)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    w = b = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(w * x + b)))
        g = np.array([np.sum((p - y) * x), np.sum(p - y)])
        s = p * (1 - p)
        h = np.array([[np.sum(s * x * x), np.sum(s * x)], [np.sum(s * x), np.sum(s)]])
        w, b = np.array([w, b]) - np.linalg.solve(h, g)
    return w, b


def test_hours_pass_is_wikipedias_table_and_gives_its_fit():
    data = make("hours-pass")
    assert data.x.tolist() == [0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 1.75, 2.0, 2.25, 2.5, 2.75,
                               3.0, 3.25, 3.5, 4.0, 4.25, 4.5, 4.75, 5.0, 5.5]
    assert data.y.tolist() == [0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1]
    w, b = _newton(data.x, data.y)
    # The article's (and R's glm) coefficients: 1.504645 and -4.077713.
    assert round(w, 6) == 1.504645 and round(b, 6) == -4.077713
    assert f"p = sigmoid({w:.4f} x - {-b:.4f})" in PRESETS["hours-pass"].description
    assert f"{-b / w:.2f} hours" in PRESETS["hours-pass"].description


def test_one_mislabelled_point_makes_the_optimum_finite():
    w, b = _newton(make("one-mislabelled").x, make("one-mislabelled").y)
    assert math.isfinite(w) and 0 < w < 10 and 2.5 < -b / w < 5.0
