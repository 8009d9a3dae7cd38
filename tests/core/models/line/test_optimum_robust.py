"""The MAE and Huber optima against brute force.

MAE: a best line passes through two data points (it is a vertex of a linear programme), so
trying every pair in exact rational arithmetic gives the true minimum and tells whether the
best line is unique. Huber: a float64 brute-force search (nested golden sections on the convex
loss) and an exact check of the optimality condition in rational arithmetic.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.optimum import loss_optimum


def exact_mae(x, y, fit_bias=True):
    """(min loss, set of best lines (w, b)) by trying every line through two points."""
    X = [Fraction(float(v)) for v in x]
    Y = [Fraction(float(v)) for v in y]
    n = len(X)
    if fit_bias:
        lines = {((Y[i] - Y[j]) / (X[i] - X[j]), None) for i, j in
                 itertools.combinations(range(n), 2) if X[i] != X[j]}
        lines = {(w, Y[i] - w * X[i]) for w, _ in lines for i in range(n)
                 if any(Y[j] - Y[i] == w * (X[j] - X[i]) for j in range(n) if j != i)}
    else:
        lines = {(Y[i] / X[i], Fraction(0)) for i in range(n) if X[i] != 0}

    def loss(line):
        w, b = line
        return sum(abs(yi - w * xi - b) for xi, yi in zip(X, Y, strict=True)) / n

    values = {line: loss(line) for line in lines}
    best = min(values.values())
    return best, {line for line, v in values.items() if v == best}


def mae_data():
    rng = np.random.default_rng(7)
    x = rng.uniform(-5, 5, 23)
    yield "noisy", x, -5 * x + rng.standard_normal(23)
    yield "outliers", x, 2 * x + 1 + rng.standard_cauchy(23) * 3
    i = np.arange(20.0)
    yield "timestamps", 1.7e9 + 1000 * i, i + rng.integers(-3, 4, 20)
    yield "tiny x", 1e-20 * (1 + rng.random(17)), rng.standard_normal(17)
    yield "huge x", 1e30 * (1 + rng.random(17)), rng.standard_normal(17)
    yield "huge y", rng.random(15), 1e250 * rng.standard_normal(15)
    yield "grid", np.array([0.0, 1, 2, 3, 4, 5, 6]), np.array([1.0, 2, 2, 5, 4, 6, 9])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_bias", [True, False])
@pytest.mark.parametrize("case", list(mae_data()), ids=lambda c: c[0])
def test_mae_optimum_is_exact(case, fit_bias, dtype):
    _, x, y = case
    if dtype is np.float32 and np.max(np.abs(y)) > 1e38:
        return
    data = Dataset(x.astype(dtype), y.astype(dtype))
    best, lines = exact_mae(data.x, data.y, fit_bias)
    opt = loss_optimum(data, "mae", fit_bias)
    assert opt.method == "exact"
    assert abs(Fraction(opt.loss) - best) <= 1e-12 * best + Fraction(1, 10**300)
    assert opt.unique == (len(lines) == 1)
    if opt.unique:
        (w, b), = lines
        assert opt.w == float(w) and opt.b == float(b)  # rounded once from the exact line
    else:
        assert opt.line is None and opt.description


def test_mae_tie_is_not_unique():
    # Four corners of a square: every line between the two diagonal-free fits is as good.
    data = Dataset.from_points([(0, 0), (0, 1), (1, 0), (1, 1)], dtype="float64")
    best, lines = exact_mae(data.x, data.y)
    assert len(lines) > 1
    opt = loss_optimum(data, "mae")
    assert not opt.unique and opt.loss == float(best) == 0.5
    assert "same mean absolute error" in opt.description
    assert opt.text().startswith("not unique: ")


def test_mae_on_a_larger_data_set_matches_pairs_near_the_answer():
    data = noisy_line()
    opt = loss_optimum(data, "mae")
    x = data.x.astype(np.float64)
    y = data.y.astype(np.float64)
    # every line through two points near the found line is no better
    r = np.abs(y - opt.w * x - opt.b)
    near = np.argsort(r)[:12]
    for i, j in itertools.combinations(near, 2):
        if x[i] != x[j]:
            w = (y[i] - y[j]) / (x[i] - x[j])
            assert np.mean(np.abs(y - w * x - (y[i] - w * x[i]))) >= opt.loss * (1 - 1e-12)
    # and perturbing the line in any direction is worse
    for dw, db in ((1e-6, 0), (-1e-6, 0), (0, 1e-6), (0, -1e-6), (1e-6, -1e-6)):
        assert np.mean(np.abs(y - (opt.w + dw) * x - opt.b - db)) > opt.loss


# --------------------------------------------------------------------------- Huber


def huber(r, delta):
    a = np.abs(r)
    return float(np.mean(np.where(a < delta, 0.5 * r * r, delta * (a - 0.5 * delta))))


def golden(f, lo, hi, iterations=90):
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = f(d)
    return (a + b) / 2


def brute_huber(x, y, delta, fit_bias):
    """Nested golden sections around the least-squares line, in units of the data's scale."""
    w0 = np.polyfit(x, y, 1)[0] if fit_bias else np.dot(x, y) / np.dot(x, x)
    sw = (np.ptp(y) + 1) / (np.ptp(x) or 1) * 4
    sb = np.ptp(y) + np.abs(x).max() * abs(sw) + 1

    def best_b(w):
        if not fit_bias:
            return 0.0
        return golden(lambda b: huber(y - w * x - b, delta), -sb + np.median(y - w * x),
                      sb + np.median(y - w * x))

    w = golden(lambda w: huber(y - w * x - best_b(w), delta), w0 - sw, w0 + sw)
    return w, best_b(w), huber(y - w * x - best_b(w), delta)


def exact_huber_check(x, y, delta, fit_bias, w, b):
    """Solve the optimality condition exactly for the zones of (w, b); True if it holds."""
    X = [Fraction(float(v)) for v in x]
    Y = [Fraction(float(v)) for v in y]
    d = Fraction(delta)
    r = [yi - Fraction(w) * xi - Fraction(b) for xi, yi in zip(X, Y, strict=True)]
    inner = [abs(v) <= d for v in r]
    sign = [0 if q else (1 if v > 0 else -1) for q, v in zip(inner, r, strict=True)]
    # sum_inner a (y - a.theta) + d * sum_outer sign * a = 0, a = (x, 1) (or (x,))
    sxx = sum(xi * xi for xi, q in zip(X, inner, strict=True) if q)
    sxy = sum(xi * yi for xi, yi, q in zip(X, Y, inner, strict=True) if q) + d * sum(
        s * xi for s, xi in zip(sign, X, strict=True))
    if fit_bias:
        n1 = sum(inner)
        sx = sum(xi for xi, q in zip(X, inner, strict=True) if q)
        sy = sum(yi for yi, q in zip(Y, inner, strict=True) if q) + d * sum(sign)
        det = sxx * n1 - sx * sx
        ew, eb = (sxy * n1 - sx * sy) / det, (sxx * sy - sx * sxy) / det
    else:
        ew, eb = sxy / sxx, Fraction(0)
    r2 = [yi - ew * xi - eb for xi, yi in zip(X, Y, strict=True)]
    consistent = all((abs(v) <= d) if q else (s * v >= d)
                     for v, q, s in zip(r2, inner, sign, strict=True))
    return consistent, ew, eb


@pytest.mark.parametrize("delta", [0.1, 1.0, 5.0])
@pytest.mark.parametrize("fit_bias", [True, False])
@pytest.mark.parametrize("case", [c for c in mae_data() if c[0] != "huge y"], ids=lambda c: c[0])
def test_huber_optimum_is_converged_and_exact(case, fit_bias, delta):
    _, x, y = case
    data = Dataset(x, y.astype(np.float64))
    opt = loss_optimum(data, "huber", fit_bias, delta)
    assert opt.method == "exact"
    ok, ew, eb = exact_huber_check(data.x, data.y, delta, fit_bias, opt.w, opt.b)
    assert ok
    assert abs(Fraction(opt.w) - ew) <= 1e-9 * abs(ew)
    if fit_bias:
        mx = abs(Fraction(float(np.mean(x))))
        assert abs(Fraction(opt.b) - eb) <= 1e-9 * (abs(eb) + abs(ew) * mx)
    if np.ptp(x) / np.max(np.abs(x)) > 1e-3:  # the brute force can resolve it
        _, _, value = brute_huber(data.x, data.y, delta, fit_bias)
        assert opt.loss <= value * (1 + 1e-12)
        assert opt.loss == pytest.approx(value, rel=1e-9)


@settings(max_examples=300, deadline=None)
@given(points=st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4)), min_size=1,
                       max_size=12),
       fit_bias=st.booleans())
def test_mae_on_small_integer_grids_with_ties(points, fit_bias):
    """Integer points: collinear triples and ties everywhere, the hard cases of the MAE."""
    data = Dataset.from_points(points, dtype="float64")
    opt = loss_optimum(data, "mae", fit_bias)
    x, y = data.x, data.y
    degenerate = (fit_bias and np.ptp(x) == 0) or (not fit_bias and not np.any(x))
    if degenerate:
        assert not opt.unique and opt.description
        return
    best, lines = exact_mae(x, y, fit_bias)
    assert abs(Fraction(opt.loss) - best) <= 1e-12 * best
    assert opt.unique == (len(lines) == 1), (opt, lines)
    if opt.unique:
        (w, b), = lines
        assert (opt.w, opt.b) == (float(w), float(b))


@settings(max_examples=100, deadline=None)
@given(points=st.lists(st.tuples(st.integers(-20, 20), st.integers(-20, 20)), min_size=2,
                       max_size=15),
       delta=st.sampled_from([0.01, 0.5, 1.0, 3.0, 100.0]), fit_bias=st.booleans())
# a flat valley whose found end has a residual of delta up to rounding: not unique
@example(points=[(15, 13), (15, -20)], delta=0.01, fit_bias=False)
@pytest.mark.slow
def test_huber_on_small_grids(points, delta, fit_bias):
    data = Dataset.from_points(points, dtype="float64")
    if (fit_bias and np.ptp(data.x) == 0) or not np.any(data.x):
        return
    opt = loss_optimum(data, "huber", fit_bias, delta)
    assert opt.method == "exact"
    _, _, value = brute_huber(data.x, data.y, delta, fit_bias)
    assert opt.loss <= value * (1 + 1e-12) + 1e-300
    if not opt.unique:  # a flat valley: the points inside the quadratic zone fix no line
        r = data.y - opt.w * data.x - opt.b
        # (a residual of delta up to rounding is on the zone's edge, where it pins nothing)
        inside = set(data.x[np.abs(r) < delta * (1 - 1e-9)].tolist())
        assert len(inside) < 2 if fit_bias else not inside - {0.0}
        assert opt.line is None and "other lines reach the same Huber loss" in opt.description
        return
    ok, ew, eb = exact_huber_check(data.x, data.y, delta, fit_bias, opt.w, opt.b)
    assert ok
    assert abs(Fraction(opt.w) - ew) <= 1e-9 * abs(ew) + Fraction(1, 10**12)
    assert abs(Fraction(opt.b) - eb) <= 1e-9 * (abs(eb) + abs(ew) * 20) + Fraction(1, 10**12)


def test_weighted_median_matches_a_sort():
    from gdstudio.core.models.line.optimum_robust import _weighted_median

    rng = np.random.default_rng(0)
    for t in range(2000):
        n = int(rng.integers(1, 400))
        values = (rng.integers(-5, 6, n).astype(float) if t % 2 else rng.standard_normal(n))
        weights = rng.integers(1, 4, n).astype(float)
        order = np.argsort(values, kind="stable")
        cw = np.cumsum(weights[order])
        k = int(np.searchsorted(cw, cw[-1] / 2))
        j, tie = _weighted_median(values, weights)
        assert values[j] == values[order[k]]
        # a tie (half the weight exactly at or below the median) names the next value up
        exact_half = cw[k] == cw[-1] / 2 and k + 1 < n and values[order[k + 1]] != values[j]
        named = tie is not None and values[tie] != values[j]  # (an equal value is no tie)
        assert named == exact_half
        if named:
            assert values[tie] == values[order[k + 1]]


@pytest.mark.parametrize("seed", range(6))
def test_mae_on_larger_integer_data_against_every_pair(seed):
    """150 integer points: ties and collinear points everywhere, and the quickselect path."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-10, 11, 150).astype(float)
    y = (2 * x + rng.integers(-6, 7, 150)).astype(float)
    data = Dataset(x, y)
    opt = loss_optimum(data, "mae")
    i, j = np.triu_indices(150, 1)
    keep = x[i] != x[j]
    i, j = i[keep], j[keep]
    w = (y[i] - y[j]) / (x[i] - x[j])
    b = y[i] - w * x[i]
    losses = np.abs(y[None, :] - w[:, None] * x[None, :] - b[:, None]).mean(axis=1)
    best = losses.min()
    assert opt.loss == pytest.approx(best, rel=1e-12)
    lines = {(round(a, 9), round(c, 9)) for a, c, v in zip(w, b, losses, strict=True)
             if v <= best * (1 + 1e-12)}
    assert opt.unique == (len(lines) == 1)


def test_huber_landscape_where_residuals_pass_1e154_is_finite_and_quiet():
    """Lines so steep that most residuals are beyond 1e154: their squares overflowed the
    running sums (numpy's overflow warning, and inf − inf for the point near the line, so
    the cell came out NaN). Each cell equals the loss summed point by point."""
    import warnings

    from gdstudio.core.models.line.landscape_robust import robust_grid, robust_loss

    x = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([0.25, 1.0, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        grid = robust_grid(x, y, "huber", (1e200, 2e200), (-0.5, 0.5), shape=(2, 3),
                           log=False)
    assert np.isfinite(grid).all()
    for i, w in enumerate((1e200, 2e200)):
        for j, b in enumerate((-0.5, 0.0, 0.5)):
            assert grid[i, j] == pytest.approx(robust_loss(x, y, "huber", w, b), rel=1e-12)
