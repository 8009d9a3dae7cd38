"""Divergence that stays finite, and runs that must never be called diverged.

The rule (gdstudio/core/divergence.py): a run has diverged when a loss or a parameter is not
finite, or when the full-data loss, checked before every epoch and after the last one, is more
than a million times the reference ``R = max(start loss, loss of the line y = 0, loss of a
line off by lr * (|x| + 1) at every point)``. The references below are computed here in
float64 NumPy and plain torch loops, independently of the engine.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
import torch
from torch import nn

from gdstudio.cli.main import main
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.models.line.implementations import make_optimizer
from gdstudio.core.models.line.optimum import closed_form, stable_learning_rate, step_guide
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import full_data_loss
from tests.cli.test_cli import history_rows, read_csv, table_rows
from tests.core.settings.test_hardening_lr import run_core as run

NON_FINITE_WORD = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)
TUTORIAL = noisy_line()




def point_losses(e, kind, delta=1.0):
    e = np.asarray(e, dtype=np.float64)
    if kind == "mse":
        return e * e
    a = np.abs(e)
    if kind == "mae":
        return a
    return np.where(a < delta, 0.5 * e * e, delta * (a - 0.5 * delta))


def reference_loss(dataset, config, start_loss):
    """R: the largest of the start loss, the line y = 0's loss and the one-step loss."""
    x = dataset.x.astype(np.float64)
    y = dataset.y.astype(np.float64)
    moved = config.learning_rate * (np.abs(x) + (1.0 if config.fit_bias else 0.0))
    return max(start_loss, float(np.mean(point_losses(y, config.loss, config.huber_delta))),
               float(np.mean(point_losses(moved, config.loss, config.huber_delta))))


def check_message(exc, config, dataset=TUTORIAL):
    """One line naming the epoch, the rule with its numbers, the learning rate and the
    step-size guide of the run's own method."""
    message = str(exc)
    assert "\n" not in message
    assert not NON_FINITE_WORD.search(message), message
    where = f"its last epoch, epoch {exc.epoch - 1}" if exc.final else f"epoch {exc.epoch}"
    assert exc.where == where
    assert message.startswith(f"Training diverged in {where}: ")
    assert f"Learning rate {config.learning_rate:g}; {exc.guide}." in message
    assert exc.guide == step_guide(dataset, config).text()
    assert not NON_FINITE_WORD.search(exc.guide)
    assert f"w={exc.w:.6g}, b={exc.b:.6g}" in message
    return message


# --------------------------------------------------------------------------- the runs


def test_stochastic_descent_that_settles_at_1e14_exits_3(tmp_path, capsys):
    """`gdstudio train --method sgd --lr 0.1`: the loss jumps from 208 to 4e14 in one epoch
    and stays there (a fixed point of the epoch map), all finite; it was reported "done"."""
    history, params = tmp_path / "h.csv", tmp_path / "p.csv"
    code = main(["train", "--method", "sgd", "--lr", "0.1", "--history", str(history),
                 "--params", str(params)])
    out, err = capsys.readouterr()
    assert code == 3
    lines = err.splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("gdstudio train: Training diverged in epoch 1: ")
    assert re.search(r"the full-data loss grew from 208 to 4\.17e\+14, more than a million "
                     r"times (both )?its start", lines[0]), lines[0]
    # the bound of stochastic descent (per point), not full-batch descent's 0.12
    assert ("Learning rate 0.1; stochastic descent on this data is stable below 0.03846 "
            "(each one-point step is).") in lines[0]
    # the finite history before it is kept, in the table and in the file
    assert len(table_rows(out)) == 1 and len(history_rows(history)) == 1
    header, row = read_csv(params)
    values = dict(zip(header, row, strict=True))
    assert values["status"] == "diverged" and values["epochs_done"] == "1"
    assert float(values["loss"]) == pytest.approx(4.17e14, rel=1e-2)
    assert "overflows" not in out


def test_batch_descent_at_lr_0_2_stops_within_a_few_epochs(tmp_path, capsys):
    """`--lr 0.2 --epochs 47` ended "done" with `loss=overflows`; now it stops, exit 3, a few
    epochs after its loss passes a thousand times its start, with a finite loss kept."""
    history = tmp_path / "h.csv"
    code = main(["train", "--lr", "0.2", "--epochs", "47", "--history", str(history)])
    out, err = capsys.readouterr()
    assert code == 3, out
    assert "overflows" not in out and not NON_FINITE_WORD.search(out)
    rows = history_rows(history)
    losses = [r[1] for r in rows]
    epoch = int(re.search(r"diverged in epoch (\d+):", err).group(1))
    assert epoch == len(rows) < 47
    clear = next(i for i, v in enumerate(losses) if v > 1e3 * losses[0])
    assert epoch - clear <= 5
    final = re.search(r"final: w=(\S+), b=(\S+), loss=(\S+) after", out)
    assert math.isfinite(float(final.group(3)))


# --------------------------------------------------------------------------- the last epoch

LAST_EPOCH_CASES = {  # method, learning rate, shuffle: the engine stops at the start of k
    "batch": ("batch", 0.2, False),       # k = 9
    "minibatch": ("minibatch", 0.2, False),  # k = 3
    "sgd": ("sgd", 0.1, True),             # k = 2
}


@pytest.mark.parametrize("impl", ["manual", "module", "analytic"])
@pytest.mark.parametrize("case", list(LAST_EPOCH_CASES))
def test_a_divergence_in_the_last_epoch_is_flagged(case, impl):
    method, lr, shuffle = LAST_EPOCH_CASES[case]
    config = TrainConfig(method=method, impl=impl, learning_rate=lr, shuffle=shuffle,
                         epochs=1000)
    long_records, long_exc = run(TUTORIAL, config)
    k = long_exc.epoch
    assert k >= 2 and not long_exc.final
    # The same run with exactly k epochs: its last update makes the loss blow up.
    short = config.replace(epochs=k)
    records, exc = run(TUTORIAL, short)
    assert exc is not None, "a blow-up in the last epoch went unnoticed"
    assert exc.final and exc.epoch == k
    assert records == long_records  # the check after the last update changed no record
    assert (exc.w, exc.b) == (records[-1].w, records[-1].b)
    assert exc.loss == long_exc.loss == full_data_loss(TUTORIAL, short, exc.w, exc.b)
    message = check_message(exc, short)
    assert f"in its last epoch, epoch {k - 1}: after it, the full-data loss grew from " in message


def test_last_epoch_divergence_from_the_cli(tmp_path, capsys):
    history = tmp_path / "h.csv"
    code = main(["train", "--lr", "0.2", "--epochs", "9", "--history", str(history)])
    out, err = capsys.readouterr()
    assert code == 3
    assert "Training diverged in its last epoch, epoch 8: after it, the full-data loss" in err
    assert len(history_rows(history)) == len(table_rows(out)) == 9


def test_a_run_one_epoch_short_of_the_limit_is_done():
    config = TrainConfig(learning_rate=0.2, epochs=1000)
    _records, exc = run(TUTORIAL, config)
    records, none = run(TUTORIAL, config.replace(epochs=exc.epoch - 1))
    assert none is None and len(records) == exc.epoch - 1


# --------------------------------------------------------------------------- the error


def test_the_error_names_the_rule_its_numbers_and_keeps_the_finite_history():
    config = TrainConfig(method="sgd", learning_rate=0.1, epochs=20)
    records, exc = run(TUTORIAL, config)
    assert [r.epoch for r in records] == [0]
    start = records[0].loss
    loss = full_data_loss(TUTORIAL, config, records[0].w, records[0].b)
    assert (exc.w, exc.b, exc.loss) == (records[0].w, records[0].b, loss)
    assert loss > 1e6 * reference_loss(TUTORIAL, config, start)
    assert exc.epoch == 1 and not exc.final
    assert exc.stable_lr == stable_learning_rate(TUTORIAL)
    assert exc.learning_rate == 0.1
    message = check_message(exc, config)
    assert (f"by its start, the full-data loss grew from {start:.3g} to {loss:.3g}, more "
            "than a million times") in message
    assert exc.reason in message


def test_the_message_names_the_reference_that_set_the_limit():
    # start at the optimum (loss 0.17): the line y = 0 (loss 209) sets the limit
    opt = closed_form(TUTORIAL)
    config = TrainConfig(method="sgd", learning_rate=0.1, epochs=20, init_w=opt.w,
                         init_b=opt.b)
    _records, exc = run(TUTORIAL, config)
    assert "more than a million times both its start and the loss of the line y = 0 (209)" \
        in str(exc)
    # a huge learning rate from the seeded start (loss 208): one step of it sets the limit
    config = TrainConfig(learning_rate=5.0, epochs=200, init_w=None, init_b=None)
    _records, exc = run(TUTORIAL, config)
    assert ("more than a million times both its start and the loss that one step of size 5 "
            "in w and b can cause (358)") in str(exc)


def test_overflow_reasons_say_what_overflowed():
    _records, exc = run(TUTORIAL, TrainConfig(init_w=1e30, init_b=0.0, epochs=5))
    assert exc.epoch == 0 and exc.loss is None
    assert "the full-data loss of the starting line is too large for float32 numbers" \
        in str(exc)
    # stochastic descent at lr 1000 overflows w inside the first epoch
    _records, exc = run(TUTORIAL, TrainConfig(method="sgd", learning_rate=1000.0, epochs=5))
    assert exc.epoch == 0 and "w or b grew beyond the largest float32 number" in str(exc)


# --------------------------------------------------------------------------- never a converging run

XO = 100 + 0.1 * np.arange(50)
NOISE = np.random.default_rng(0).standard_normal(50)
OFFSET_SMALL_Y = Dataset(XO, 0.01 * XO + 0.1 * NOISE)   # x near 100, y near 1
OFFSET_LINE = Dataset(XO, 2 * XO + 1 + 0.1 * NOISE)
X64 = np.arange(-5, 5, 0.1)
ROUNDED = Dataset(X64.astype(np.float32), (3 * X64 + 0.3).astype(np.float32))  # loss ~3e-13
ZERO_Y = Dataset(X64.astype(np.float32), np.zeros(100, np.float32))


def converges(dataset, config, *, bump=1.0):
    """Train; assert it is never called diverged and that it converges: its last full-data
    loss is no more than its start or the line y = 0's. ``bump``: the least peak / start
    loss the run must show, so that the case is the bump it is meant to be."""
    records, exc = run(dataset, config)
    assert exc is None, str(exc)
    assert len(records) == config.epochs
    losses = [r.loss for r in records]
    assert all(math.isfinite(v) for v in losses)
    final = full_data_loss(dataset, config, records[-1].w, records[-1].b)
    zero = float(np.mean(point_losses(dataset.y, config.loss, config.huber_delta)))
    assert final <= max(losses[0], zero) * 1.001 + 1e-12, (losses[0], zero, final)
    peak = max(losses) / losses[0] if losses[0] > 0 else (0.0 if max(losses) == 0 else math.inf)
    assert peak >= bump, f"no bump: peak {peak:.3g} x start"
    return losses


def far_or_optimum(dataset, start):
    if start == "far":
        return {"init_w": -10.0, "init_b": -20.0}
    opt = closed_form(dataset)
    return {"init_w": opt.w, "init_b": opt.b}


@pytest.mark.parametrize("lr", [0.5, 1.0, 5.0])
@pytest.mark.parametrize("method", ["batch", "minibatch"])
@pytest.mark.parametrize("data", ["tutorial", "offset-small-y", "offset-line"])
def test_adam_with_a_large_learning_rate_from_the_optimum(data, method, lr):
    """From the optimum, Adam's first steps move w and b by about lr whatever the gradient:
    the loss jumps by up to 1e7 times its tiny start, then comes back down."""
    dataset = {"tutorial": TUTORIAL, "offset-small-y": OFFSET_SMALL_Y,
               "offset-line": OFFSET_LINE}[data]
    config = TrainConfig(method=method, impl="module", optimizer="adam", learning_rate=lr,
                         epochs=300 if method == "batch" else 50,
                         **far_or_optimum(dataset, "optimum"))
    converges(dataset, config, bump=5.0)


@pytest.mark.parametrize("lr", [0.5, 5.0])
@pytest.mark.parametrize("data", ["tutorial", "offset-small-y"])
def test_adam_with_a_large_learning_rate_from_far(data, lr):
    dataset = TUTORIAL if data == "tutorial" else OFFSET_SMALL_Y
    config = TrainConfig(method="minibatch", impl="module", optimizer="adam",
                         learning_rate=lr, epochs=50, **far_or_optimum(dataset, "far"))
    converges(dataset, config)


@pytest.mark.parametrize(("optimizer", "lr", "method"), [
    ("rmsprop", 0.5, "batch"), ("rmsprop", 5.0, "batch"), ("rmsprop", 5.0, "minibatch"),
    ("adagrad", 0.5, "batch"), ("adagrad", 5.0, "batch"),
])
@pytest.mark.parametrize("data", ["tutorial", "offset-small-y"])
def test_rmsprop_and_adagrad_bumps_are_not_divergence(data, optimizer, lr, method):
    """RMSprop's first step is 10 lr, Adagrad's lr: from the optimum the loss jumps by 10 to
    1e9 times its start; RMSprop then bounces at that scale, Adagrad comes back."""
    dataset = TUTORIAL if data == "tutorial" else OFFSET_SMALL_Y
    config = TrainConfig(method=method, impl="module", optimizer=optimizer, learning_rate=lr,
                         epochs=300 if method == "batch" else 50,
                         **far_or_optimum(dataset, "optimum"))
    records, exc = run(dataset, config)
    assert exc is None, str(exc)
    assert len(records) == config.epochs
    assert max(r.loss for r in records) > 10 * records[0].loss  # a real bump


@pytest.mark.parametrize(("method", "nesterov", "fraction"), [
    ("batch", False, 0.5), ("batch", True, 0.5), ("minibatch", False, 0.02),
    ("minibatch", True, 0.2),
])
def test_momentum_overshoots_and_converges(method, nesterov, fraction):
    """Heavy ball and Nesterov (0.9) below their own stable bounds: the loss goes down, up
    again as w and b overshoot, and settles. (Heavy ball on the sorted mini-batches diverges
    from 0.05 of the full-batch bound on: its cycle over the batches is unstable there.)"""
    lr = fraction * stable_learning_rate(TUTORIAL)
    config = TrainConfig(method=method, impl="module", momentum=0.9, nesterov=nesterov,
                         learning_rate=lr, epochs=300 if method == "batch" else 60)
    losses = converges(TUTORIAL, config)
    assert sum(b > a for a, b in itertools.pairwise(losses)) >= 3  # it bumped up several times


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("loss", ["mae", "huber"])
@pytest.mark.parametrize("lr", [0.1, 5.0])
def test_mae_and_huber_runs(loss, optimizer, lr):
    """Their gradients are bounded, so even large learning rates only move w and b about lr
    a step: the loss bounces but never grows without end."""
    spec = {"sgd": {}, "momentum": {"momentum": 0.9}, "adam": {"optimizer": "adam"}}[optimizer]
    config = TrainConfig(method="minibatch", impl="module", loss=loss, learning_rate=lr,
                         epochs=30, **spec)
    records, exc = run(TUTORIAL, config)
    assert exc is None, str(exc)
    assert len(records) == 30


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adagrad"])
@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
def test_a_start_at_the_optimum_with_a_tiny_loss(method, optimizer):
    """float32 data whose best line fits to rounding: the start loss is 3e-13 and wiggles
    around its floor; adaptive optimizers jump from it by up to 1e12 times."""
    config = TrainConfig(method=method, impl="module", optimizer=optimizer,
                         learning_rate=0.05, epochs=300 if method == "batch" else 5,
                         init_w=3.0, init_b=0.3)
    records, exc = run(ROUNDED, config)
    assert exc is None, str(exc)
    assert 0 < records[0].loss < 1e-12


def test_the_float32_noise_floor_over_a_long_run():
    config = TrainConfig(learning_rate=0.9 * stable_learning_rate(ROUNDED), epochs=3000,
                         init_w=3.0, init_b=0.3)
    records, exc = run(ROUNDED, config)
    assert exc is None
    losses = [r.loss for r in records]
    assert max(losses) < 1e-12 and len(set(losses)) > 1


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adagrad"])
@pytest.mark.parametrize("start", [(0.0, 0.0), (-10.0, -20.0), (1e-3, 0.0)])
def test_data_with_y_exactly_zero(optimizer, start):
    """The best loss is exactly 0. From (0, 0) nothing moves; from 1e-3 the adaptive
    optimizers jump to a loss 1e5-1e7 times the start and come back to 0."""
    lr = 0.1 if optimizer == "sgd" else 0.5
    config = TrainConfig(impl="module", optimizer=optimizer, learning_rate=lr, epochs=500,
                         init_w=start[0], init_b=start[1])
    records, exc = run(ZERO_Y, config)
    assert exc is None, str(exc)
    losses = [r.loss for r in records]
    if start == (0.0, 0.0):
        assert set(losses) == {0.0}
    assert losses[-1] <= losses[0] or losses[-1] < 1e-12


@pytest.mark.slow
def test_a_long_stable_run_of_10000_epochs():
    config = TrainConfig(learning_rate=0.1, epochs=10_000)
    records, exc = run(TUTORIAL, config)
    assert exc is None and len(records) == 10_000
    assert records[-1].loss == pytest.approx(closed_form(TUTORIAL).loss, rel=1e-4)
    config = TrainConfig(method="sgd", impl="analytic", learning_rate=0.01, epochs=2_000)
    records, exc = run(TUTORIAL, config)
    assert exc is None and len(records) == 2_000


# --------------------------------------------------------------------------- the sweep

SWEEP_DATA = {
    "line": Dataset(np.linspace(-5, 5, 9), -5 * np.linspace(-5, 5, 9) + 0.4 * NOISE[:9]),
    "offset": Dataset(100 + 0.1 * np.arange(8), 0.01 * (100 + 0.1 * np.arange(8))
                      + 0.1 * NOISE[:8]),
    "zero": Dataset(np.linspace(-2, 2, 8), np.zeros(8)),
}
SWEEP_OPTIMIZERS = {
    "sgd": {}, "momentum": {"momentum": 0.9}, "nesterov": {"momentum": 0.9, "nesterov": True},
    "adam": {"optimizer": "adam"}, "rmsprop": {"optimizer": "rmsprop"},
    "adagrad": {"optimizer": "adagrad"},
}
SWEEP_METHODS = {"batch": 40, "minibatch": 12, "sgd": 6}
SWEEP_RATES = [0.5, 5.0, "0.5 bound", "5 bound"]  # absolute, or times the full-batch bound


def plain_losses(dataset, config, enough=math.inf):
    """A plain float64 loop as tutorial 3 writes it: the full-data loss before each epoch and
    after the last one, until it or a parameter stops being finite or the loss passes
    ``enough``."""
    X, Y = dataset.tensors()
    model = nn.Linear(1, 1, dtype=torch.float64)
    with torch.no_grad():
        model.weight.fill_(config.init_w)
        model.bias.fill_(config.init_b)
    criterion = {"mse": nn.MSELoss(), "mae": nn.L1Loss(), "huber": nn.HuberLoss()}[config.loss]
    optimizer = make_optimizer(config, model.parameters())
    n = len(dataset)
    size = {"batch": n, "sgd": 1, "minibatch": config.batch_size}[config.method]
    losses = []
    for epoch in range(config.epochs + 1):
        with torch.no_grad():
            losses.append(criterion(model(X), Y).item())
        if not losses[-1] <= enough or epoch == config.epochs:
            break
        for start in range(0, n, size):
            loss = criterion(model(X[start:start + size]), Y[start:start + size])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if not all(math.isfinite(p.item()) for p in model.parameters()):
            losses[-1] = math.nan  # the engine stops inside this epoch
            break
    return losses


def sweep_cases():
    for data, dataset in SWEEP_DATA.items():
        opt = closed_form(dataset)
        bound = stable_learning_rate(dataset)
        for start, (w0, b0) in (("far", (-10.0, -20.0)), ("optimum", (opt.w, opt.b))):
            for name, spec in SWEEP_OPTIMIZERS.items():
                for method, epochs in SWEEP_METHODS.items():
                    for rate in SWEEP_RATES:
                        lr = rate if isinstance(rate, float) else float(rate.split()[0]) * bound
                        yield (f"{data}/{start}/{name}/{method}/lr={lr:.3g}",
                               dataset, TrainConfig(method=method, impl="module",
                                                    learning_rate=lr, epochs=epochs,
                                                    batch_size=3, init_w=w0, init_b=b0,
                                                    **spec))


@pytest.mark.slow
def test_sweep_converging_runs_are_never_flagged_and_blow_ups_are_flagged_quickly():
    """Many (data, start, optimizer, method, learning rate) runs in float64.

    * converging (the plain loop stays finite and its last third ends no higher than its
      start or the line y = 0's loss): never flagged;
    * blowing up (the plain loop reaches 1e12 times that, or overflows): flagged, at most 8
      epochs after its loss first passed 1e3 times it;
    * every run: flagged exactly where the rule says on the plain loop's losses, with the
      plain loop's records before it.
    """
    tally = {"converging": 0, "bumped": 0, "past 1e6 x start": 0, "blow-up": 0, "other": 0}
    worst_bump = 0.0
    worst_delay = 0
    for where, dataset, config in sweep_cases():
        zero = float(np.mean(point_losses(dataset.y, config.loss)))
        start = full_data_loss(dataset, config, config.init_w, config.init_b)
        scale = max(start, zero)
        limit = 1e6 * reference_loss(dataset, config, start)
        ref = plain_losses(dataset, config, enough=1e7 * max(limit, scale))
        assert ref[0] == start
        records, exc = run(dataset, config)
        assert [r.loss for r in records] == ref[:len(records)], where
        # the rule on the plain loop's losses: the first loss that is not <= the limit
        expected = next((k for k, v in enumerate(ref) if not v <= limit), None)
        if expected is None:
            assert exc is None, (where, str(exc))
        else:
            assert exc is not None and exc.epoch == expected, (where, expected, exc)
            assert exc.final == (expected == config.epochs), where
        finite = all(v <= 1e7 * limit for v in ref) and len(ref) == config.epochs + 1
        tail = ref[-(len(ref) // 3):]
        if finite and max(tail) <= scale:
            tally["converging"] += 1
            assert exc is None, (where, str(exc))
            worst_bump = max(worst_bump, 1e6 * max(ref) / limit if limit > 0 else 0.0)
            tally["bumped"] += max(ref) > 10 * start
            tally["past 1e6 x start"] += max(ref) > 1e6 * start
        elif not finite or max(ref) > 1e12 * scale:
            tally["blow-up"] += 1
            assert exc is not None, where
            clear = next(k for k, v in enumerate(ref) if not v <= 1e3 * scale)
            worst_delay = max(worst_delay, exc.epoch - clear)
            assert exc.epoch - clear <= 8, (where, clear, exc.epoch, ref[:exc.epoch + 2])
        else:
            tally["other"] += 1
    print(f"sweep: {tally}; largest converging bump {worst_bump:.3g} R; longest delay after "
          f"the loss passed 1e3 x max(start, y=0 loss): {worst_delay} epochs")
    # converging runs stay at least a thousand times below the limit (RMSprop's first step
    # is 10 lr: 100 times the one-step loss)
    assert worst_bump <= 1e3
    # the sweep exercises both sides, and bumps that a rule on the start loss alone would flag
    assert tally["converging"] >= 150 and tally["blow-up"] >= 80
    assert tally["bumped"] >= 20 and tally["past 1e6 x start"] >= 3


# --------------------------------------------------------------------------- the window


def configure(win, method, learning_rate, epochs):
    p = win.panel
    p.method.setCurrentIndex(p.method.findData(method))
    p.learning_rate.setText(learning_rate)
    p.epochs.setValue(epochs)
    return p.config()


@pytest.mark.parametrize(("method", "lr", "epochs", "where"), [
    ("sgd", "0.1", 20, "epoch 1"),                 # settles at 4e14, all finite
    ("batch", "0.2", 9, "its last epoch, epoch 8"),  # passes the limit in its last update
])
def test_the_window_shows_the_divergence_not_done(window, qtbot, method, lr, epochs, where):
    config = configure(window, method, lr, epochs)
    records, expected = run(window.controller.model.dataset, config)
    assert expected is not None and expected.where == where
    assert window.controller.train()
    qtbot.waitUntil(lambda: window.controller.session.state == "idle", timeout=30_000)
    assert window.controller.session.status == "diverged"
    title, text = window.messages.last
    assert title == "Training diverged" and text == str(expected)
    assert "more than a million times" in text
    assert window.statusBar().currentMessage() == f"Diverged in {where}."
    readout = window.readout.text().replace("\u00a0", " ")
    assert f"diverged in {where}; kept:" in readout and "done" not in readout.lower()
    assert window.controller.session.history.count == len(records)
    assert window.controller.current_summary.status == "diverged"
    summary = window.controller.current_summary
    assert (summary.w, summary.b) == (expected.w, expected.b)
