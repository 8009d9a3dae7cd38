"""The learning-rate bound and the local curvature of logistic regression.

``λmax(XᵀX/N)`` and the cross-entropy Hessian's ``λmax`` against mpmath (the 2×2 eigenvalue
at 50 digits on the exact floats); the bound ``H ≼ XᵀX/(4N)`` at random (w, b), with equality
at w = b = 0; plain float64 batch descent with ``lr`` just under ``8/λmax`` never raising the
loss, and well above it raising it; the squared error on the sigmoid's worst curvature.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from gdstudio.core.errors import DataError
from gdstudio.core.models.logistic.curvature import (
    MSE_SIGMOID_CURVATURE,
    curvature_at,
    lr_guide_text,
    stable_lr_bound,
    xtx_lam_max_log2,
)

mp.mp.dps = 50
EPS = np.finfo(np.float64).eps
rng = np.random.default_rng(8)


def mp_lam_max(x, weights=None, fit_bias=True):
    """``λmax`` of ``(1/N)·Σ weight_i·[x_i, 1][x_i, 1]ᵀ`` (mpf), ``[x_i]`` without a bias."""
    n = len(x)
    ws = [mp.mpf(1)] * n if weights is None else weights
    xs = [mp.mpf(float(v)) for v in x]
    a = mp.fsum(w * v * v for w, v in zip(ws, xs, strict=True)) / n
    if not fit_bias:
        return a
    b = mp.fsum(w * v for w, v in zip(ws, xs, strict=True)) / n
    c = mp.fsum(ws) / n
    return (a + c) / 2 + mp.sqrt(((a - c) / 2) ** 2 + b * b)


def mp_weights(x, w, b):
    out = []
    for v in x:
        s = 1 / (1 + mp.exp(-(mp.mpf(w) * mp.mpf(float(v)) + mp.mpf(b))))
        out.append(s * (1 - s))
    return out


DATA = {
    "ordinary": rng.standard_normal(40) + 0.7,
    "offset": 1.7e9 + 3600.0 * rng.standard_normal(30),
    "tiny": 1e-30 * rng.standard_normal(30),
    "huge": 1e30 * rng.standard_normal(30),
    "one point": np.array([2.5]),
    "all the same": np.full(4, -3.0),
}


def log_tol(lam) -> float:
    """The stated relative error: a few ulps, plus ``|log2 λ|`` ulps of the logarithmic
    form (the line's ``lam_max_log``, which never overflows)."""
    return (8 + abs(float(mp.log(lam, 2)))) * EPS


@pytest.mark.parametrize("fit_bias", [True, False])
@pytest.mark.parametrize("name", list(DATA))
def test_bound_is_eight_over_lambda_max(name, fit_bias):
    x = DATA[name]
    lam = mp_lam_max(x, fit_bias=fit_bias)
    tol = log_tol(lam)
    assert stable_lr_bound(x, fit_bias) == pytest.approx(float(8 / lam), rel=tol)
    assert 2.0 ** xtx_lam_max_log2(x, fit_bias) == pytest.approx(float(lam), rel=tol)
    mse = stable_lr_bound(x, fit_bias, loss="mse")
    assert mse == pytest.approx(float(2 / (mp.mpf(MSE_SIGMOID_CURVATURE) * lam)), rel=tol)


def test_no_curvature_and_no_points():
    assert stable_lr_bound(np.zeros(3), fit_bias=False) == math.inf
    assert curvature_at(np.zeros(3), 1.0, 0.0, fit_bias=False) == 0.0
    with pytest.raises(DataError, match="empty"):
        stable_lr_bound([])
    with pytest.raises(ValueError, match="no loss"):
        stable_lr_bound([1.0], loss="mae")


@pytest.mark.parametrize("fit_bias", [True, False])
@pytest.mark.parametrize("name", ["ordinary", "offset", "tiny", "huge", "one point"])
def test_curvature_matches_mpmath_and_is_at_most_a_quarter(name, fit_bias):
    x = DATA[name]
    scale = float(np.max(np.abs(x - np.mean(x)))) or 1.0
    quarter = mp_lam_max(x, fit_bias=fit_bias) / 4
    for _ in range(5):
        w = float(rng.normal(0.0, 2.0)) / scale
        b = float(rng.normal(0.0, 2.0)) - w * float(np.mean(x)) if fit_bias else 0.0
        ref = mp_lam_max(x, mp_weights(x, w, b), fit_bias)
        got = curvature_at(x, w, b, fit_bias)
        z = float(np.max(np.abs(w * (x - np.mean(x))) + abs(w * np.mean(x) + b)))
        tol = 32 * EPS * (1.0 + z) + log_tol(quarter)  # σ'(z) moves with Δz
        assert abs(got - float(ref)) <= tol * float(ref)  # 0 below float64's range
        assert got <= float(quarter) * (1 + log_tol(quarter))
    # equality where every logit is 0
    assert curvature_at(x, 0.0, 0.0, fit_bias) == pytest.approx(float(quarter),
                                                               rel=log_tol(quarter))


def _ce(x, y, w, b):
    m = np.where(y == 1.0, 1.0, -1.0) * (w * x + b)
    return float(np.mean(np.logaddexp(0.0, -m)))


def _descend(x, y, lr, steps, w=0.0, b=0.0):
    losses = [_ce(x, y, w, b)]
    for _ in range(steps):
        g = 1.0 / (1.0 + np.exp(-(w * x + b))) - y
        w, b = w - lr * float(np.mean(g * x)), b - lr * float(np.mean(g))
        losses.append(_ce(x, y, w, b))
    return np.array(losses)


@pytest.mark.parametrize("seed", range(6))
def test_batch_descent_under_the_bound_never_raises_the_loss(seed):
    r = np.random.default_rng(seed)
    n = int(r.integers(5, 60))
    x = r.normal(float(r.normal(0, 3)), float(r.uniform(0.2, 4.0)), n)
    y = (r.random(n) < 0.5).astype(np.float64)
    lr = 0.999 * stable_lr_bound(x)
    start = (float(r.normal(0, 2)), float(r.normal(0, 2)))
    losses = _descend(x, y, lr, 300, *start)
    rises = np.diff(losses) > 4 * EPS * losses[:-1]
    assert not rises.any(), losses[np.flatnonzero(rises)[0]:][:3]


def test_well_above_the_bound_the_loss_rises():
    """At w = b = 0 the curvature is the bound's: three times the bound overshoots."""
    x = np.array([-2.0, -1.0, 1.0, 2.0])
    y = np.array([0.0, 1.0, 0.0, 1.0])  # a small gradient along the steepest direction
    assert np.diff(_descend(x, y, 3.0 * stable_lr_bound(x), 1))[0] > 0
    assert np.diff(_descend(x, y, 0.999 * stable_lr_bound(x), 1))[0] < 0


def test_the_squared_error_on_the_sigmoid_curves_at_most_so_much():
    """``max |d²/dz² (σ(z) - y)²|`` over z, from mpmath's root of the third derivative."""
    def second(t):
        s = 1 / (1 + mp.exp(-t))
        ds = s * (1 - s)
        return 2 * ds * ds + 2 * s * ds * (1 - 2 * s)  # y = 0 (y = 1 mirrors it)

    top = mp.findroot(lambda t: mp.diff(second, t), -0.47)
    low = mp.findroot(lambda t: mp.diff(second, t), 1.85)
    assert MSE_SIGMOID_CURVATURE == pytest.approx(float(second(top)), rel=2 * EPS)
    assert abs(second(low)) < second(top)
    grid = [second(mp.mpf(t) / 10) for t in range(-200, 201)]
    assert max(abs(v) for v in grid) <= MSE_SIGMOID_CURVATURE


def test_gauge_text_says_a_guide():
    x = DATA["ordinary"]
    bound = stable_lr_bound(x)
    text = lr_guide_text(bound, lr=0.1, curvature=curvature_at(x, 2.0, -1.0))
    assert text.startswith(f"batch steps are stable below {bound:.4g}")
    assert "a guide: the curvature here is" in text and "within the bound" in text
    above = lr_guide_text(bound, lr=2 * bound)
    mse = lr_guide_text(stable_lr_bound(x, loss="mse"), loss="mse")
    assert "(2 / (0.1541\u00b7\u03bbmax(X\u1d40X/N)): each step keeps the loss" in mse
    assert "above the bound (a guide: it may still descend)" in above
    for t in (lr_guide_text(math.inf), lr_guide_text(0.0), text, above):
        assert "nan" not in t and "inf" not in t and "\n" not in t
