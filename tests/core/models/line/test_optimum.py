"""The optimum of each loss on any data, against exact rational arithmetic.

References are computed with :class:`fractions.Fraction` from the exact values of the stored
floats (float32 or float64), so they are the true optimum of the data the studio holds.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gdstudio.core.data.dataset import Dataset, noisy_line, random_line
from gdstudio.core.models.line.optimum import closed_form, loss_optimum, run_optima
from gdstudio.core.training.engine import TrainConfig

REL = 1e-9


def exact_lsq(x, y, fit_bias=True):
    """(w, b, mse) of the least-squares line, exactly."""
    X = [Fraction(float(v)) for v in x]
    Y = [Fraction(float(v)) for v in y]
    n = len(X)
    if fit_bias:
        mx, my = sum(X) / n, sum(Y) / n
        sxx = sum((a - mx) ** 2 for a in X)
        w = sum((a - mx) * (c - my) for a, c in zip(X, Y, strict=True)) / sxx
        b = my - w * mx
    else:
        w = sum(a * c for a, c in zip(X, Y, strict=True)) / sum(a * a for a in X)
        b = Fraction(0)
    loss = sum((w * a + b - c) ** 2 for a, c in zip(X, Y, strict=True)) / n
    return w, b, loss


def rel_err(got, exact):
    return abs(Fraction(got) - exact) / abs(exact)


def slope_err(got, exact, x, y):
    """The slope's relative error; where the exact slope is 0 (no relative error), relative
    to the data's own slope scale, sd(y) / sd(x)."""
    if exact != 0:
        return rel_err(got, exact)
    x64, y64 = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return abs(Fraction(got)) / Fraction(float(np.std(y64) / np.std(x64)))


def y_scale(y) -> Fraction:
    """max |y - mean(y)| of the stored values, exactly: the scale of the residuals' rounding."""
    Y = [Fraction(float(v)) for v in y]
    m = sum(Y) / len(Y)
    return max(abs(v - m) for v in Y)


def check_lsq(data, fit_bias=True, b_rel=REL):
    w, b, loss = exact_lsq(data.x, data.y, fit_bias)
    opt = closed_form(data, fit_bias)
    assert opt.unique
    assert rel_err(opt.w, w) <= REL
    if fit_bias:
        assert rel_err(opt.b, b) <= b_rel
    else:
        assert opt.b == 0.0
    # The loss: relative 1e-9; where the exact loss is about 0 (an exact line), an absolute
    # tolerance of (1e-12 * the spread of y)**2 instead: the rounding of any residual.
    floor = (Fraction(1, 10**12) * y_scale(data.y)) ** 2
    assert abs(Fraction(opt.loss) - loss) <= REL * loss + floor
    return opt


def timestamps(dtype):
    i = np.arange(1000, dtype=np.float64)
    return Dataset((1.7e9 + 1000 * i).astype(dtype), i.astype(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_timestamps_as_x(dtype):
    data = timestamps(dtype)
    opt = check_lsq(data)
    if dtype is np.float64:
        assert opt.w == 0.001 and opt.b == -1.7e6 and opt.loss == 0.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_of_i", [lambda i: 1e5 + i / 1000, lambda i: 1e-20 * (1 + i / 1000),
                                    lambda i: 1e30 * (1 + i / 1000)],
                         ids=["x in [1e5, 1e5+1]", "x near 1e-20", "x near 1e30"])
def test_the_offset_tiny_and_huge_lines_of_the_report(x_of_i, dtype):
    i = np.arange(1000, dtype=np.float64)
    check_lsq(Dataset(x_of_i(i).astype(dtype), i.astype(dtype)))


def offset_data(n, offset, spread, dtype, seed=0, fit_bias=True):
    rng = np.random.default_rng(seed)
    u = rng.random(n)
    x = offset + spread * u
    # intercept comparable to slope * mean(x), so b is well conditioned
    slope = 3.0 / spread
    y = slope * x + (slope * offset if fit_bias else 0.0) + 0.3 * rng.standard_normal(n)
    return Dataset(x.astype(dtype), y.astype(dtype))


CASES = [
    ("x in [1e5, 1e5+1]", 1e5, 1.0),
    ("x near 1e-20", 1e-20, 1e-21),
    ("x near 1e30", 1e30, 1e29),
    ("ordinary", -5.0, 10.0),
    ("offset 1e9", 1e9, 1e3),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "offset", "spread"), CASES)
@pytest.mark.parametrize("fit_bias", [True, False])
def test_least_squares_is_exact_on_offset_tiny_huge_and_ordinary_data(name, offset, spread,
                                                                     dtype, fit_bias):
    check_lsq(offset_data(200, offset, spread, dtype, fit_bias=fit_bias), fit_bias)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tutorial_line(dtype):
    check_lsq(noisy_line(dtype=dtype))
    check_lsq(noisy_line(dtype=dtype), fit_bias=False)


def test_exact_lines_at_any_scale():
    for exp2 in (-660, -66, 0, 100, 500):  # x = i * 2**exp2 exactly: the points are collinear
        i = np.arange(1.0, 50.0)
        data = Dataset(np.ldexp(i, exp2), 2.0 * i + 7.0)
        opt = check_lsq(data)
        assert opt.w == math.ldexp(2.0, -exp2) and opt.b == 7.0 and opt.loss == 0.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    exp=st.integers(-30, 30),  # with the offset, within float32
    offset_ratio=st.sampled_from([0.0, 1.0, 1e3, 1e6]),
    slope=st.floats(-1e3, 1e3).filter(lambda v: abs(v) > 1e-3),
    noise=st.floats(1e-3, 1.0),
    n=st.integers(3, 40),
    seed=st.integers(0, 2**32 - 1),
    dtype=st.sampled_from([np.float32, np.float64]),
)
@example(exp=0, offset_ratio=1e6, slope=1.0, noise=1.0, n=3, seed=1379598,
         dtype=np.float32)  # (float32 points whose exact slope is 0)
def test_least_squares_hypothesis(exp, offset_ratio, slope, noise, n, seed, dtype):
    rng = np.random.default_rng(seed)
    spread = 10.0**exp
    x = (spread * (offset_ratio + rng.random(n))).astype(dtype)
    y = (slope * (x.astype(np.float64) / spread) + noise * rng.standard_normal(n)).astype(dtype)
    data = Dataset(x, y)
    if np.ptp(data.x) == 0:
        return
    w, b, loss = exact_lsq(data.x, data.y)
    opt = closed_form(data)
    assert slope_err(opt.w, w, data.x, data.y) <= REL
    # b = mean(y) - w*mean(x): its rounding is relative to the larger of those two terms
    mx = sum(Fraction(float(v)) for v in data.x) / n
    my = sum(Fraction(float(v)) for v in data.y) / n
    assert abs(Fraction(opt.b) - b) <= REL * max(abs(my), abs(w * mx))
    floor = (Fraction(1, 10**12) * y_scale(data.y)) ** 2
    assert abs(Fraction(opt.loss) - loss) <= REL * loss + floor


# --------------------------------------------------------------------------- not unique


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_one_point_is_not_unique(loss):
    opt = loss_optimum(Dataset.from_points([(2.0, 3.0)]), loss)
    assert not opt.unique
    assert opt.line is None
    assert opt.loss == 0.0
    assert "any line through (2, 3)" in opt.description
    assert opt.text().startswith("not unique: ")
    assert "w*" not in opt.text()


def test_all_x_equal_is_not_unique_and_its_loss_is_the_variance_of_y():
    data = Dataset.from_points([(2, 1), (2, 3), (2, 8)], dtype="float64")
    opt = closed_form(data)
    assert not opt.unique and opt.line is None
    assert "any line through (2, 4)" in opt.description
    assert opt.loss == pytest.approx(np.var([1, 3, 8]), rel=1e-15)
    mae = loss_optimum(data, "mae")
    assert not mae.unique and "(2, 3)" in mae.description
    assert mae.loss == pytest.approx((2 + 0 + 5) / 3, rel=1e-15)
    even = loss_optimum(Dataset.from_points([(2, 1), (2, 3)]), "mae")
    assert "with m from 1 to 3" in even.description


def test_without_bias_all_x_zero_is_not_unique():
    data = Dataset.from_points([(0, 1), (0, -3)])
    for loss, value in (("mse", 5.0), ("mae", 2.0), ("huber", (0.5 + 2.5) / 2)):
        opt = loss_optimum(data, loss, fit_bias=False)
        assert not opt.unique and "any slope" in opt.description
        assert opt.loss == value
    # one point with x != 0 and no bias: unique, through the origin and the point
    opt = closed_form(Dataset.from_points([(2, 3)]), fit_bias=False)
    assert opt.unique and opt.w == 1.5 and opt.b == 0.0 and opt.loss == 0.0


def test_two_points_are_unique():
    opt = closed_form(Dataset.from_points([(1, 1), (3, 5)]))
    assert opt.unique and (opt.w, opt.b, opt.loss) == (2.0, -1.0, 0.0)


# --------------------------------------------------------------------------- huge and tiny


def test_values_beyond_float64_are_words_not_inf():
    data = Dataset(np.array([1e-300, 2e-300, 3e-300]), np.array([1e300, 3e300, 2e300]))
    opt = closed_form(data)
    assert opt.w is None and "w* is about" in opt.note and "beyond float64" in opt.note
    assert opt.loss is None and "loss* is about" in opt.note
    assert opt.b is not None and math.isfinite(opt.b)
    text = opt.text()
    assert "inf" not in text and "nan" not in text


def test_huge_y_gives_the_right_line_and_its_loss_in_words():
    x = np.arange(10.0)
    data = Dataset(x, 1e200 * (2 * x + 1 + np.sin(x)))
    w, b, loss = exact_lsq(data.x, data.y)
    opt = closed_form(data)
    assert rel_err(opt.w, w) <= REL and rel_err(opt.b, b) <= REL
    assert opt.loss is None  # about 1e+399: float64 cannot hold it
    exponent = math.floor(math.log10(loss.numerator) - math.log10(loss.denominator))
    mantissa = float(loss / Fraction(10) ** exponent)
    assert f"loss* is about {mantissa:.4g}e+{exponent} (beyond float64)" in opt.note
    assert "inf" not in opt.text() and "nan" not in opt.text()


def test_run_optima_keeps_least_squares_as_reference():
    data = noisy_line()
    both = run_optima(data, TrainConfig(loss="mae"))
    assert both.own.loss_fn == "mae" and both.lsq.loss_fn == "mse"
    assert both.lsq == closed_form(data)
    same = run_optima(data, TrainConfig())
    assert same.own is same.lsq


def test_random_line_float32_and_64():
    for dtype in ("float32", "float64"):
        check_lsq(random_line(500, seed=5, x_min=1e4, x_max=1e4 + 3, dtype=dtype))
