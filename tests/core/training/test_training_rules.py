"""Training that users ask for, in core: the stop rule (``tol``), continuing a run, and
learning-rate schedules.

- The epoch the stop rule fires is the one a plain float64 loop over the history finds
  with the same criterion; ``tol = 0`` changes nothing; a diverging run still diverges.
- A run of 10 epochs continued for 10 more is bitwise the run of 20, for every method and
  implementation (with shuffling, momentum, Adam and a schedule), also after a stop inside
  an epoch; the landscape path continues.
- The learning rate of each epoch is torch's scheduler's, bit for bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gdstudio.cli.main import main as cli_main
from gdstudio.core.data.dataset import noisy_line, random_line
from gdstudio.core.errors import ConfigError
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.schedule import LrSchedule, lr_values
from gdstudio.core.training.control import TrainingControl
from gdstudio.core.training.engine import loss_at, train
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.path import PathBuffer
from gdstudio.core.training.runstate import RunStatus

TUTORIAL = noisy_line()
SMALL = random_line(37, slope=2.0, intercept=1.0, noise=0.5, seed=3)
METHODS = ("batch", "sgd", "minibatch")
IMPLS = ("manual", "module", "analytic")


def rows(records):
    return [tuple(r) for r in records]


# --------------------------------------------------------------------------- schedules


def torch_lrs(config, epochs):
    """The learning rate of each epoch as torch's own scheduler gives it."""
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=config.learning_rate)
    if config.lr_schedule == "step":
        sched = torch.optim.lr_scheduler.StepLR(opt, config.lr_step_size, config.lr_gamma)
    else:
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, config.lr_gamma)
    out = []
    for _ in range(epochs):
        out.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("schedule", [("step", 1, 0.5), ("step", 3, 0.7), ("step", 10, 0.1),
                                      ("exponential", 1, 0.93), ("exponential", 1, 0.999),
                                      ("step", 7, 1.0)])
@pytest.mark.parametrize("lr", [0.1, 0.037, 3e-5])
def test_the_learning_rate_of_each_epoch_is_torchs_bit_for_bit(schedule, lr):
    kind, step_size, gamma = schedule
    config = TrainConfig(learning_rate=lr, lr_schedule=kind, lr_step_size=step_size,
                         lr_gamma=gamma)
    expected = torch_lrs(config, 3000)
    assert lr_values(config, 3000).tolist() == expected
    s = LrSchedule(config)
    got = []
    for _ in range(3000):
        got.append(s.lr)
        s.step()
    assert got == expected


def plain_loop(dataset, config, init, lrs):
    """Tutorial 2's batch loop with the learning rate of each epoch given."""
    X, Y = dataset.tensors()
    w = torch.tensor(init[0], requires_grad=True)
    b = torch.tensor(init[1], requires_grad=True)
    out = []
    for epoch, lr in enumerate(lrs):
        loss = torch.mean((w * X + b - Y) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        out.append((epoch, loss.item(), w.item(), b.item()))
    return out


def module_loop(dataset, config, init, epochs, size):
    """Tutorial 3's loop in mini-batches with torch's scheduler stepped after each epoch."""
    X, Y = dataset.tensors()
    model = torch.nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(init[0])
        model.bias.fill_(init[1])
    opt = torch.optim.SGD(model.parameters(), lr=config.learning_rate,
                          momentum=config.momentum)
    sched = (torch.optim.lr_scheduler.StepLR(opt, config.lr_step_size, config.lr_gamma)
             if config.lr_schedule == "step"
             else torch.optim.lr_scheduler.ExponentialLR(opt, config.lr_gamma))
    criterion = torch.nn.MSELoss()
    out = []
    for epoch in range(epochs):
        with torch.no_grad():
            loss = criterion(model(X), Y).item()
        for start in range(0, len(X), size):
            batch_loss = criterion(model(X[start:start + size]), Y[start:start + size])
            opt.zero_grad()
            batch_loss.backward()
            opt.step()
        sched.step()
        out.append((epoch, loss, model.weight.item(), model.bias.item()))
    return out


@pytest.mark.parametrize("kind", ["step", "exponential"])
def test_a_scheduled_manual_run_is_the_plain_loop_with_torchs_learning_rates(kind):
    config = TrainConfig(learning_rate=0.02, epochs=40, init_w=-10.0, init_b=-20.0,
                         lr_schedule=kind, lr_step_size=4, lr_gamma=0.8)
    expected = plain_loop(TUTORIAL, config, (-10.0, -20.0), torch_lrs(config, 40))
    got = [(r.epoch, r.loss, r.w, r.b) for r in train(TUTORIAL, config)]
    assert got == expected
    constant = [(r.epoch, r.loss, r.w, r.b) for r in train(TUTORIAL, config.replace(
        lr_schedule="none"))]
    assert constant != got  # (the schedule did something)


@pytest.mark.parametrize("kind", ["step", "exponential"])
def test_a_scheduled_module_run_uses_torchs_scheduler(kind):
    config = TrainConfig(method="minibatch", batch_size=8, impl="module", momentum=0.5,
                         learning_rate=0.01, epochs=25, init_w=1.0, init_b=2.0,
                         lr_schedule=kind, lr_step_size=5, lr_gamma=0.5)
    expected = module_loop(SMALL, config, (1.0, 2.0), 25, 8)
    assert [(r.epoch, r.loss, r.w, r.b) for r in train(SMALL, config)] == expected


@pytest.mark.parametrize("method", METHODS)
def test_the_analytic_implementation_follows_the_schedule_as_autograd_does(method):
    """Stochastic descent's analytic path equals autograd bit for bit, with a schedule too."""
    config = TrainConfig(method=method, batch_size=5, learning_rate=0.01, epochs=12,
                         lr_schedule="step", lr_step_size=3, lr_gamma=0.5, shuffle=True,
                         seed=4, init_w=0.5, init_b=-1.0)
    manual = rows(train(SMALL, config))
    analytic = rows(train(SMALL, config.replace(impl="analytic")))
    if method == "sgd":  # (w, b bit for bit; the analytic loss is computed in float64)
        assert [r[2:4] for r in analytic] == [r[2:4] for r in manual]
    else:  # float64 sums there: to rounding
        for a, m in zip(analytic, manual, strict=True):
            assert a[2] == pytest.approx(m[2], rel=1e-5) and a[3] == pytest.approx(m[3],
                                                                                  rel=1e-5)


def test_bad_schedule_settings_get_one_clear_message():
    for changes, words in (({"lr_gamma": 0.0}, "gamma must be in (0, 1]"),
                           ({"lr_gamma": 1.5}, "gamma must be in (0, 1]"),
                           ({"lr_gamma": math.nan}, "gamma must be finite"),
                           ({"lr_step_size": 0}, "step size must be a whole number of at "
                                                 "least 1"),
                           ({"lr_schedule": "cosine"}, "Unknown learning-rate schedule"),
                           ({"tol": -1e-9}, "stop tolerance must be 0 or more"),
                           ({"tol": math.inf}, "stop tolerance must be finite")):
        with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")
                           .replace("[", r"\[").replace("]", r"\]")):
            TrainConfig(**changes).validate()


# --------------------------------------------------------------------------- stop rule


def reference_stop(dataset, config, records, final_loss):
    """The epoch where the rule fires, by a plain float64 loop over the history (and the
    loss after the last epoch): relative loss change first, then the gradient norm."""
    xs = [float(v) for v in dataset.x]
    ys = [float(v) for v in dataset.y]
    losses = [r.loss for r in records] + [final_loss]
    for k, r in enumerate(records):
        before, after = losses[k], losses[k + 1]
        change = abs(after - before) / max(abs(before), 1e-300)
        if change < config.tol:
            return k, "loss_change", change
        gw = gb = 0.0
        for x, y in zip(xs, ys, strict=True):
            e = r.w * x + r.b - y
            if config.loss == "mse":
                g = 2.0 * e
            elif config.loss == "mae":
                g = (e > 0) - (e < 0)
            else:
                g = max(-config.huber_delta, min(config.huber_delta, e))
            gw += g * x
            gb += g
        norm = math.hypot(gw / len(xs), gb / len(xs))
        if norm < config.tol:
            return k, "gradient_norm", norm
    return None


TOL = {"batch": 1e-7, "sgd": 1e-3, "minibatch": 1e-3}
#: (method, impl, loss, tol, noise): on noisy data the relative loss change fires; on a
#: perfect line (noise 0) the loss falls by a constant factor an epoch, so its relative
#: change does not become small, and the gradient norm fires.
CASES = [(m, i, "mse", TOL[m], 0.3) for m in METHODS for i in IMPLS] + [
    ("batch", "manual", "huber", 1e-3, 0.3), ("batch", "analytic", "huber", 1e-3, 0.3),
    ("batch", "module", "mse", 1e-3, 0.3), ("minibatch", "analytic", "mae", 1e-4, 0.3),
    *(("batch", i, "mse", 1e-5, 0.0) for i in IMPLS),
    ("minibatch", "manual", "mse", 1e-5, 0.0), ("batch", "manual", "huber", 1e-5, 0.0)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_the_stop_rule_fires_where_a_plain_float64_loop_finds_it(case):
    method, impl, loss, tol, noise = case
    data = random_line(60, slope=1.5, intercept=-2.0, noise=noise, seed=1, x_min=-2.0,
                       x_max=2.0, dtype="float64")
    config = TrainConfig(method=method, impl=impl, loss=loss, batch_size=16,
                         learning_rate=0.05 if method == "batch" else 0.01,
                         epochs=120 if method == "sgd" else 400,
                         init_w=0.0, init_b=0.0, shuffle=method != "batch", seed=2)
    reference = list(train(data, config))
    full = rows(reference)
    final = loss_at(data, config, reference[-1].w, reference[-1].b)
    expected = reference_stop(data, config.replace(tol=tol), reference, final)
    assert expected is not None, "the case must converge within its epochs"
    run = TrainingRun(data, config.replace(tol=tol))
    got = rows(run.records())
    epoch, rule, value = expected
    assert run.status is RunStatus.CONVERGED
    assert (run.converged.epoch, run.converged.rule) == (epoch, rule)
    assert run.converged.value == pytest.approx(value, rel=1e-9, abs=1e-300)
    assert rule == ("gradient_norm" if noise == 0 else "loss_change")
    assert got == full[:epoch + 1]  # the same history, up to the epoch it fired
    summary = run.summarize()
    assert (summary.status, summary.epochs_done, summary.stop.epoch) == (
        "converged", epoch + 1, epoch)


@pytest.mark.slow
def test_tol_zero_and_a_tol_that_never_fires_change_nothing():
    for method in METHODS:
        for impl in IMPLS:
            config = TrainConfig(method=method, impl=impl, epochs=15, learning_rate=0.01,
                                 shuffle=True, seed=5)
            off = rows(train(TUTORIAL, config))
            assert rows(train(TUTORIAL, config.replace(tol=0.0))) == off
            run = TrainingRun(TUTORIAL, config.replace(tol=1e-300))
            assert rows(run.records()) == off
            assert run.status is RunStatus.DONE and run.converged is None


def test_a_diverging_run_reports_divergence_not_convergence():
    config = TrainConfig(learning_rate=1.0, epochs=500, tol=1e-6)
    run = TrainingRun(TUTORIAL, config)
    list(run.records())
    assert run.status is RunStatus.DIVERGED
    assert run.converged is None


def test_the_cli_reports_convergence_in_its_output_and_parameters(tmp_path, capsys):
    params = tmp_path / "p.csv"
    assert cli_main(["train", "--tol", "1e-8", "--epochs", "5000", "--quiet", "--params",
                     str(params)]) == 0
    out = capsys.readouterr().out
    run = TrainingRun(TUTORIAL, TrainConfig(init_w=None, init_b=None, epochs=5000, tol=1e-8))
    list(run.records())
    assert run.converged is not None
    assert f"{run.converged.sentence()} (of 5000 planned)" in out
    assert "Converged at epoch " in out and "< tol 1e-08" in out
    header, row = (line.split(",") for line in params.read_text().splitlines())
    cells = dict(zip(header, row, strict=True))
    assert cells["status"] == "converged"
    assert cells["tol"] == "1e-08"
    assert cells["stopped_by"] == run.converged.rule
    assert cells["stop_epoch"] == cells["epochs_done"] == str(run.converged.epoch + 1)
    assert float(cells["stop_value"]) < 1e-8
    assert header[:34][-1] == "data_changed"  # the earlier columns keep their places


# --------------------------------------------------------------------------- continue


CONTINUE_CASES = [(m, i, "sgd") for m in METHODS for i in IMPLS] + [
    ("minibatch", "module", "adam"), ("sgd", "module", "rmsprop"), ("batch", "module", "sgd-m")]


def continue_config(method, impl, optimizer):
    momentum = 0.9 if optimizer in ("sgd-m", "rmsprop") else 0.0
    return TrainConfig(method=method, impl=impl, optimizer=optimizer.split("-")[0],
                       momentum=momentum, nesterov=optimizer == "sgd-m", batch_size=6,
                       learning_rate=0.003, epochs=10, shuffle=True, seed=11,
                       lr_schedule="step", lr_step_size=3, lr_gamma=0.9)


@pytest.mark.parametrize("case", CONTINUE_CASES, ids=lambda c: "-".join(c))
def test_ten_epochs_continued_for_ten_more_are_the_run_of_twenty(case):
    config = continue_config(*case)
    whole_path, path = PathBuffer(1000), PathBuffer(1000)
    whole = TrainingRun(SMALL, config.replace(epochs=20))
    expected = rows(whole.records(path=whole_path))
    run = TrainingRun(SMALL, config)
    got = rows(run.records(path=path))
    assert run.status is RunStatus.DONE and len(got) == 10
    run.extend(10)
    got += rows(run.records(path=path))
    assert got == expected
    assert run.status is RunStatus.DONE and run.epochs_done == 20
    assert (path.points() == whole_path.points()).all()
    assert run.summarize() == whole.summarize()


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("method", ["sgd", "minibatch"])
def test_a_run_stopped_inside_an_epoch_continues_from_there(impl, method):
    config = continue_config(method, impl, "sgd").replace(epochs=6)
    expected = rows(TrainingRun(SMALL, config).records())

    class StopAt(TrainingControl):
        def __init__(self, stop_at):
            super().__init__()
            self.calls, self.stop_at = 0, stop_at

        def checkpoint(self):
            self.calls += 1
            if self.calls == self.stop_at:
                self.stop()
            return super().checkpoint()

    run = TrainingRun(SMALL, config)
    if impl == "analytic" and method == "sgd":  # (it checks every 4096 updates: stop at once)
        control = StopAt(1)
    else:
        control = StopAt(2 * (1 + len(range(0, 37, 1 if method == "sgd" else 6))) + 4)
    got = rows(run.records(control))
    assert run.status is RunStatus.STOPPED
    run.extend(6 - run.epochs_done)
    got += rows(run.records())
    assert got == expected
    assert run.status is RunStatus.DONE


def test_a_converged_run_continues_and_a_diverged_one_cannot():
    config = TrainConfig(epochs=5000, tol=1e-6)
    run = TrainingRun(TUTORIAL, config)
    first = rows(run.records())
    assert run.status is RunStatus.CONVERGED
    run.extend(30, tol=0.0)  # the rule off from now on
    more = rows(run.records())
    assert len(more) == 30 and more[0][0] == len(first)
    assert run.status is RunStatus.DONE
    whole = rows(train(TUTORIAL, config.replace(tol=0.0, epochs=len(first) + 30)))
    assert first + more == whole

    diverged = TrainingRun(TUTORIAL, TrainConfig(learning_rate=1.0, epochs=100))
    list(diverged.records())
    assert diverged.status is RunStatus.DIVERGED
    with pytest.raises(ConfigError, match="A diverged run cannot be continued"):
        diverged.extend(10)
    with pytest.raises(ConfigError, match="at least 1"):
        run.extend(0)


# --------------------------------------------------------------------------- preview


@pytest.mark.parametrize("setup", [("batch", "mse", False), ("batch", "huber", False),
                                   ("sgd", "mse", True), ("minibatch", "mae", True)])
@pytest.mark.parametrize("kind", ["step", "exponential"])
def test_the_preview_follows_the_schedule_as_the_run_does(setup, kind):
    from gdstudio.core.models.line.preview import (
        epochs_needed,
        order_length,
        preview_path,
        shuffle_orders,
    )

    method, loss, shuffle = setup
    data = random_line(40, slope=2.0, intercept=1.0, noise=0.5, seed=3, dtype="float64")
    config = TrainConfig(method=method, impl="analytic", loss=loss, batch_size=7,
                         learning_rate=0.02, epochs=300, init_w=-3.0, init_b=4.0,
                         shuffle=shuffle, seed=5, lr_schedule=kind, lr_step_size=3,
                         lr_gamma=0.9)
    n = len(data)
    orders = (shuffle_orders(5, n, epochs_needed(n, config), order_length(n, config))
              if shuffle else None)
    path = preview_path(data, config, -3.0, 4.0, orders=orders)
    per_epoch = {"batch": 1, "sgd": n, "minibatch": -(-n // 7)}[method]
    ends = path[per_epoch::per_epoch]
    run = [(r.w, r.b) for r in train(data, config)][: len(ends)]
    if (method, loss) == ("batch", "mse"):  # the exact landscape's steps: to rounding
        np.testing.assert_allclose(ends, np.array(run), rtol=1e-11)
    else:
        assert ends.tolist() == [list(r) for r in run]
    constant = preview_path(data, config.replace(lr_schedule="none"), -3.0, 4.0, orders=orders)
    assert not np.array_equal(constant, path)
