"""The logistic preview: bitwise the analytic run's path, and near a plain float64 loop.

Each epoch's parameters of a real run (the engine, analytic implementation) are the preview's
rows at the ends of its epochs, for full-batch, mini-batch (ordered and shuffled) and
stochastic descent, in float32 and float64; the full-batch path also follows a tutorial
loop written here in plain NumPy (``1/(1 + exp(-z))``) to a few ulps per step.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.preview import epochs_needed, shuffle_orders
from gdstudio.core.models.logistic.preview import planned_updates, preview_path
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train

EPS = np.finfo(np.float64).eps
rng = np.random.default_rng(5)
X = rng.normal(1.0, 2.0, 23)
Y = (rng.random(23) < 1.0 / (1.0 + np.exp(-(1.5 * X - 1.0)))).astype(np.float64)


def _config(**settings):
    base = {"model": "logistic", "impl": "analytic", "loss": "bce", "learning_rate": 0.3,
            "epochs": 6, "init_w": -0.7, "init_b": 0.4}
    base.update(settings)
    return TrainConfig(**base)


def _plain_loop(x, y, w, b, lr, steps, fit_bias=True):
    rows = [(w, b)]
    for _ in range(steps):
        z = w * x + b if fit_bias else w * x
        g = 1.0 / (1.0 + np.exp(-z)) - y
        w = w - lr * float(np.mean(g * x))
        b = b - lr * float(np.mean(g)) if fit_bias else 0.0
        rows.append((w, b))
    return np.array(rows)


@pytest.mark.parametrize("fit_bias", [True, False])
def test_full_batch_preview_follows_a_plain_loop(fit_bias):
    data = Dataset(X, Y)  # float32 data: the preview steps on it widened, in float64
    x, y = data.x.astype(np.float64), data.y.astype(np.float64)
    config = _config(method="batch", epochs=200, fit_bias=fit_bias)
    path = preview_path(data, config, float(np.float32(-0.7)), float(np.float32(0.4)))
    assert path.shape == (201, 2)
    ref = _plain_loop(x, y, path[0, 0], path[0, 1], 0.3, 200, fit_bias)
    # each update rounds a few ulps; descent below the stable rate does not amplify them
    scale = float(np.max(np.abs(ref)))
    steps = np.arange(201)[:, None]
    assert np.all(np.abs(path - ref) <= 8 * EPS * scale * (steps + 1))


CASES = {
    "batch": {"method": "batch"},
    "batch mse": {"method": "batch", "loss": "mse", "learning_rate": 2.0},
    "minibatch": {"method": "minibatch", "batch_size": 5, "shuffle": False},
    "minibatch shuffled": {"method": "minibatch", "batch_size": 4, "shuffle": True, "seed": 3},
    "sgd": {"method": "sgd", "shuffle": False, "learning_rate": 0.05},
    "sgd shuffled": {"method": "sgd", "shuffle": True, "seed": 9, "learning_rate": 0.05},
    "no bias": {"method": "minibatch", "batch_size": 7, "shuffle": False, "fit_bias": False},
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_preview_is_the_runs_own_path(name, dtype):
    data = Dataset(X.astype(dtype), Y.astype(dtype))
    config = _config(**CASES[name])
    n = len(data)
    orders = None
    if config.shuffle and config.method != "batch":
        orders = shuffle_orders(config.seed, n, epochs_needed(n, config))
    path = preview_path(data, config, config.init_w, config.init_b, orders=orders)
    records = list(train(data, config))
    per_epoch = -(-n // {"batch": n, "sgd": 1, "minibatch": config.batch_size}[config.method])
    assert len(path) == planned_updates(n, config) + 1 == config.epochs * per_epoch + 1
    for record in records:
        row = path[(record.epoch + 1) * per_epoch]
        assert (row[0], row[1]) == (record.w, record.b), (record.epoch, row, record)
    if not config.fit_bias:
        assert np.all(path[:, 1] == 0.0)


def test_the_work_is_bounded_and_the_path_stops_where_float64_ends():
    big = Dataset(np.zeros(3_000_000), np.ones(3_000_000))
    config = _config(method="batch", epochs=50)
    assert planned_updates(len(big), config) == 1  # a pass over 3e6 points is the bound
    data = Dataset(X * 1e150, Y)
    wild = _config(method="batch", learning_rate=1e300, epochs=50, init_w=1.0)
    path = preview_path(data, wild, 1.0, 0.0)
    assert len(path) < 51 and np.all(np.isfinite(path))
    with pytest.raises(ValueError, match="permutations"):
        preview_path(Dataset(X, Y), _config(method="sgd", shuffle=True), 0.0, 0.0)
    with pytest.raises(ValueError, match="empty"):
        preview_path(Dataset(np.zeros(0), np.zeros(0)), _config(), 0.0, 0.0)
    assert math.isfinite(preview_path(Dataset(X, Y), _config(), 0.0, 0.0)[-1, 0])
