"""The preview is the analytic run's own path: per update against plain loops written here,
and at every epoch end against the engine's run (``train`` with ``impl="analytic"``)."""

from __future__ import annotations

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.models.line.preview import (
    MAX_UPDATES,
    epochs_needed,
    order_length,
    preview_path,
    shuffle_orders,
)
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import train


def _float64_data(n=120, seed=1):
    rng = np.random.default_rng(seed)
    x = np.linspace(-3.0, 5.0, n)
    return Dataset(x, 2.0 * x - 1.0 + rng.normal(0, 0.5, n))


def _epoch_ends(data, config):
    return np.array([(r.w, r.b) for r in train(data, config)])


def _preview(data, config, w0, b0, updates=MAX_UPDATES):
    orders = None
    if config.shuffle and config.method != "batch":
        orders = shuffle_orders(config.seed, len(data), epochs_needed(len(data), config, updates),
                                order_length(len(data), config))
    return preview_path(data, config, w0, b0, updates, orders=orders)


def _per_epoch(data, config):
    n = len(data)
    return {"batch": 1, "sgd": n, "minibatch": -(-n // config.batch_size)}[config.method]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fit_bias", [True, False])
def test_batch_mse_preview_equals_the_analytic_run(dtype, fit_bias):
    data = noisy_line() if dtype == "float32" else _float64_data()
    config = TrainConfig(method="batch", impl="analytic", learning_rate=0.02, epochs=300,
                         init_w=-10.0, init_b=-20.0, fit_bias=fit_bias)
    path = _preview(data, config, -10.0, -20.0)
    assert path.shape == (301, 2)  # the start and one update per epoch, up to the epochs
    run = _epoch_ends(data, config)
    scale = np.max(np.abs(run))
    np.testing.assert_allclose(path[1:], run, rtol=0, atol=1e-11 * scale)
    assert np.all(path[:, 1] == 0.0) or fit_bias


def _plain_sgd(x, y, w, b, lr, steps, order, scalar):
    """One point per update, in the tutorial's scalar arithmetic (float32 or float64)."""
    w, b, lr = scalar(w), scalar(b), scalar(lr)
    rows = [(float(w), float(b))]
    for k in range(steps):
        i = order[k % len(order)]
        xi, yi = scalar(x[i]), scalar(y[i])
        g = scalar(2) * (w * xi + b - yi)
        w = w - lr * (g * xi)
        b = b - lr * g
        rows.append((float(w), float(b)))
    return np.array(rows)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stochastic_preview_per_update_and_at_epoch_ends(dtype):
    data = noisy_line() if dtype == "float32" else _float64_data(101)
    n = len(data)
    config = TrainConfig(method="sgd", impl="analytic", learning_rate=0.002, epochs=20,
                         init_w=-10.0, init_b=-20.0)
    path = _preview(data, config, -10.0, -20.0)
    assert path.shape == (MAX_UPDATES + 1, 2)
    scalar = np.float32 if dtype == "float32" else np.float64
    plain = _plain_sgd(data.x, data.y, -10.0, -20.0, 0.002, MAX_UPDATES, range(n), scalar)
    np.testing.assert_array_equal(path, plain)
    run = _epoch_ends(data, config)
    ends = path[n::n]
    np.testing.assert_array_equal(ends, run[: len(ends)])


def test_shuffled_stochastic_preview_follows_the_seeded_permutations():
    data = _float64_data(90)
    n = len(data)
    config = TrainConfig(method="sgd", impl="analytic", learning_rate=0.003, epochs=15,
                         init_w=4.0, init_b=3.0, shuffle=True, seed=7)
    path = _preview(data, config, 4.0, 3.0)
    orders = shuffle_orders(7, n, epochs_needed(n, config))
    assert len(orders) == -(-MAX_UPDATES // n)
    order = np.concatenate(orders)
    plain = _plain_sgd(data.x, data.y, 4.0, 3.0, 0.003, MAX_UPDATES, order, np.float64)
    np.testing.assert_array_equal(path, plain)
    run = _epoch_ends(data, config)
    np.testing.assert_array_equal(path[n::n], run[: MAX_UPDATES // n])


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("fit_bias", [True, False])
def test_minibatch_preview_equals_the_run_at_every_epoch_end(loss, shuffle, fit_bias):
    data = _float64_data(53)
    config = TrainConfig(method="minibatch", impl="analytic", batch_size=8, loss=loss,
                         learning_rate=0.01, epochs=400, init_w=-3.0, init_b=5.0,
                         shuffle=shuffle, seed=2, fit_bias=fit_bias, huber_delta=0.7)
    path = _preview(data, config, -3.0, 5.0)
    k = _per_epoch(data, config)
    assert path.shape == (MAX_UPDATES + 1, 2)
    run = _epoch_ends(data, config)
    np.testing.assert_array_equal(path[k::k], run[: MAX_UPDATES // k])


@pytest.mark.parametrize("loss", ["mae", "huber"])
def test_batch_robust_preview_equals_the_run(loss):
    data = noisy_line()  # float32 data: the run starts at float32(w0) and steps in float64
    config = TrainConfig(method="batch", impl="analytic", loss=loss, learning_rate=0.05,
                         epochs=200, init_w=-10.1, init_b=-20.3)
    path = _preview(data, config, -10.1, -20.3)
    assert path[0, 0] == float(np.float32(-10.1))
    np.testing.assert_array_equal(path[1:], _epoch_ends(data, config))


def test_preview_stops_at_the_runs_epochs_and_where_values_leave_float64():
    data = _float64_data(30)
    config = TrainConfig(method="minibatch", impl="analytic", batch_size=10, epochs=3,
                         init_w=0.0, init_b=0.0)
    assert len(_preview(data, config, 0.0, 0.0)) == 3 * 3 + 1
    wild = config.replace(learning_rate=50.0, epochs=1000)
    path = _preview(data, wild, 0.0, 0.0)
    assert 2 < len(path) < MAX_UPDATES + 1 and np.all(np.isfinite(path))


def test_big_batches_preview_a_bounded_amount_of_work():
    data = Dataset(np.linspace(0.0, 1.0, 1_000_001), np.linspace(0.0, 2.0, 1_000_001))
    config = TrainConfig(method="minibatch", impl="analytic", batch_size=500_000, epochs=100,
                         init_w=0.0, init_b=0.0)
    path = preview_path(data, config, 0.0, 0.0)
    assert 2 <= len(path) <= 6  # a few updates, not a thousand passes over a million points
    batch = config.replace(method="batch", epochs=5000)
    assert len(preview_path(data, batch, 0.0, 0.0)) == MAX_UPDATES + 1  # exact MSE: free


def test_shuffled_preview_without_its_permutations_is_refused():
    data = _float64_data(20)
    config = TrainConfig(method="sgd", impl="analytic", shuffle=True)
    with pytest.raises(ValueError, match="permutations"):
        preview_path(data, config, 0.0, 0.0)
    with pytest.raises(ValueError, match="empty"):
        preview_path(Dataset.empty(), config, 0.0, 0.0)


def test_preview_reuses_a_given_landscape():
    data = _float64_data(40)
    land = MSELandscape.from_dataset(data)
    config = TrainConfig(method="batch", impl="analytic", learning_rate=0.05, epochs=50)
    a = preview_path(data, config, 1.0, 2.0, landscape=land)
    np.testing.assert_array_equal(a, preview_path(data, config, 1.0, 2.0))
