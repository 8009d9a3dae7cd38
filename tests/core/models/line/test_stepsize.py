"""The step-size guide: the bound quoted is the one of the run's own method, checked by plain
float64 descent loops just below and just above it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset, noisy_line, random_line
from gdstudio.core.models.line.optimum import (
    stable_learning_rate,
    stable_learning_rate_per_point,
    step_guide,
)
from gdstudio.core.settings.config import TrainConfig


def descend(x, y, lr, epochs, size=None, fit_bias=True, w=-10.0, b=-20.0, momentum=0.0,
            nesterov=False):
    """Plain float64 descent on the MSE over fixed batches of ``size`` (None: all the data),
    with torch's SGD momentum; returns the full-data losses at the start of each epoch."""
    n = len(x)
    size = size or n
    vw = vb = None
    losses = []
    if size == 1 and not momentum:  # one point a step, in plain Python floats
        pairs = list(zip(x.tolist(), y.tolist(), strict=True))
        with np.errstate(all="ignore"):
            for _ in range(epochs):
                losses.append(float(np.mean((w * x + b - y) ** 2)))
                if not math.isfinite(losses[-1]) or losses[-1] > 1e300:
                    break
                for xi, yi in pairs:
                    g = 2 * (w * xi + b - yi)
                    w -= lr * g * xi
                    if fit_bias:
                        b -= lr * g
        return losses
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            losses.append(float(np.mean((w * x + b - y) ** 2)))
            if not math.isfinite(losses[-1]):
                break
            for start in range(0, n, size):
                xb, yb = x[start:start + size], y[start:start + size]
                e = w * xb + b - yb
                gw, gb = float(np.mean(2 * e * xb)), float(np.mean(2 * e))
                if momentum:
                    vw = gw if vw is None else momentum * vw + gw
                    vb = gb if vb is None else momentum * vb + gb
                    if nesterov:
                        gw, gb = gw + momentum * vw, gb + momentum * vb
                    else:
                        gw, gb = vw, vb
                w -= lr * gw
                if fit_bias:
                    b -= lr * gb
    return losses


def offset_line(lo, hi, n=30, seed=0):
    rng = np.random.default_rng(seed)
    x = np.linspace(lo, hi, n)
    return Dataset(x, 0.5 * x + rng.standard_normal(n))


DATA = {
    "tutorial": noisy_line(dtype="float64"),
    "random": random_line(50, x_min=-1.0, x_max=6.0, seed=4, dtype="float64"),
    "offset 1e5": offset_line(1e5, 1e5 + 1),
    "offset 10": offset_line(10, 11),
    "timestamps": Dataset(1.7e9 + 1000 * np.arange(40.0), np.arange(40.0)),
}


def converges(losses):
    return math.isfinite(losses[-1]) and losses[-1] <= losses[0]


def diverges(losses):
    return not math.isfinite(losses[-1]) or losses[-1] > 1e6 * losses[0]


@pytest.mark.parametrize("fit_bias", [True, False])
@pytest.mark.parametrize("name", list(DATA))
def test_batch_descent_limit_is_exact(name, fit_bias):
    data = DATA[name]
    guide = step_guide(data, TrainConfig(fit_bias=fit_bias))
    assert guide.rule == "batch" and not guide.guide_only
    assert guide.limit == stable_learning_rate(data, fit_bias)
    x, y = data.x, data.y
    assert converges(descend(x, y, 0.99 * guide.limit, 3000, fit_bias=fit_bias))
    assert diverges(descend(x, y, 1.01 * guide.limit, 3000, fit_bias=fit_bias))
    # the fastest step 2/(lmin + lmax): equal to the limit (to rounding) when lmin << lmax
    assert guide.limit / 2 <= guide.optimal <= guide.limit
    assert f"stable below {guide.limit:.4g}" in guide.text()


@pytest.mark.parametrize("name", ["offset 1e5", "timestamps"])
def test_stochastic_limit_is_the_per_point_bound_and_tight_on_offset_data(name):
    """Offset data: every point's direction (x, 1) is nearly the same, so the steepest
    single step decides, and the bound is tight. (On spread data, x in [10, 11] or the
    tutorial line, it is a sufficient bound: steps in other directions damp the steepest.)"""
    data = DATA[name]
    guide = step_guide(data, TrainConfig(method="sgd"))
    assert guide.rule == "per-point"
    assert guide.limit == stable_learning_rate_per_point(data)
    assert guide.limit == pytest.approx(1 / (np.max(data.x**2) + 1), rel=1e-15)
    x, y = data.x, data.y
    assert converges(descend(x, y, 0.99 * guide.limit, 1000, size=1))
    assert diverges(descend(x, y, 1.01 * guide.limit, 1000, size=1))


@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize("fit_bias", [True, False])
def test_stochastic_descent_below_the_per_point_bound_is_stable(name, fit_bias):
    data = DATA[name]
    guide = step_guide(data, TrainConfig(method="sgd", fit_bias=fit_bias))
    assert converges(descend(data.x, data.y, 0.99 * guide.limit, 500, size=1,
                             fit_bias=fit_bias))


def test_the_tutorial_sgd_run_is_told_the_per_point_bound():
    """`gdstudio train --method sgd --lr 0.1`: above 1/(max x^2 + 1) = 0.0385 single steps
    amplify, and the loss of that run sits around 1e14 instead of 0.17."""
    data = noisy_line()
    guide = step_guide(data, TrainConfig(method="sgd", learning_rate=0.1))
    assert guide.limit == pytest.approx(1 / 26, rel=1e-12)
    assert "stochastic descent on this data is stable below 0.03846" in guide.text()
    assert "(each one-point step is)" in guide.text()
    x, y = data.x.astype(np.float64), data.y.astype(np.float64)
    assert min(descend(x, y, 0.1, 40, size=1)[10:]) > 1e12
    assert converges(descend(x, y, 0.99 * guide.limit, 40, size=1))


@pytest.mark.parametrize("name", list(DATA))
def test_mini_batch_bound_is_its_steepest_batch(name):
    data = DATA[name]
    guide = step_guide(data, TrainConfig(method="minibatch", batch_size=7))
    assert guide.rule == "mini-batch"
    x, y = data.x, data.y
    # the steepest of the fixed batches, by numpy's eigenvalues of each batch's Hessian
    worst = max(
        np.linalg.eigvalsh(2 * np.cov(np.vstack([x[s:s + 7], np.ones_like(x[s:s + 7])]),
                                      bias=True) + 2 * np.outer(
            [x[s:s + 7].mean(), 1.0], [x[s:s + 7].mean(), 1.0])).max()
        for s in range(0, len(x), 7))
    assert guide.limit == pytest.approx(2 / worst, rel=1e-9)
    assert converges(descend(x, y, 0.99 * guide.limit, 1000, size=7))
    if name in ("offset 1e5", "timestamps"):  # all batches alike: tight
        assert diverges(descend(x, y, 1.01 * guide.limit, 3000, size=7))


def test_shuffled_mini_batch_bound_holds_for_any_batch():
    data = DATA["random"]
    guide = step_guide(data, TrainConfig(method="minibatch", batch_size=8, shuffle=True))
    assert "any batch a shuffle can draw" in guide.text()
    fixed = step_guide(data, TrainConfig(method="minibatch", batch_size=8))
    assert guide.limit <= fixed.limit
    rng = np.random.default_rng(1)
    x = data.x
    for _ in range(200):  # any batch of 8 (or of the 2 left over) is stable below it
        for m in (8, len(x) % 8):
            pick = rng.choice(len(x), m, replace=False)
            a = np.vstack([x[pick], np.ones(m)])
            assert np.linalg.eigvalsh(2 / m * a @ a.T).max() * guide.limit <= 2 * (1 + 1e-12)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_bound(nesterov):
    data = DATA["random"]
    config = TrainConfig(impl="module", momentum=0.9, nesterov=nesterov)
    guide = step_guide(data, config)
    assert guide.guide_only and "a guide only" in guide.text()
    x, y = data.x, data.y
    assert converges(descend(x, y, 0.99 * guide.limit, 3000, momentum=0.9, nesterov=nesterov))
    assert diverges(descend(x, y, 1.01 * guide.limit, 3000, momentum=0.9, nesterov=nesterov))


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "adagrad"])
def test_adaptive_optimizers_get_a_guide_only(optimizer):
    guide = step_guide(noisy_line(), TrainConfig(impl="module", optimizer=optimizer))
    assert guide.guide_only and "a guide only" in guide.text()
    assert guide.optimal is None


def test_mae_and_huber():
    data = noisy_line()
    mae = step_guide(data, TrainConfig(loss="mae"))
    assert mae.limit is None and mae.guide_only and "no learning rate makes it diverge" in (
        mae.text())
    huber = step_guide(data, TrainConfig(loss="huber"))
    assert huber.guide_only
    assert huber.limit == pytest.approx(2 * stable_learning_rate(data), rel=1e-12)


def test_no_curvature_and_overflowing_scale_are_words():
    zero = step_guide(Dataset.from_points([(0, 1), (0, 2)]), TrainConfig(fit_bias=False))
    assert zero.limit is None and "does not depend on w" in zero.text()
    big_x = Dataset(np.array([1e160, 2e160]), np.array([1.0, 2.0]))
    guide = step_guide(big_x, TrainConfig())
    assert guide.limit is None
    assert "the data's scale overflows float64" in guide.text()
    assert "rescale or standardize" in guide.text()
    big_y = Dataset(np.array([1.0, 2.0]), np.array([1e200, 3e200]))
    text = step_guide(big_y, TrainConfig()).text()
    assert "stable below 0.2918" in text and "y\u00b2 reaches about 1e+401" in text
    f32 = Dataset(np.array([1e20, 2e20], np.float32), np.array([1.0, 2.0], np.float32))
    assert "overflows float32" in step_guide(f32, TrainConfig()).text()
    for each in (zero, guide):
        assert "nan" not in each.text() and "inf" not in each.text()


@pytest.mark.parametrize("exp2", [-600, -300, -30, 30, 300, 500])
def test_limits_are_finite_and_right_for_huge_and_tiny_x(exp2):
    i = np.arange(1.0, 20.0)
    data = Dataset(np.ldexp(i, exp2), i)
    guide = step_guide(data, TrainConfig(fit_bias=False))
    if exp2 < 0 and -2 * exp2 > 1024:  # about 1e+360: no float64 learning rate
        assert guide.limit is None and "outside float64" in guide.text()
        assert stable_learning_rate(data, fit_bias=False) == math.inf  # no OverflowError
    elif 2 * exp2 + 8 >= 1024:
        assert guide.limit is None and "scale overflows" in guide.text()
    else:
        expected = math.ldexp(1 / np.mean(i * i), -2 * exp2)
        assert guide.limit == pytest.approx(expected, rel=1e-13)
