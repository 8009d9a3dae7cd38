"""The analytic implementation's full-batch steps: the numbers of the plain NumPy expressions
(the formulas below, as the implementation wrote them before its buffers), bit for bit, in
at most 32 bytes a point above the data."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from gdstudio.core.models.line import compiled
from gdstudio.core.models.line.implementations import _Analytic
from gdstudio.core.settings.config import TrainConfig

DELTA = 0.7


def reference(kind, x, y, w, b, lr, fit_bias, epochs):
    """The full-batch steps as plain float64 NumPy expressions: (loss before, w, b) each."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    b = b if fit_bias else 0.0
    rows = []
    for _ in range(epochs):
        with np.errstate(all="ignore"):
            e = w * x + b - y
            if kind == "mse":
                g = 2.0 * e
            elif kind == "mae":
                g = np.sign(e)
            else:
                g = np.clip(e, -DELTA, DELTA)
            n = e.shape[0]
            gw = float(np.dot(g, x)) / n
            gb = float(np.sum(g)) / n
            if kind == "mse":
                loss = float(np.mean(e * e))
            else:
                a = np.abs(e)
                loss = float(np.mean(a)) if kind == "mae" else float(np.mean(np.where(
                    a < DELTA, 0.5 * e * e, DELTA * (a - 0.5 * DELTA))))
        w -= lr * gw
        if fit_bias:
            b -= lr * gb
        rows.append((loss, w, b))
    return rows


def data(name: str, dtype: str):
    rng = np.random.default_rng(3)
    n = {"one": 1, "large": 40_003}.get(name, 50)
    x = rng.uniform(-5.0, 5.0, n)
    y = -3.0 * x + 0.5 + rng.standard_normal(n)
    tiny, huge = (1e-40, 1e37) if dtype == "float32" else (1e-160, 1e160)
    scale = {"tiny": tiny, "huge": huge}.get(name, 1.0)
    offset = 1e4 if name == "offset" else 0.0
    return (x * scale + offset).astype(dtype), (y * scale).astype(dtype)


def same(a, b) -> bool:
    """Equal bit for bit (a NaN equals a NaN, -0.0 is not 0.0)."""
    return np.array_equal(np.array(a, dtype=np.float64).view(np.int64),
                          np.array(b, dtype=np.float64).view(np.int64))


DATA = ["ordinary", "offset", "tiny", "huge", "one", "large"]


@pytest.mark.parametrize("fit_bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("kind", ["mse", "mae", "huber"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", DATA)
def test_batch_steps_are_the_plain_numpy_expressions_bit_for_bit(name, dtype, kind, fit_bias):
    x, y = data(name, dtype)
    lr = {"huge": 1e-300, "tiny": 1e100}.get(name, 1e-3)
    config = TrainConfig(loss=kind, learning_rate=lr, fit_bias=fit_bias, huber_delta=DELTA)
    impl = _Analytic(config, -1.0, 1.0, x, y)
    got = [(impl.batch_epoch(), impl.w, impl.b) for _ in range(4)]
    expected = reference(kind, x, y, -1.0, 1.0, lr, fit_bias, 4)
    assert same(got, expected), (got, expected)
    # the full-data loss after them, as the stop rule and the summary take it
    assert same(impl.full_loss(), reference(kind, x, y, impl.w, impl.b, 0.0, True, 1)[0][0])


def test_huge_data_overflows_as_the_expressions_do():
    x, y = data("huge", "float64")
    impl = _Analytic(TrainConfig(loss="mse", learning_rate=1e-300), -1.0, 1.0, x, y)
    assert impl.batch_epoch() == np.inf  # (e*e overflows: the case above is not vacuous)


@pytest.mark.parametrize("loops", ["python", "compiled"])
@pytest.mark.parametrize("kind", ["mse", "mae", "huber"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_batch_run_holds_at_most_32_bytes_a_point_above_the_data(dtype, kind, loops,
                                                                   monkeypatch):
    # whether the compiled loops are loaded in this process or not (the final loss takes
    # another way then)
    kernels = compiled.wait(timeout=900) if loops == "compiled" else None
    assert loops == "python" or kernels is not None, compiled.status
    monkeypatch.setattr(compiled, "_loaded", kernels)
    n = 1_000_000
    x, y = data("ordinary", dtype)
    x, y = np.resize(x, n), np.resize(y, n)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        impl = _Analytic(TrainConfig(loss=kind, learning_rate=1e-3, huber_delta=DELTA),
                         -1.0, 1.0, x, y)
        for _ in range(2):
            impl.batch_epoch()
        impl.full_loss()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak / n <= 32


def test_stochastic_descent_still_gets_the_datas_scalars():
    x, y = data("ordinary", "float32")
    impl = _Analytic(TrainConfig(method="sgd"), -1.0, 1.0, x, y)
    xs, ys = impl._scalar_lists()
    assert xs == list(x) and ys == list(y) and type(xs[0]) is np.float32
    assert impl._scalar_lists()[0] is xs  # made once
    x64, y64 = data("ordinary", "float64")
    xs, ys = _Analytic(TrainConfig(method="sgd"), -1.0, 1.0, x64, y64)._scalar_lists()
    assert xs == x64.tolist() and type(xs[0]) is float
