"""Logistic regression's preview: the analytic run's first updates in float64, against a
plain loop of the tutorial's gradients written with Python floats."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.core.data.presets import make
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.numbers.preview_model import LOGISTIC_WORK, logistic_path
from gdstudio.ui.studio.controller import StudioController


def plain_loop(x, y, w, b, lr, steps, size, squared=False):
    """Mini-batch descent on the cross-entropy (or squared error on σ), one Python float
    at a time."""
    rows = [(w, b)]
    n = len(x)
    while len(rows) <= steps:
        for s in range(0, n, size):
            gw = gb = 0.0
            batch = range(s, min(s + size, n))
            for i in batch:
                p = 1.0 / (1.0 + math.exp(-(w * x[i] + b)))
                g = p - y[i]
                if squared:
                    g = 2.0 * g * p * (1.0 - p)
                gw += g * x[i]
                gb += g
            w, b = w - lr * gw / len(batch), b - lr * gb / len(batch)
            rows.append((w, b))
            if len(rows) > steps:
                break
    return np.array(rows)


@pytest.mark.parametrize(("method", "size", "loss"), [
    ("batch", 20, "bce"), ("minibatch", 6, "bce"), ("sgd", 1, "bce"), ("batch", 20, "mse")])
def test_the_preview_is_the_plain_loop(method, size, loss):
    data = make("hours-pass")
    x, y = [float(v) for v in data.x], [float(v) for v in data.y]
    config = TrainConfig(model="logistic", loss=loss, method=method, batch_size=6,
                         learning_rate=0.3, epochs=50, shuffle=False)
    path = logistic_path(data, config, -0.5, 0.25, updates=40)
    ref = plain_loop(x, y, -0.5, 0.25, 0.3, 40, size, squared=loss == "mse")
    assert path.shape == ref.shape
    np.testing.assert_allclose(path, ref, rtol=1e-12, atol=1e-12)


def test_large_data_preview_a_bounded_number_of_updates():
    rng = np.random.default_rng(0)
    n = 400_000
    from gdstudio.core.data.dataset import Dataset

    x = rng.normal(size=n)
    data = Dataset(x, (x > 0).astype(np.float64))
    path = logistic_path(data, TrainConfig(model="logistic", loss="bce", method="batch"),
                         0.0, 0.0)
    assert len(path) == 1 + LOGISTIC_WORK // n


def test_the_controllers_preview_of_a_logistic_run(qtbot):
    c = StudioController()
    try:
        data = make("hours-pass")
        c.replace_data(data, "Load preset")
        assert c.switch_model("logistic")
        config = c.settings.replace(method="batch", learning_rate=0.3, init_w=-0.5,
                                    init_b=0.25, epochs=30)
        c.set_settings(config)
        path = c.preview_model.path
        ref = plain_loop([float(v) for v in data.x], [float(v) for v in data.y], -0.5, 0.25,
                         0.3, 30, len(data))
        np.testing.assert_allclose(path, ref, rtol=1e-12, atol=1e-12)
        assert c.preview_model.status == ""
    finally:
        c.shutdown(5000)
