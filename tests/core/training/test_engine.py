"""The engine beyond parity: reproducibility, control, validation, divergence, the optimum."""

from __future__ import annotations

import dataclasses
import itertools
import math
import threading
import time

import numpy as np
import pytest
import torch

from gdstudio.core.data.dataset import Dataset, noisy_line, random_line
from gdstudio.core.errors import ConfigError, DataError, TrainingDiverged
from gdstudio.core.models.line.optimum import closed_form, stable_learning_rate, step_guide
from gdstudio.core.settings.config import EpochRecord, TrainConfig, initial_parameters
from gdstudio.core.training.control import TrainingControl
from gdstudio.core.training.engine import full_data_loss, train

DATA = noisy_line()


def history(config, data=DATA, control=None):
    return list(train(data, config, control))


# --------------------------------------------------------------------------- reproducibility

REPRO_CONFIGS = {
    "batch-manual": TrainConfig(),
    "sgd-shuffle": TrainConfig(method="sgd", shuffle=True, learning_rate=0.01, epochs=3),
    "minibatch-module-adam": TrainConfig(method="minibatch", impl="module", optimizer="adam",
                                         shuffle=True, batch_size=8, epochs=5, init_w=None,
                                         init_b=None, seed=5),
    "minibatch-rmsprop-huber": TrainConfig(method="minibatch", impl="module",
                                           optimizer="rmsprop", loss="huber", momentum=0.3,
                                           shuffle=True, batch_size=16, epochs=5),
}


@pytest.mark.parametrize("name", list(REPRO_CONFIGS))
def test_same_settings_same_history(name):
    config = REPRO_CONFIGS[name]
    first = history(config)
    torch.manual_seed(999)  # the global random state plays no part
    second = history(config)
    assert len(first) == config.epochs
    assert first == second
    assert all(isinstance(r, EpochRecord) for r in first)
    assert all(type(v) is float for r in first for v in (r.loss, r.w, r.b))


def test_same_history_on_equal_but_separate_data():
    config = REPRO_CONFIGS["sgd-shuffle"]
    copy = Dataset(DATA.x.copy(), DATA.y.copy())
    assert history(config) == history(config, data=copy)


@pytest.mark.parametrize("method", ["sgd", "minibatch"])
def test_shuffle_seed_matters(method):
    config = TrainConfig(method=method, shuffle=True, learning_rate=0.01, epochs=3, batch_size=7)
    a = history(config.replace(seed=0))
    b = history(config.replace(seed=1))
    assert a[0].loss == b[0].loss  # same start
    assert [(r.w, r.b) for r in a] != [(r.w, r.b) for r in b]
    # Unshuffled, the seed does not matter when the start is given.
    unshuffled = config.replace(shuffle=False)
    assert history(unshuffled.replace(seed=0)) == history(unshuffled.replace(seed=1))


def test_shuffle_changes_the_order():
    config = TrainConfig(method="minibatch", batch_size=7, learning_rate=0.01, epochs=2)
    assert history(config) != history(config.replace(shuffle=True))


def test_seed_draws_the_start_when_not_given():
    config = TrainConfig(init_w=None, init_b=None, epochs=2)
    a = history(config.replace(seed=0))
    b = history(config.replace(seed=1))
    assert a[0].loss != b[0].loss
    w0, b0 = initial_parameters(config.replace(seed=0))
    assert a[0].loss == full_data_loss(DATA, config, w0, b0)


def test_first_loss_is_the_starting_loss_and_the_rest_chain():
    config = TrainConfig(method="minibatch", batch_size=7, learning_rate=0.01, epochs=4)
    records = history(config)
    assert records[0].loss == full_data_loss(DATA, config, -10.0, -20.0)
    for before, after in itertools.pairwise(records):
        assert after.loss == full_data_loss(DATA, config, before.w, before.b)


# --------------------------------------------------------------------------- control


class CountingControl(TrainingControl):
    """Stops at the ``stop_at``-th checkpoint and counts them."""

    def __init__(self, stop_at=None):
        super().__init__()
        self.calls = 0
        self.stop_at = stop_at

    def checkpoint(self):
        self.calls += 1
        if self.calls == self.stop_at:
            self.stop()
        return super().checkpoint()


def test_checkpoint_between_every_update():
    control = CountingControl()
    config = TrainConfig(method="minibatch", batch_size=7, learning_rate=0.01, epochs=3)
    assert history(config, control=control) == history(config)
    assert control.calls == 3 * (1 + 15)  # before each epoch and before each of 15 updates


def test_stop_mid_epoch_yields_no_partial_epoch():
    control = CountingControl(stop_at=16 + 5)  # inside the second epoch
    config = TrainConfig(method="minibatch", batch_size=7, learning_rate=0.01, epochs=5)
    records = history(config, control=control)
    assert records == history(config)[:1]
    assert control.stopped


def test_stop_ends_the_generator():
    control = TrainingControl()
    run = train(DATA, TrainConfig(epochs=50), control)
    first = next(run)
    second = next(run)
    control.stop()
    assert control.stopped
    assert list(run) == []
    assert (first.epoch, second.epoch) == (0, 1)
    with pytest.raises(StopIteration):
        next(run)


def test_stop_before_start_gives_nothing():
    control = TrainingControl()
    control.stop()
    assert history(TrainConfig(), control=control) == []


class HoldingControl(TrainingControl):
    """A TrainingControl that says when the engine is held at a paused checkpoint."""

    def __init__(self):
        super().__init__()
        self._holding = threading.Event()

    def checkpoint(self) -> bool:
        if self.paused:
            self._holding.set()  # (it blocks, unless resumed meanwhile)
        try:
            return super().checkpoint()
        finally:
            self._holding.clear()

    def reached_a_hold(self, thread, timeout: float = 30.0) -> bool:
        """Wait until the engine, on ``thread``, is held while paused; False if it ended."""
        deadline = time.monotonic() + timeout
        while thread.is_alive() and time.monotonic() < deadline:
            if self._holding.wait(0.01) and self.paused:
                return True
        return False


def test_pause_and_resume_from_another_thread_change_nothing():
    config = TrainConfig(method="minibatch", batch_size=7, shuffle=True, learning_rate=0.01,
                         epochs=40)
    expected = history(config)
    control = HoldingControl()
    out: list[EpochRecord] = []
    errors: list[BaseException] = []

    def worker():
        try:
            out.extend(train(DATA, config, control))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    control.pause()
    assert control.paused
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    assert control.reached_a_hold(thread)
    assert out == []  # held at the first checkpoint
    for _ in range(25):
        control.resume()
        time.sleep(0.001)
        control.pause()
        time.sleep(0.001)
    assert control.reached_a_hold(thread) or len(out) == config.epochs  # (an update in
    held = len(out)  # flight has finished)
    time.sleep(0.1)
    assert len(out) == held  # paused means paused
    assert thread.is_alive() or held == config.epochs
    control.resume()
    assert not control.paused
    thread.join(30)
    assert not thread.is_alive()
    assert errors == []
    assert out == expected


def test_stop_while_paused_releases_the_thread():
    control = TrainingControl()
    out = []
    thread = threading.Thread(
        target=lambda: out.extend(train(DATA, TrainConfig(epochs=1000), control)), daemon=True)
    control.pause()
    thread.start()
    time.sleep(0.05)
    control.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert out == []


def test_a_slow_consumer_changes_nothing():
    config = TrainConfig(method="sgd", shuffle=True, learning_rate=0.01, epochs=3)
    run = train(DATA, config)
    got = []
    for record in run:
        got.append(record)
        torch.manual_seed(len(got))  # other work between epochs, touching global state
        torch.rand(3)
    assert got == history(config)


# --------------------------------------------------------------------------- immutability


def test_records_are_immutable():
    record = history(TrainConfig(epochs=1))[0]
    with pytest.raises(AttributeError):
        record.loss = 0.0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        record.w = 1.0  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        record.extra = 1  # type: ignore[attr-defined]


def test_config_is_immutable_and_replace_makes_a_copy():
    config = TrainConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.learning_rate = 1.0  # type: ignore[misc]
    other = config.replace(learning_rate=0.5)
    assert (config.learning_rate, other.learning_rate) == (0.1, 0.5)


def test_data_arrays_are_read_only():
    with pytest.raises(ValueError):
        DATA.x[0] = 1.0
    X, _ = DATA.tensors()
    X[0] = 123.0  # the tensors are copies
    assert DATA.x[0] != 123.0


# --------------------------------------------------------------------------- validation

INVALID = {
    "lr zero": {"learning_rate": 0.0},
    "lr negative": {"learning_rate": -0.1},
    "lr nan": {"learning_rate": math.nan},
    "lr inf": {"learning_rate": math.inf},
    "lr text": {"learning_rate": "0.1"},
    "lr bool": {"learning_rate": True},
    "epochs zero": {"epochs": 0},
    "epochs negative": {"epochs": -3},
    "epochs float": {"epochs": 2.0},
    "epochs bool": {"epochs": True},
    "batch zero": {"method": "minibatch", "batch_size": 0},
    "batch float": {"method": "minibatch", "batch_size": 2.5},
    "unknown method": {"method": "newton"},
    "unknown impl": {"impl": "jax"},
    "unknown optimizer": {"impl": "module", "optimizer": "lbfgs"},
    "unknown loss": {"loss": "hinge"},
    "momentum one": {"impl": "module", "momentum": 1.0},
    "momentum negative": {"impl": "module", "momentum": -0.1},
    "momentum nan": {"impl": "module", "momentum": math.nan},
    "nesterov without momentum": {"impl": "module", "nesterov": True},
    "nesterov with adam": {"impl": "module", "optimizer": "adam", "momentum": 0.9,
                           "nesterov": True},
    "manual adam": {"impl": "manual", "optimizer": "adam"},
    "manual rmsprop": {"impl": "manual", "optimizer": "rmsprop"},
    "manual adagrad": {"impl": "manual", "optimizer": "adagrad"},
    "manual momentum": {"impl": "manual", "momentum": 0.9},
    "manual weight decay": {"impl": "manual", "weight_decay": 0.1},
    "weight decay negative": {"impl": "module", "weight_decay": -1.0},
    "beta1 one": {"impl": "module", "optimizer": "adam", "beta1": 1.0},
    "beta2 negative": {"impl": "module", "optimizer": "adam", "beta2": -0.5},
    "alpha one": {"impl": "module", "optimizer": "rmsprop", "alpha": 1.0},
    "eps zero": {"impl": "module", "optimizer": "adam", "eps": 0.0},
    "huber delta zero": {"loss": "huber", "huber_delta": 0.0},
    "init w nan": {"init_w": math.nan},
    "init b inf": {"init_b": -math.inf},
    "seed negative": {"seed": -1},
    "seed too large": {"seed": 2**63},
    "seed float": {"seed": 1.0},
}


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_settings_raise_config_error(name):
    config = TrainConfig(**INVALID[name])
    with pytest.raises(ConfigError) as info:
        config.validate()
    assert str(info.value)
    # train() refuses at once, before the first epoch is asked for.
    with pytest.raises(ConfigError):
        train(DATA, config)
    with pytest.raises(ConfigError):
        full_data_loss(DATA, config, 0.0, 0.0)


def test_valid_edge_settings_pass():
    for settings in ({"impl": "module", "momentum": 0.999, "nesterov": True},
                     {"impl": "module", "optimizer": "adam", "beta1": 0.0, "beta2": 0.0},
                     {"learning_rate": 1e-300}, {"seed": 2**63 - 1}, {"epochs": 1},
                     {"method": "minibatch", "batch_size": 10**9}, {"init_w": 0.0, "init_b": 0.0}):
        TrainConfig(**settings).validate()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_empty_data_raises_data_error(dtype):
    with pytest.raises(DataError, match="empty"):
        train(Dataset.empty(dtype), TrainConfig())
    with pytest.raises(DataError):
        closed_form(Dataset.empty(dtype))
    with pytest.raises(DataError):
        stable_learning_rate(Dataset.empty(dtype))


def test_config_errors_come_before_data_errors():
    with pytest.raises(ConfigError):
        train(Dataset.empty(), TrainConfig(learning_rate=0.0))


def test_describe():
    assert TrainConfig().describe() == "batch, manual autograd, lr=0.1"
    assert (TrainConfig(method="minibatch", batch_size=8, impl="module", optimizer="sgd",
                        momentum=0.9, nesterov=True, learning_rate=0.01).describe()
            == "mini-batch (B=8), nn.Linear + SGD(momentum=0.9, nesterov), lr=0.01")
    assert TrainConfig(method="sgd", impl="module", optimizer="adam").describe() == (
        "stochastic, nn.Linear + Adam, lr=0.1")


# --------------------------------------------------------------------------- divergence


def first_diverged_epoch(data, learning_rate, w, b, epochs):
    """Plain full-batch manual descent: its rows (loss, w, b) and the first epoch at whose
    start the loss is above a million times the reference loss (the start's, the line
    y = 0's, or the one-step loss mean((lr*(|x|+1))**2), whichever is largest), or whose loss
    or new w, b is not finite."""
    X, Y = data.tensors()
    x, y = data.x.astype(np.float64), data.y.astype(np.float64)
    reference = max(np.mean(y * y), np.mean((learning_rate * (np.abs(x) + 1)) ** 2))
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    rows = []
    for epoch in range(epochs):
        loss = torch.mean((w * X + b - Y) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
        w.grad.zero_()
        b.grad.zero_()
        if epoch == 0:
            reference = max(reference, loss.item())
        if not (math.isfinite(loss.item()) and loss.item() <= 1e6 * reference):
            return rows, epoch
        if not (math.isfinite(w.item()) and math.isfinite(b.item())):
            return rows, epoch
        rows.append((loss.item(), w.item(), b.item()))
    return rows, None


def check_divergence(config, data=DATA):
    records = []
    with pytest.raises(TrainingDiverged) as info:
        for record in train(data, config):
            records.append(record)
    exc = info.value
    bound = stable_learning_rate(data, config.fit_bias)
    assert exc.epoch == len(records)
    assert all(math.isfinite(v) for r in records for v in (r.loss, r.w, r.b))
    assert math.isfinite(exc.w) and math.isfinite(exc.b)
    assert exc.loss is not None and math.isfinite(exc.loss)
    assert exc.loss == full_data_loss(data, config, exc.w, exc.b)
    assert exc.learning_rate == config.learning_rate
    assert exc.stable_lr == bound
    message = str(exc)
    assert f"epoch {exc.epoch}" in message
    assert exc.guide == step_guide(data, config).text()  # the bound of the run's method
    assert exc.guide in message
    assert "\n" not in message
    return records, exc


def test_divergence_in_the_right_epoch_batch():
    bound = stable_learning_rate(DATA)
    lr = 20 * bound
    config = TrainConfig(learning_rate=lr, epochs=1000)
    records, exc = check_divergence(config)
    rows, expected = first_diverged_epoch(DATA, lr, -10.0, -20.0, 1000)
    assert expected is not None and expected > 2
    assert exc.epoch == expected
    # The records before it are the plain run's.
    assert [(r.loss, r.w, r.b) for r in records] == rows


@pytest.mark.parametrize(("method", "impl"), [
    ("sgd", "manual"), ("minibatch", "manual"), ("batch", "module"), ("minibatch", "module"),
])
def test_divergence_other_methods(method, impl):
    config = TrainConfig(method=method, impl=impl, learning_rate=5.0, epochs=500, batch_size=7,
                         shuffle=True)
    _records, exc = check_divergence(config)
    assert exc.epoch < 500


def test_divergence_of_an_overflowing_start():
    config = TrainConfig(init_w=1e30, init_b=0.0, epochs=5)
    records = []
    with pytest.raises(TrainingDiverged) as info:
        records.extend(train(DATA, config))
    exc = info.value
    assert records == []
    assert exc.epoch == 0
    assert (exc.w, exc.b, exc.loss) == (1e30, 0.0, None)
    assert "epoch 0" in str(exc)


# --------------------------------------------------------------------------- the optimum


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fit_bias", [True, False])
def test_closed_form_is_least_squares(fit_bias, dtype):
    data = random_line(n=57, slope=2.5, intercept=-1.0, noise=0.7, seed=3, dtype=dtype)
    x = data.x.astype(np.float64)
    y = data.y.astype(np.float64)
    A = np.column_stack([x, np.ones_like(x)]) if fit_bias else x[:, None]
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    opt = closed_form(data, fit_bias)
    assert opt.w == pytest.approx(coef[0], rel=1e-12)
    assert opt.b == (pytest.approx(coef[1], rel=1e-12) if fit_bias else 0.0)
    assert opt.loss == pytest.approx(np.mean((A @ coef - y) ** 2), rel=1e-12)
    # Normal equations: the gradient of the MSE vanishes there.
    residual = opt.w * x + opt.b - y
    assert abs(np.mean(residual * x)) < 1e-10
    if fit_bias:
        assert abs(np.mean(residual)) < 1e-10
        # The textbook formula.
        w = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
        assert opt.w == pytest.approx(w, rel=1e-10)
        assert opt.b == pytest.approx(y.mean() - w * x.mean(), rel=1e-10)


def test_closed_form_exact_line_and_single_x():
    exact = Dataset.from_points([(0, 1), (1, 3), (2, 5)], dtype="float64")
    opt = closed_form(exact)
    assert opt.w == pytest.approx(2.0) and opt.b == pytest.approx(1.0)
    assert opt.loss == pytest.approx(0.0, abs=1e-24)
    single = Dataset.from_points([(2, 1), (2, 3)])
    opt = closed_form(single)  # not unique: said so, with the set of best lines, no error
    assert not opt.unique and opt.line is None
    assert "any line through (2, 2)" in opt.description
    assert math.isfinite(opt.w) and math.isfinite(opt.b)  # one of them
    assert 2 * opt.w + opt.b == pytest.approx(2.0)
    assert opt.loss == pytest.approx(1.0)


@pytest.mark.parametrize("fit_bias", [True, False])
def test_stable_learning_rate_is_two_over_the_largest_hessian_eigenvalue(fit_bias):
    data = random_line(n=40, x_min=-1.0, x_max=6.0, seed=4)
    x = data.x.astype(np.float64)
    A = np.column_stack([x, np.ones_like(x)]) if fit_bias else x[:, None]
    hessian = 2.0 / len(x) * A.T @ A
    expected = 2.0 / np.linalg.eigvalsh(hessian).max()
    assert stable_learning_rate(data, fit_bias) == pytest.approx(expected, rel=1e-12)
    if not fit_bias:
        assert stable_learning_rate(data, False) == pytest.approx(1.0 / np.mean(x * x))


def test_stable_learning_rate_of_all_zero_x_is_infinite():
    data = Dataset.from_points([(0, 1), (0, 2)])
    assert stable_learning_rate(data, fit_bias=False) == math.inf
    assert stable_learning_rate(data, fit_bias=True) == pytest.approx(1.0)


@pytest.mark.parametrize("impl", ["manual", "module"])
@pytest.mark.parametrize("fit_bias", [True, False])
def test_batch_descent_just_below_the_bound_converges(fit_bias, impl):
    bound = stable_learning_rate(DATA, fit_bias)
    config = TrainConfig(learning_rate=0.95 * bound, epochs=600, fit_bias=fit_bias, impl=impl)
    records = history(config)
    opt = closed_form(DATA, fit_bias)
    assert records[-1].w == pytest.approx(opt.w, rel=1e-4)
    assert records[-1].b == pytest.approx(opt.b, abs=1e-4)
    assert records[-1].loss == pytest.approx(opt.loss, rel=1e-4)


@pytest.mark.parametrize("impl", ["manual", "module"])
@pytest.mark.parametrize("fit_bias", [True, False])
def test_batch_descent_just_above_the_bound_diverges(fit_bias, impl):
    bound = stable_learning_rate(DATA, fit_bias)
    config = TrainConfig(learning_rate=1.05 * bound, epochs=5000, fit_bias=fit_bias, impl=impl)
    records, exc = check_divergence(config)
    assert exc.epoch > 50  # slowly: each epoch multiplies the error by about 1.1
    losses = [r.loss for r in records]
    # stopped once the loss passed a million times its start, not later when it overflows
    assert 1e5 * losses[0] < losses[-1] <= 1e6 * losses[0] < exc.loss < 1e7 * losses[0]
