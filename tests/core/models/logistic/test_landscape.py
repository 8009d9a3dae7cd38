"""The logistic landscapes against mpmath at 50 digits, on the exact stored floats.

Cross-entropy and squared error on the sigmoid, their gradients and Hessians, at random
(w, b) on ordinary, offset (x ≈ 1.7e9), tiny (1e-30), huge (1e30) and degenerate data (one
point, one class, duplicate x with both labels), and the log grid where the loss underflows.
The stated error bound: a few ulps times ``1 + max|w·(x - x̄)| + max|z|`` (the loss's
conditioning in centred coordinates), plus the summation's ``log2 N`` ulps.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from gdstudio.core.errors import DataError
from gdstudio.core.models.logistic.landscape import LogisticLandscape

mp.mp.dps = 50
EPS = np.finfo(np.float64).eps
rng = np.random.default_rng(18)


def _mp_point(kind, z, y):
    """One point's loss at the exact logit ``z`` (an mpf)."""
    if kind == "bce":
        return mp.log1p(mp.exp(-z)) if y == 1 else mp.log1p(mp.exp(z))
    # (σ(z) - 1)² = σ(-z)²: the plain form loses σ(-z) below 1e-50 even at 50 digits
    return (1 / (1 + mp.exp(z))) ** 2 if y == 1 else (1 / (1 + mp.exp(-z))) ** 2


def mp_loss(kind, x, y, w, b):
    """The mean loss at the exact floats ``w``, ``b``, ``x``, as an mpf."""
    w, b = mp.mpf(float(w)), mp.mpf(float(b))
    terms = [_mp_point(kind, w * mp.mpf(float(a)) + b, c) for a, c in zip(x, y, strict=True)]
    return mp.fsum(terms) / len(terms)


def mp_derivatives(kind, x, y, w, b):
    """``(gw, gb, hww, hwb, hbb)`` as mpfs: the sums of each point's dℓ/dz, d²ℓ/dz²."""
    w, b = mp.mpf(float(w)), mp.mpf(float(b))
    out = [mp.mpf(0)] * 5
    for a, c in zip(x, y, strict=True):
        a = mp.mpf(float(a))
        s = 1 / (1 + mp.exp(-(w * a + b)))
        if kind == "bce":
            d1, d2 = s - c, s * (1 - s)
        else:
            ds = s * (1 - s)
            d1, d2 = 2 * (s - c) * ds, 2 * ds * ds + 2 * (s - c) * ds * (1 - 2 * s)
        for i, v in enumerate((d1 * a, d1, d2 * a * a, d2 * a, d2)):
            out[i] += v
    return [v / len(x) for v in out]


def bound(x, w, b, factor):
    """The stated relative error bound at ``(w, b)``."""
    d = np.abs(float(w) * (x - np.mean(x)))
    z = np.abs(float(w) * x + float(b))
    return factor * EPS * (1.0 + float(np.max(d)) + float(np.max(z)) + math.log2(x.size))


def _classes(n, x0=0.0, scale=1.0, slope=1.5):
    u = rng.standard_normal(n)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-slope * u))).astype(np.float64)
    return x0 + scale * u, y


def _params(x, scale, count=6):
    """Random (w, b) around the data's own scale, the logit kept moderate or not."""
    xm = float(np.mean(x))
    out = []
    for _ in range(count):
        w = float(rng.normal(0.0, 3.0)) / scale
        c = float(rng.normal(0.0, 4.0))
        out.append((w, c - w * xm))
    out.append((0.0, 0.0))
    out.append((5.0 / scale, -5.0 / scale * xm + 40.0))  # saturated: most losses tiny
    return out


DATA = {
    "ordinary": (*_classes(40), 1.0),
    "offset": (*_classes(30, x0=1.7e9, scale=100.0), 100.0),
    "tiny": (*_classes(30, scale=1e-30), 1e-30),
    "huge": (*_classes(30, scale=1e30), 1e30),
    "one point": (np.array([2.5]), np.array([1.0]), 1.0),
    "one class": (np.array([-1.0, 0.5, 3.0, 4.0]), np.zeros(4), 1.0),
    "duplicate x": (np.array([1.0, 1.0, 2.0, 2.0, 3.0]), np.array([0.0, 1.0, 1.0, 0.0, 1.0]),
                    1.0),
}


@pytest.mark.parametrize("kind", ["bce", "mse"])
@pytest.mark.parametrize("name", list(DATA))
def test_loss_matches_mpmath(name, kind):
    x, y, scale = DATA[name]
    land = LogisticLandscape.from_arrays(x, y, kind)
    factor = 8.0 if kind == "bce" else 16.0
    for w, b in _params(x, scale):
        ref = mp_loss(kind, x, y, w, b)
        got = land.loss(w, b)
        assert isinstance(got, float)
        rel = abs(mp.mpf(got) - ref) / ref
        assert rel <= bound(x, w, b, factor), (name, w, b, got, float(ref))
        # the log values (the colour map's) agree with the loss's log
        assert land.log10_loss(w, b) == pytest.approx(float(mp.log10(ref)), abs=1e-13)


@pytest.mark.parametrize("kind", ["bce", "mse"])
def test_vectorised_values_are_the_scalar_values(kind):
    x, y, _ = DATA["ordinary"]
    land = LogisticLandscape.from_arrays(x, y, kind)
    w = np.array([[-1.0], [0.5], [2.0]])
    b = np.array([[-0.3, 0.0, 4.0, 7.5]])
    grid = land.loss(w, b)
    assert grid.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert grid[i, j] == pytest.approx(land.loss(w[i, 0], b[0, j]), rel=4 * EPS)


def test_offset_data_keeps_the_bias():
    """On x ≈ 1.7e9 a naive ``w·x + b`` rounds away b's last digits along the valley; the
    centred landscape sees each step of b (one ulp of b moves z by up to 2.4e-7)."""
    x, y, _ = DATA["offset"]
    land = LogisticLandscape.from_arrays(x, y)
    w = 0.01
    b0 = -w * 1.7e9
    bs = b0 + np.arange(-3, 4) * math.ulp(b0)
    for b in bs:
        ref = mp_loss("bce", x, y, w, b)
        assert abs(mp.mpf(land.loss(w, b)) - ref) / ref <= bound(x, w, b, 8.0)


@pytest.mark.parametrize("kind", ["bce", "mse"])
@pytest.mark.parametrize("name", ["ordinary", "offset", "tiny", "huge", "duplicate x"])
def test_gradient_and_hessian_match_mpmath(name, kind):
    x, y, scale = DATA[name]
    land = LogisticLandscape.from_arrays(x, y, kind)
    for w, b in _params(x, scale, count=3):
        gw, gb, hww, hwb, hbb = mp_derivatives(kind, x, y, w, b)
        got_gw, got_gb = land.gradient(w, b)
        h = land.hessian_at(w, b)
        tol = 64 * bound(x, w, b, 1.0)
        xs = float(np.max(np.abs(x)))
        # each sum is relative to its terms' size (the gradient cancels at the optimum)
        assert abs(got_gb - float(gb)) <= tol
        assert abs(got_gw - float(gw)) <= tol * xs
        assert abs(h[1, 1] - float(hbb)) <= tol
        assert abs(h[0, 1] - float(hwb)) <= tol * xs
        assert h[0, 1] == h[1, 0]
        assert abs(h[0, 0] - float(hww)) <= tol * xs * xs


def test_separable_valley_log_values_are_finite_where_the_loss_underflows():
    """Far along the valley of separable data every point's loss is below float64's range:
    the log grid still gives log10 L, by a log-sum-exp."""
    x = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    land = LogisticLandscape.from_arrays(x, y)
    for w in (10.0, 300.0, 800.0, 1e5):
        ref = mp_loss("bce", x, y, w, 0.0)
        assert land.log10_loss(w, 0.0) == pytest.approx(float(mp.log10(ref)), rel=1e-14)
    assert land.loss(1e5, 0.0) == 0.0  # below float64: the value underflows, its log not
    mse = LogisticLandscape.from_arrays(x, y, "mse")
    ref = mp_loss("mse", x, y, 1e3, 0.0)
    assert mse.log10_loss(1e3, 0.0) == pytest.approx(float(mp.log10(ref)), rel=1e-14)
    grid = land.grid((1.0, 1e5), (-1.0, 1.0), shape=(5, 3))
    assert np.all(np.isfinite(grid))
    assert grid[-1, 1] == pytest.approx(float(mp.log10(mp_loss("bce", x, y, 1e5, 0.0))),
                                        rel=1e-14)


def test_a_loss_of_exactly_zero_is_minus_infinity_on_the_log_grid():
    """Only a logit beyond float64 makes every point's loss exactly 0."""
    land = LogisticLandscape.from_arrays([1e300, 2e300], [1.0, 1.0])
    with np.errstate(all="raise"):
        assert land.log10_loss(1e300, 0.0) == -math.inf
        assert land.loss(1e300, 0.0) == 0.0
        assert land.loss(-1e300, 0.0) == math.inf  # every point wrong: beyond float64


@pytest.mark.parametrize("kind", ["bce", "mse"])
def test_grid_is_the_loss_at_the_grid_points(kind):
    x, y, _ = DATA["ordinary"]
    land = LogisticLandscape.from_arrays(x, y, kind)
    grid = land.grid((-2.0, 3.0), (-1.0, 1.0), shape=(7, 5), log=False)
    log_grid = land.grid((-2.0, 3.0), (-1.0, 1.0), shape=(7, 5))
    assert grid.shape == log_grid.shape == (7, 5)
    w, b = np.linspace(-2.0, 3.0, 7), np.linspace(-1.0, 1.0, 5)
    for i in (0, 3, 6):
        for j in (0, 2, 4):
            ref = mp_loss(kind, x, y, w[i], b[j])
            assert grid[i, j] == pytest.approx(float(ref), rel=1e-13)
            assert log_grid[i, j] == pytest.approx(float(mp.log10(ref)), abs=1e-13)


def test_grid_stops_when_asked():
    x, y, _ = DATA["ordinary"]
    land = LogisticLandscape.from_arrays(x, y)
    assert land.grid((-1, 1), (-1, 1), shape=(9, 9), should_stop=lambda: True) is None
    assert land.grid((-1, 1), (-1, 1), shape=(9, 9), log=False,
                     should_stop=lambda: True) is None


def test_cross_entropy_is_convex_and_the_squared_error_is_not():
    """The lesson of the toggle: the squared error on the sigmoid has a Hessian that is not
    positive semi-definite on the plateaus; the cross-entropy's always is."""
    x, y, _ = DATA["ordinary"]
    ce = LogisticLandscape.from_arrays(x, y, "bce")
    mse = LogisticLandscape.from_arrays(x, y, "mse")
    points = [(w, b) for w in (-6.0, -2.0, 0.5, 4.0) for b in (-6.0, 0.0, 6.0)]
    assert all(np.linalg.eigvalsh(ce.hessian_at(w, b)).min() >= 0 for w, b in points)
    assert any(np.linalg.eigvalsh(mse.hessian_at(w, b)).min() < 0 for w, b in points)


def test_bce_logits_is_the_same_landscape_and_bad_input_is_refused():
    x, y, _ = DATA["ordinary"]
    a = LogisticLandscape.from_arrays(x, y, "bce")
    b = LogisticLandscape.from_arrays(x, y, "bce-logits")
    assert a.loss(1.3, -0.2) == b.loss(1.3, -0.2)
    with pytest.raises(ValueError, match="no loss 'mae'"):
        LogisticLandscape.from_arrays(x, y, "mae")
    with pytest.raises(DataError, match=r"point 3 has y = 0\.5"):
        LogisticLandscape.from_arrays([1.0, 2.0, 3.0], [0.0, 1.0, 0.5])
    with pytest.raises(DataError, match="empty"):
        LogisticLandscape.from_arrays([], [])
    with pytest.raises(DataError, match="Point 2 has x = nan"):
        LogisticLandscape.from_arrays([1.0, math.nan], [0.0, 1.0])
