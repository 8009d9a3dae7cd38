"""The analytic implementation of logistic regression against plain float64 torch loops.

The analytic path cannot be bitwise torch: torch's ``sigmoid``, ``log1p`` and sums round
differently from NumPy's. It is held instead to the plain tutorial loop run **in float64** on
the same data (float32 data widened exactly) from the same start (rounded to float32 for
float32 data, as the tutorial's tensors round it), with this bound:

    ``||(w, b)_analytic - (w, b)_loop||  <=  C * k * E * eps * S``      after E epochs,

``k`` the updates per epoch, ``S`` the largest ``||(w, b)||`` along the loop's run, ``C = 4``,
and ``eps`` the epsilon of the precision the analytic path steps in: float64 (2**-52) for
full- and mini-batch steps and for float64 data, float32 (2**-23) for stochastic steps on
float32 data (they run on float32 scalars, as the tutorial's float32 tensors do). Why: each
update rounds w and b and its gradient (a few ulps); the cross-entropy is convex and smooth
(curvature at most ``max x^2 / 4``), so a gradient step below its stable learning rate is
non-expansive and an error made at one update is not amplified by later ones; the squared
error on the sigmoid is not convex, but at these learning rates (steps far below its curvature
scale) it behaves the same. Measured on the cases below: at most 0.51 of ``k * E * eps * S``
for the float64 steps, 0.03 for the float32 stochastic steps.

The loss column is the float64 loss of the epoch's starting parameters: within
``C * eps64 * max(loss, 1)`` of the loop's float64 loss plus the Lipschitz term
``(max |x| + 1) * gap`` of the parameters' gap.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import torch

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import full_data_loss, train
from tests.core.models.logistic.test_parity import (
    DATA,
    EPOCHS,
    METHOD_CASES,
    METHOD_IDS,
    _keep_global_rng_and_threads,  # noqa: F401 (autouse fixture)
    manual_reference,
)

EPS32 = float(np.finfo(np.float32).eps)
EPS64 = float(np.finfo(np.float64).eps)
C = 4


def analytic_run(dataset, **settings):
    return list(train(dataset, TrainConfig(model="logistic", impl="analytic", **settings)))


def float64_loop(dataset, loss, init_w, init_b, **settings):
    """The tutorial's loop in float64 (the stable BCEWithLogits form for the cross-entropy)."""
    if dataset.dtype == "float32":
        init_w, init_b = float(np.float32(init_w)), float(np.float32(init_b))
    X, Y = dataset.astype("float64").tensors()
    return manual_reference(X, Y, loss="bce-logits" if loss != "mse" else "mse", w0=init_w,
                            b0=init_b, **settings)


CASES = ["overlapping", "offset-1e3", "tiny-1e-30", "float64"]


@pytest.mark.parametrize("loss", ["bce", "mse"])
@pytest.mark.parametrize(("method", "shuffle"), METHOD_CASES, ids=METHOD_IDS)
@pytest.mark.parametrize("name", CASES)
def test_analytic_within_the_rounding_bound(name, method, shuffle, loss):
    data, start = DATA[name]
    settings = {"method": method, "learning_rate": start["learning_rate"],
                "epochs": EPOCHS[method], "batch_size": 7, "shuffle": shuffle, "seed": 3}
    got = analytic_run(data, loss=loss, init_w=start["init_w"], init_b=start["init_b"],
                       **settings)
    expected = float64_loop(data, loss, start["init_w"], start["init_b"], **settings)
    n = len(data)
    k = {"batch": 1, "sgd": n, "minibatch": -(-n // 7)}[method]
    eps = EPS32 if method == "sgd" and data.dtype == "float32" else EPS64
    scale = max(math.hypot(w, b) for _, w, b in expected)
    top = float(np.max(np.abs(data.x.astype(np.float64))))
    gap_before = 0.0
    for epoch, (record, (loss_ref, w_ref, b_ref)) in enumerate(zip(got, expected,
                                                                    strict=True)):
        bound = C * k * (epoch + 1) * eps * scale
        gap = math.hypot(record.w - w_ref, record.b - b_ref)
        assert gap <= bound, (epoch, gap / bound)
        loss_bound = C * EPS64 * max(loss_ref, 1.0) + (top + 1.0) * gap_before
        assert abs(record.loss - loss_ref) <= loss_bound, (epoch, record.loss, loss_ref)
        gap_before = gap
    assert got[-1].w != got[0].w or got[-1].b != got[0].b


def exact_loss(x, y, w, b, kind):
    """The mean loss in 60-digit arithmetic, from the data's exact values."""
    mpmath.mp.dps = 60
    total = mpmath.mpf(0)
    for xi, yi in zip(x.tolist(), y.tolist(), strict=True):
        z = mpmath.mpf(w) * mpmath.mpf(xi) + mpmath.mpf(b)
        if kind == "mse":
            total += (1 / (1 + mpmath.exp(-z)) - yi) ** 2
        else:
            total += mpmath.log(1 + mpmath.exp(z)) - yi * z
    return float(total / len(x))


@pytest.mark.parametrize("loss", ["bce", "mse"])
@pytest.mark.parametrize("scale", [1.0, 1e30, 1e-30])
def test_the_analytic_loss_is_exact_even_where_z_is_huge(scale, loss):
    # z = w*x + b of order 1e30: exp would overflow; the stable forms give the exact loss
    # (to float64 rounding) without a warning
    x = np.array([-3.0, -1.0, 0.5, 2.0, 4.0]) * scale
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    data = Dataset(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for w, b in [(1.0, 0.0), (-1.0, 0.5), (1.0 / scale, 1e30), (2.5 / scale, -0.5)]:
            config = TrainConfig(model="logistic", impl="analytic", loss=loss)
            got = full_data_loss(data, config, w, b)
            exact = exact_loss(x, y, w, b, "mse" if loss == "mse" else "ce")
            assert got == pytest.approx(exact, rel=8 * EPS64, abs=1e-300), (w, b)
        records = analytic_run(data, loss=loss, method="sgd", epochs=2, init_w=1.0,
                               init_b=0.0, learning_rate=min(0.1, 0.1 / scale**2))
    assert all(math.isfinite(r.loss) and math.isfinite(r.w) for r in records)


def test_stochastic_steps_on_float32_data_are_float32_steps():
    # one step by hand, in float32 as the tutorial's tensors take it
    data = Dataset(np.array([0.75, -1.5], np.float32), np.array([1.0, 0.0], np.float32))
    [record] = analytic_run(data, loss="bce", method="sgd", learning_rate=0.1, epochs=1,
                            init_w=0.3, init_b=-0.2)
    w, b, lr = np.float32(0.3), np.float32(-0.2), np.float32(0.1)
    for x, y in zip(data.x, data.y, strict=True):
        z = w * x + b
        p = np.float32(1 / (1 + math.exp(-float(z))))
        g = p - y
        w, b = w - lr * (g * x), b - lr * g
    assert (record.w, record.b) == (float(w), float(b))
    # and a float32 torch step lands within a float32 rounding of it
    X, Y = data.tensors()
    [(_, w_t, b_t)] = manual_reference(X, Y, loss="bce-logits", method="sgd",
                                       learning_rate=0.1, epochs=1, w0=0.3, b0=-0.2)
    assert abs(record.w - w_t) <= 2 * EPS32 and abs(record.b - b_t) <= 2 * EPS32
    assert torch.get_default_dtype() == torch.float32
