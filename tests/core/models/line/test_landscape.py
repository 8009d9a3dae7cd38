"""The loss landscape over (w, b) against exact rational arithmetic and brute force.

MSE: every value, gradient and optimum is checked against :class:`fractions.Fraction` on the
exact stored floats, on ordinary, offset (timestamps), tiny, huge and degenerate data. MAE and
Huber: the column-wise grid against the loss computed point by point.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.landscape import MSELandscape, contour_levels, view_bounds
from gdstudio.core.models.line.landscape_robust import robust_grid, robust_loss
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train

rng = np.random.default_rng(7)


def exact_mse(x, y, w, b) -> Fraction:
    w, b = Fraction(float(w)), Fraction(float(b))
    terms = [(w * Fraction(float(a)) + b - Fraction(float(c))) ** 2
             for a, c in zip(x, y, strict=True)]
    return sum(terms) / len(terms)


def exact_grad(x, y, w, b) -> tuple[Fraction, Fraction]:
    w, b = Fraction(float(w)), Fraction(float(b))
    n = len(x)
    es = [(w * Fraction(float(a)) + b - Fraction(float(c)), Fraction(float(a)))
          for a, c in zip(x, y, strict=True)]
    return sum(2 * e * a for e, a in es) / n, sum(2 * e for e, _ in es) / n


def log10_fraction(f: Fraction) -> float:
    return math.log10(f.numerator) - math.log10(f.denominator)


def _line(n, slope, intercept, noise, x0=0.0, span=10.0):
    x = x0 + np.linspace(0.0, span, n)
    y = slope * x + intercept + noise * rng.standard_normal(n)
    return x, y


DATA = {
    "ordinary": _line(30, -5.0, 2.0, 1.0),
    "offset": _line(25, 0.001, -1.7e6, 0.3, x0=1.7e9, span=3600.0),
    "tiny": tuple(v * 1e-20 for v in _line(20, 3.0, 1.0, 0.5)),
    "huge": tuple(v * 1e30 for v in _line(20, 3.0, 1.0, 0.5)),
    "study hours": (np.array([10.0, 20, 30, 40]), np.array([480.0, 520, 710, 680])),
    "two points": (np.array([1.0, 3.0]), np.array([2.0, -4.0])),
    "near exact": _line(40, 3.0, 1.0, 1e-9, x0=1000.0, span=5.0),
}


def _probe_points(land: MSELandscape):
    """Lines near and far from the optimum, along and across the valley."""
    w0, b0 = land.optimum
    _, vecs = land.eigen()
    out = []
    for scale in (1e-6, 1e-2, 1.0, 30.0):
        for v in vecs.T:
            # a step along each eigen-direction, sized so the loss changes visibly
            out.append((w0 + scale * v[0] * abs(w0 or 1.0), b0 + scale * v[1] * abs(b0 or 1.0)))
    return out


@pytest.mark.parametrize("name", list(DATA))
def test_mse_landscape_equals_exact_loss(name):
    x, y = DATA[name]
    land = MSELandscape.from_arrays(x, y)
    for w, b in _probe_points(land):
        exact = exact_mse(x, y, w, b)
        got = land.loss(w, b)
        if exact == 0:
            assert got == 0
            continue
        if math.isfinite(got):
            assert got == pytest.approx(float(exact), rel=1e-9), (w, b)
        assert float(land.log10_loss(w, b)) == pytest.approx(log10_fraction(exact), abs=1e-9)


@pytest.mark.parametrize("name", list(DATA))
def test_mse_minimum_equals_exact(name):
    """The landscape's lowest value is the exact minimum of the data's MSE (the exact least-
    squares line is rarely a pair of floats, so it is computed in fractions)."""
    x, y = DATA[name]
    land = MSELandscape.from_arrays(x, y)
    X = [Fraction(float(v)) for v in x]
    Y = [Fraction(float(v)) for v in y]
    n = len(X)
    mx, my = sum(X) / n, sum(Y) / n
    w = sum((a - mx) * (c - my) for a, c in zip(X, Y, strict=True)) / sum((a - mx) ** 2
                                                                        for a in X)
    b = my - w * mx
    exact = sum((w * a + b - c) ** 2 for a, c in zip(X, Y, strict=True)) / n
    assert land.unique
    if exact == 0:
        assert land.min_loss <= 1e-30 * float(sum(c * c for c in Y) / n)
    else:
        assert float(land.log10_loss(*land.optimum)) == pytest.approx(log10_fraction(exact),
                                                                       abs=1e-9)
    assert land.loss(*land.optimum) == pytest.approx(float(exact), rel=1e-9)


@pytest.mark.parametrize("name", list(DATA))
def test_mse_gradient_equals_exact(name):
    x, y = DATA[name]
    land = MSELandscape.from_arrays(x, y)
    for w, b in _probe_points(land):
        gw, gb = exact_grad(x, y, w, b)
        got_w, got_b = land.gradient(w, b)
        scale = max(abs(float(gw)), abs(float(gb)))
        assert got_w == pytest.approx(float(gw), rel=1e-8, abs=1e-12 * scale)
        assert got_b == pytest.approx(float(gb), rel=1e-8, abs=1e-12 * scale)


def test_offset_optimum_is_the_true_one():
    """Timestamps: raw sums cancel; the landscape's optimum is the exact one."""
    x, y = DATA["offset"]
    land = MSELandscape.from_arrays(x, y)
    X = [Fraction(float(v)) for v in x]
    Y = [Fraction(float(v)) for v in y]
    mx, my = sum(X) / len(X), sum(Y) / len(Y)
    w = sum((a - mx) * (c - my) for a, c in zip(X, Y, strict=True)) / sum((a - mx) ** 2 for a in X)
    b = my - w * mx
    got_w, got_b = land.optimum
    assert got_w == pytest.approx(float(w), rel=1e-9)
    assert got_b == pytest.approx(float(b), rel=1e-9)
    assert land.min_loss == pytest.approx(float(exact_mse(x, y, float(w), float(b))), rel=1e-6)


def test_one_point_and_equal_x_are_flat_valleys():
    for x, y in (([2.0], [5.0]), ([3.0, 3.0, 3.0], [1.0, 2.0, 6.0])):
        land = MSELandscape.from_arrays(x, y)
        assert not land.unique
        assert land.condition_number() == math.inf
        # every line through (x0, mean y) reaches the minimum
        x0, my = x[0], float(np.mean(y))
        for w in (-4.0, 0.0, 7.5):
            assert land.loss(w, my - w * x0) == pytest.approx(float(np.var(y)), abs=1e-12)
            assert float(exact_mse(x, y, w, my - w * x0)) == pytest.approx(land.min_loss)


def test_huge_data_loss_beyond_float64_still_has_a_log():
    x, y = (v * 1e200 for v in _line(10, 2.0, 1.0, 0.5))
    land = MSELandscape.from_arrays(x, y)
    w, b = land.optimum
    far = (w + 1.0, b)
    assert land.loss(*far) == math.inf  # about 1e400: not a float64
    assert float(land.log10_loss(*far)) == pytest.approx(
        log10_fraction(exact_mse(x, y, *far)), abs=1e-9)


def test_grid_matches_brute_force_float64():
    x, y = DATA["ordinary"]
    land = MSELandscape.from_arrays(x, y)
    w = np.linspace(-12, 3, 41)
    b = np.linspace(-30, 30, 37)
    brute = np.array([[np.mean((wi * x + bj - y) ** 2) for bj in b] for wi in w])
    grid = land.grid((-12, 3), (-30, 30), shape=(41, 37), log=False)
    np.testing.assert_allclose(grid, brute, rtol=1e-12)
    np.testing.assert_allclose(land.grid((-12, 3), (-30, 30), (41, 37)), np.log10(brute),
                               rtol=0, atol=1e-12)


def test_eigen_directions_match_numpy():
    x, y = DATA["ordinary"]
    land = MSELandscape.from_arrays(x, y)
    (lo, hi), vecs = land.eigen()
    ref_vals, ref_vecs = np.linalg.eigh(2.0 * np.array([[np.mean(x * x), np.mean(x)],
                                                        [np.mean(x), 1.0]]))
    assert (lo, hi) == pytest.approx(tuple(ref_vals), rel=1e-12)
    for i in range(2):
        assert abs(float(np.dot(vecs[:, i], ref_vecs[:, i]))) == pytest.approx(1.0, abs=1e-12)
    assert land.condition_number() == pytest.approx(ref_vals[1] / ref_vals[0], rel=1e-12)


def test_offset_curvature_is_accurate_where_numpy_loses_it():
    """λmin = det/λmax: the stretched bowl of timestamp data keeps its small eigenvalue."""
    x, _ = DATA["offset"]
    land = MSELandscape.from_arrays(x, DATA["offset"][1])
    (lo, hi), _ = land.eigen()
    X = [Fraction(float(v)) for v in x]
    n = len(X)
    m1, m2 = sum(X) / n, sum(a * a for a in X) / n
    # the eigenvalues of 2·[[m2, m1], [m1, 1]]: their product is 4·(m2 - m1²), their sum 2(m2+1)
    assert lo * hi == pytest.approx(float(4 * (m2 - m1 * m1)), rel=1e-9)
    assert lo + hi == pytest.approx(float(2 * (m2 + 1)), rel=1e-12)


@pytest.mark.parametrize("fit_bias", [True, False])
def test_batch_path_equals_the_analytic_run(fit_bias):
    x, y = _line(50, -5.0, 1.0, 0.4)
    data = Dataset(x, y)  # float64 arrays: a float64 data set
    assert data.dtype == "float64"
    config = TrainConfig(method="batch", impl="analytic", learning_rate=0.01, epochs=200,
                         init_w=3.0, init_b=-2.0, fit_bias=fit_bias)
    history = list(train(data, config))
    path = MSELandscape.from_dataset(data).batch_path(3.0, -2.0, 0.01, 200, fit_bias=fit_bias)
    assert path.shape == (201, 2)
    assert tuple(path[0]) == (3.0, -2.0 if fit_bias else 0.0)  # the start, exactly
    odd = MSELandscape.from_dataset(data).batch_path(-7.26, -5.16, 0.01, 3)
    assert tuple(odd[0]) == (-7.26, -5.16)
    run = np.array([(r.w, r.b) for r in history])
    np.testing.assert_allclose(path[1:], run, rtol=1e-10, atol=1e-10)


def test_batch_path_stops_when_it_leaves_float64():
    x, y = _line(20, 2.0, 1.0, 0.1)
    land = MSELandscape.from_arrays(x, y)
    path = land.batch_path(0.0, 0.0, 10.0, 1000)  # far beyond 2/λmax
    assert 2 < len(path) < 1001
    assert np.all(np.isfinite(path))


def test_contour_levels_and_view_bounds():
    levels = contour_levels(-1.0, 3.0, 4)
    np.testing.assert_allclose(levels, [-0.2, 0.6, 1.4, 2.2])
    assert contour_levels(1.0, 1.0).size == 0
    assert contour_levels(-math.inf, 2.0).size == 0
    (wl, wh), (bl, bh) = view_bounds([(0, 0), (10, -5), (3, 2)])
    assert wl < 0 < 10 < wh and bl < -5 < 2 < bh
    (wl, wh), (bl, bh) = view_bounds([(2.0, 2.0)])
    assert wl < 2 < wh and bl < 2 < bh
    assert view_bounds([(math.nan, 1.0)]) == ((-1.0, 1.0), (-1.0, 1.0))


@pytest.mark.parametrize("kind", ["mae", "huber"])
@pytest.mark.parametrize("name", ["ordinary", "offset", "study hours", "two points"])
def test_robust_grid_equals_point_by_point(kind, name):
    x, y = DATA[name]
    land = MSELandscape.from_arrays(x, y)
    w0, b0 = land.optimum
    dw = max(abs(w0), 1e-3)
    db = max(abs(b0), 1.0)
    w_range, b_range = (w0 - dw, w0 + dw), (b0 - db, b0 + db)
    delta = float(np.std(y)) / 3 or 1.0
    grid = robust_grid(x, y, kind, w_range, b_range, shape=(9, 11), delta=delta, log=False)
    ws = np.linspace(*w_range, 9)
    bs = np.linspace(*b_range, 11)
    for i in range(0, 9, 2):
        for j in range(0, 11, 2):
            ref = _exact_robust(x, y, kind, ws[i], bs[j], delta)
            assert grid[i, j] == pytest.approx(ref, rel=1e-7), (i, j)


def _exact_robust(x, y, kind, w, b, delta):
    w, b, d = Fraction(float(w)), Fraction(float(b)), Fraction(float(delta))
    total = Fraction(0)
    for a, c in zip(x, y, strict=True):
        e = w * Fraction(float(a)) + b - Fraction(float(c))
        if kind == "mae":
            total += abs(e)
        else:
            total += e * e / 2 if abs(e) < d else d * (abs(e) - d / 2)
    return float(total / len(x))


def test_robust_loss_reference_agrees_with_fractions():
    x, y = DATA["ordinary"]
    for kind in ("mae", "huber"):
        assert robust_loss(x, y, kind, -4.0, 1.0, 0.7) == pytest.approx(
            _exact_robust(x, y, kind, -4.0, 1.0, 0.7), rel=1e-12)


def test_robust_grid_stops_when_asked():
    x, y = DATA["ordinary"]
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3

    assert robust_grid(x, y, "mae", (-1, 1), (-1, 1), (20, 5), should_stop=stop) is None
    assert len(calls) == 4


def test_robust_grid_rejects_unknown_loss():
    with pytest.raises(ValueError, match="Unknown loss"):
        robust_grid([1.0], [2.0], "mse", (0, 1), (0, 1))


def test_batch_path_on_data_near_float64s_limit_is_just_the_start():
    """x about 1e300: one step of any learning rate leaves float64 (no exception)."""
    land = MSELandscape.from_arrays([1e300, -1e300, 3e299], [1.0, 2.0, 3.0])
    path = land.batch_path(0.5, 1.0, 0.1, 1000)
    assert path.shape == (1, 2) and tuple(path[0]) == (0.5, 1.0)
    _, vectors = land.eigen()
    assert np.all(np.isfinite(vectors))


def test_tiny_data_and_an_ordinary_line_have_a_finite_loss():
    """x, y near 1e-300 and the line w = 0.9, b = 0.4: the loss is about 0.16 (b² alone),
    though the line in the data's scaled units (b / 2**ky, about 1e299) squares beyond
    float64. The loss, its log and the colour map are the exact values, not inf."""
    from gdstudio.core.drawing.landscape_frame import mse_frame
    from gdstudio.core.models.line.linefit import line_loss

    x, y = np.array([1e-300, 2e-300, 3e-300]), np.array([1e-300, 3e-300, 2e-300])
    land = MSELandscape.from_arrays(x, y)
    for w, b in ((0.9, 0.4), (0.5, -1e-3), (-7.0, 123.0), (0.9, 1e-300)):
        exact = exact_mse(x, y, w, b)
        assert land.loss(w, b) == pytest.approx(float(exact), rel=1e-12)
        assert float(land.log10_loss(w, b)) == pytest.approx(log10_fraction(exact), abs=1e-12)
        assert line_loss(x, y, w, b) == pytest.approx(float(exact), rel=1e-12)
    grid = land.grid((0.4, 1.0), (-0.05, 0.46), (5, 7), log=False)
    assert np.isfinite(grid).all()
    frame = mse_frame(land, (0.4, 1.0), (-0.05, 0.46))
    assert frame.values.max() - frame.values.min() > 1.0  # a colour map, not one colour
    assert len(frame.levels) > 0
