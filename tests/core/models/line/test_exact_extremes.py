"""The numbers the studio shows on extreme data, against exact rational arithmetic.

loss* (every loss), the MSE, MAE and Huber landscapes and R², on ordinary, offset (x ≈ 1.7e9,
y ≈ 1e8 with a spread of a few ulps), tiny (1e-30), huge (1e150), near-perfect (``y = 0.1·x``)
and degenerate data (one point, two points, every x the same). The references are
:class:`fractions.Fraction` on the exact stored floats.

loss* is the true minimum of the loss over all real (w, b) (not the loss at the rounded line
shown), to a few ulps: on ``y = 0.1·x`` the rounding of w* alone moves the loss by a factor 2.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.models.line.landscape_robust import robust_grid, robust_loss
from gdstudio.core.models.line.linefit import line_report, r2_from_landscape
from gdstudio.core.models.line.optimum import loss_optimum

EPS = Fraction(2) ** -52
rng = np.random.default_rng(16)


def F(v) -> Fraction:
    return Fraction(float(v))


def exact_min_mse(x, y, fit_bias=True) -> Fraction:
    """The minimum over all real (w, b) of the MSE: ``(Syy - Sxy²/Sxx) / n``."""
    X, Y = [F(v) for v in x], [F(v) for v in y]
    n = len(X)
    mx, my = (sum(X) / n, sum(Y) / n) if fit_bias else (Fraction(0), Fraction(0))
    sxx = sum((a - mx) ** 2 for a in X)
    sxy = sum((a - mx) * (c - my) for a, c in zip(X, Y, strict=True))
    syy = sum((c - my) ** 2 for c in Y)
    return (syy - sxy * sxy / sxx) / n if sxx else syy / n


def exact_min_mae(x, y) -> Fraction:
    """The MAE minimum: a best line passes through two data points."""
    X, Y = [F(v) for v in x], [F(v) for v in y]
    best = None
    for i, j in itertools.combinations(range(len(X)), 2):
        if X[i] != X[j]:
            w = (Y[i] - Y[j]) / (X[i] - X[j])
            loss = sum(abs(c - w * (a - X[i]) - Y[i]) for a, c in zip(X, Y, strict=True))
            best = loss if best is None or loss < best else best
    return best / len(X)


def exact_loss(x, y, w, b, kind="mse", delta=1.0) -> Fraction:
    W, B, D = F(w), F(b), F(delta)
    total = Fraction(0)
    for a, c in zip(x, y, strict=True):
        e = W * F(a) + B - F(c)
        if kind == "mse":
            total += e * e
        elif kind == "mae":
            total += abs(e)
        else:
            total += e * e / 2 if abs(e) < D else D * (abs(e) - D / 2)
    return total / len(x)


def exact_r2(x, y, w, b) -> Fraction:
    Y = [F(v) for v in y]
    my = sum(Y) / len(Y)
    sst = sum((c - my) ** 2 for c in Y)
    return 1 - exact_loss(x, y, w, b) * len(Y) / sst


def ulps_off(got, exact: Fraction) -> float:
    """How far ``got`` is from ``exact``, in units of eps relative to it (0 when both are 0)."""
    if exact == 0:
        return 0.0 if got == 0 else float("inf")
    return float(abs(F(got) - exact) / abs(exact) / EPS)


def _points(n, slope, intercept, noise, x0=0.0, step=1.0, scale=1.0):
    x = x0 + step * np.arange(float(n))
    return x * scale, (slope * x + intercept + noise * rng.standard_normal(n)) * scale


TEN = np.arange(10.0)
DATA = {
    "y = 0.1x": (TEN, 0.1 * TEN),  # the issue's case: loss* was 0.0, exactly 5.8e-34
    "y = 0.1x from 1": (TEN + 1, 0.1 * (TEN + 1)),
    "ordinary": _points(30, -5.0, 2.0, 1.0),
    "offset x": _points(25, 3.0, -4.0, 0.5, x0=1.7e9),
    "offset, near-perfect": (1.7e9 + TEN, 0.1 * (1.7e9 + TEN)),
    "y near 1e8, ulp spread": (TEN, 1e8 + np.ldexp(rng.integers(-3, 4, 10).astype(float), -26)),
    "tiny": _points(20, 3.0, 1.0, 0.5, scale=1e-30),
    "tiny, near-perfect": (1e-30 * TEN, 1e-30 * (0.1 * TEN)),
    "huge": _points(20, 3.0, 1.0, 0.5, scale=1e150),
    "huge, near-perfect": (1e150 * TEN, 1e150 * (0.1 * TEN + 0.3)),
    "noise 1e-12": _points(12, 3.0, 1.0, 1e-12),
    "exact line": (TEN, 2 * TEN + 1),
    "two points": (np.array([1.0, 3.0]), np.array([0.3, -0.7])),
    "one point": (np.array([2.5]), np.array([0.1])),
    "every x the same": (np.full(6, 3.0), np.array([0.1, 0.2, 0.3, 0.4, 0.7, 0.1])),
    "every x the same, offset": (np.full(5, 1.7e9), 1e8 + np.ldexp(np.arange(5.0), -26)),
}


@pytest.mark.parametrize("name", DATA)
def test_least_squares_loss_star_is_the_true_minimum(name):
    x, y = DATA[name]
    exact = exact_min_mse(x, y)
    assert ulps_off(loss_optimum(Dataset(x, y), "mse").loss, exact) <= 4
    # the landscape's own minimum is the same number
    assert ulps_off(MSELandscape.from_arrays(x, y).min_loss, exact) <= 4


def test_the_issues_line_has_a_loss_star_not_zero():
    opt = loss_optimum(Dataset(TEN, 0.1 * TEN), "mse")
    assert opt.loss == pytest.approx(5.845489188782592e-34, rel=1e-15)
    assert "loss*=5.84549e-34" in opt.text(lambda v: f"{v:g}")


@pytest.mark.parametrize("name", ["y = 0.1x", "offset x", "huge, near-perfect", "noise 1e-12",
                                  "tiny, near-perfect", "exact line", "ordinary"])
def test_least_squares_without_a_bias(name):
    x, y = DATA[name]
    exact = exact_min_mse(x, y, fit_bias=False)
    assert ulps_off(loss_optimum(Dataset(x, y), "mse", fit_bias=False).loss, exact) <= 4


@pytest.mark.parametrize("name", DATA)
def test_mse_landscape_at_and_around_the_shown_optimum(name):
    """Every line within a few ulps of the optimum, where the rounding of w* and b* decides
    the loss: the landscape's value is the exact loss of that float line."""
    x, y = DATA[name]
    land = MSELandscape.from_arrays(x, y)
    w0, b0 = land.optimum
    probes = [(w, b) for w in (np.nextafter(w0, -np.inf), w0, np.nextafter(w0, np.inf))
              for b in (np.nextafter(b0, -np.inf), b0, np.nextafter(b0, np.inf))]
    opt = loss_optimum(Dataset(x, y), "mse")
    probes.append((opt.w, opt.b))
    for w, b in probes:
        exact = exact_loss(x, y, w, b)
        if exact < Fraction(2) ** -1000:
            continue  # below float64's normal range (one point, w = ±5e-324)
        assert ulps_off(land.loss(float(w), float(b)), exact) <= 16, (w, b)


NEAR_PERFECT = ["y = 0.1x", "offset, near-perfect", "noise 1e-12", "huge, near-perfect",
                "y = 0.1x from 1", "exact line", "two points"]


@pytest.mark.parametrize("name", NEAR_PERFECT)
def test_mae_loss_star_on_near_perfect_data(name):
    x, y = DATA[name]
    assert ulps_off(loss_optimum(Dataset(x, y), "mae").loss, exact_min_mae(x, y)) <= 4


@pytest.mark.parametrize("name", NEAR_PERFECT)
def test_huber_loss_star_on_near_perfect_data(name):
    """Every residual is well inside delta, so the Huber minimum is half the MSE's."""
    x, y = DATA[name]
    delta = float(np.max(np.abs(y))) or 1.0  # wider than any residual, at any scale
    exact = exact_min_mse(x, y) / 2
    assert ulps_off(loss_optimum(Dataset(x, y), "huber", True, delta).loss, exact) <= 4


def _grid_around(x, y, kind, delta, w0, b0, dw, db, shape=(5, 5)):
    w = np.linspace(w0 - dw, w0 + dw, shape[0])
    b = np.linspace(b0 - db, b0 + db, shape[1])
    grid = robust_grid(x, y, kind, (w[0], w[-1]), (b[0], b[-1]), shape=shape, delta=delta,
                       log=False)
    return [(w[i], b[j], grid[i, j]) for i in range(shape[0]) for j in range(shape[1])]


@pytest.mark.parametrize("kind", ["mae", "huber"])
@pytest.mark.parametrize("name", ["offset x", "offset, near-perfect", "noise 1e-12",
                                  "y near 1e8, ulp spread", "tiny", "huge", "ordinary",
                                  "two points", "one point", "every x the same"])
def test_mae_and_huber_landscapes_are_exact(kind, name):
    """Around the optimum (its grid's centre is the optimum shown) and further out: each
    grid value, and the loss of one line computed directly, within 1e-12 of the exact one."""
    x, y = DATA[name]
    spread = float(np.ptp(y)) or 1.0
    delta = spread / 4 if kind == "huber" else 1.0
    opt = loss_optimum(Dataset(x, y), kind, True, delta)
    w0, b0 = opt.w, opt.b
    cells = []
    for dw, db in ((abs(w0) * 1e-9 or 1e-9, spread * 1e-9), (abs(w0) * 0.1 or 1.0, spread)):
        cells += _grid_around(x, y, kind, delta, w0, b0, dw, db)
    for w, b, value in cells:
        exact = exact_loss(x, y, w, b, kind, delta)
        assert abs(F(value) - exact) <= Fraction(1, 10**12) * exact, (w, b)
        assert abs(F(robust_loss(x, y, kind, w, b, delta)) - exact) <= Fraction(
            1, 10**12) * exact, (w, b)


def test_huber_landscape_at_the_minimum_of_a_near_perfect_fit():
    """The issue's case: 22% off at the minimum; the points lie on a line to 1e-9 of their
    size, all well inside delta."""
    x, y = _points(20, 3.0, 1.0, 1e-9, x0=1000.0)
    opt = loss_optimum(Dataset(x, y), "huber", True, 1.0)
    (w, b, value), = _grid_around(x, y, "huber", 1.0, opt.w, opt.b, 0.0, 0.0, shape=(1, 1))
    exact = exact_loss(x, y, w, b, "huber")
    assert abs(F(value) - exact) <= Fraction(1, 10**12) * exact


LINES = {  # a few lines for each data set: the optimum shown, and lines near and far
    "near": lambda w, b, s: (w, b + s * 0.1),
    "steeper": lambda w, b, s: (w * 1.5 + 1e-3, b),
    "far": lambda w, b, s: (w - 2.0, b + 10 * s),
}


@pytest.mark.parametrize("name", ["y near 1e8, ulp spread", "ordinary", "offset x", "tiny",
                                  "huge", "y = 0.1x", "offset, near-perfect", "two points",
                                  "every x the same"])
def test_r2_is_exact(name):
    """R² from the points (the data plot) and from the landscape (large data): within 1e-12
    of the exact value. On y ≈ 1e8 with a spread of a few ulps it was 15-237% off."""
    x, y = DATA[name]
    land = MSELandscape.from_arrays(x, y)
    w0, b0 = land.optimum
    spread = float(np.ptp(y))
    lines = [(w0, b0)] + [make(w0, b0, spread) for make in LINES.values()]
    for w, b in lines:
        exact = exact_r2(x, y, w, b)
        tol = Fraction(1, 10**12) * max(1, abs(exact))
        report = line_report(x, y, w, b)
        assert abs(F(report.r2) - exact) <= tol, (w, b)
        r2, varies = r2_from_landscape(land, w, b)
        assert varies and abs(F(r2) - exact) <= tol, (w, b)


@pytest.mark.parametrize("x, y", [([2.5], [0.1]), ([1.0, 2.0, 3.0], [1e8, 1e8, 1e8]),
                                  ([1.7e9, 1.7e9], [0.5, 0.5])])
def test_r2_without_spread_in_y_says_so(x, y):
    """SST = 0 (one point, every y the same): R² is undefined, said in words, never nan."""
    report = line_report(x, y, 1.0, 0.0)
    assert report.r2 is None and report.r2_text == "R² undefined (every y is the same)"
    assert r2_from_landscape(MSELandscape.from_arrays(x, y), 1.0, 0.0) == (None, False)


def exact_line(x, y) -> tuple[Fraction, Fraction]:
    X, Y = [F(v) for v in x], [F(v) for v in y]
    mx, my = sum(X) / len(X), sum(Y) / len(Y)
    w = sum((a - mx) * (c - my) for a, c in zip(X, Y, strict=True)) / sum(
        (a - mx) ** 2 for a in X)
    return w, my - w * mx


@pytest.mark.parametrize("name", ["y = 0.1x", "y = 0.1x from 1", "offset, near-perfect",
                                  "y near 1e8, ulp spread", "ordinary", "offset x",
                                  "tiny, near-perfect", "huge, near-perfect", "noise 1e-12"])
def test_the_readout_and_the_landscape_show_the_same_optimum(name):
    """w*, b* of the readout are the landscape's marker, w* within an ulp of the exact one
    and b* within 1e-6 of itself also where it is far smaller than the data (the line
    passes near the origin: it was 0.0, or -1.1e-16 for 2.2e-17)."""
    x, y = DATA[name]
    opt = loss_optimum(Dataset(x, y), "mse")
    land = MSELandscape.from_arrays(x, y)
    assert (opt.w, opt.b) == land.optimum
    w, b = exact_line(x, y)
    assert abs(F(opt.w) - w) <= EPS * abs(w)
    assert abs(F(opt.b) - b) <= Fraction(1, 10**6) * abs(b)


@pytest.mark.parametrize("name", ["ordinary", "offset x", "study hours", "tutorial"])
def test_noisy_data_gets_the_exact_optimum_too(name):
    """w* within its rounding and b* within 4 ulps of the exact ones: on offset data b* =
    ȳ - w*·x̄ was off by ulp(w*)·x̄ (2e-7 of b* at x ≈ 1.7e9), and the tutorial's b* printed
    0.014851100542224771 for 0.014851100542226605."""
    if name == "study hours":
        x, y = np.array([10.0, 20, 30, 40]), np.array([480.0, 520, 710, 680])
    elif name == "tutorial":
        data = noisy_line(seed=0, dtype="float32")
        x, y = data.x.astype(np.float64), data.y.astype(np.float64)
    else:
        x, y = DATA[name]
    opt = loss_optimum(Dataset(x, y), "mse")
    w, b = exact_line(x, y)
    assert opt.w == float(w) or abs(F(opt.w) - w) <= EPS / 2 * abs(w)
    assert abs(F(opt.b) - b) <= 4 * EPS * abs(b)
    assert (opt.w, opt.b) == MSELandscape.from_arrays(x, y).optimum
