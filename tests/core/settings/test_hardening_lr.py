"""Hardening: sweep the learning rate from 1e-6 to 1e3 through every way of training.

Whatever learning rate a user types, training either runs with every number finite or stops
with :class:`TrainingDiverged`, whose message says in which epoch and below which learning
rate full-batch descent is stable, and which keeps finite parameters. Nothing a user sees
(the table, the CSV files, the loss curve, the fit line, the readout) ever shows NaN or inf.
"""

from __future__ import annotations

import csv
import math
import re

import numpy as np
import pytest

from gdstudio.cli.main import main
from gdstudio.core.data.dataset import noisy_line
from gdstudio.core.errors import TrainingDiverged
from gdstudio.core.models.line.optimum import stable_learning_rate, step_guide
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.engine import full_data_loss, train

LEARNING_RATES = [float(lr) for lr in np.logspace(-6, 3, 10)]  # 1e-6, 1e-5, ..., 1e3
# Few epochs keep the sweep quick; stochastic descent does 100 updates per epoch on the
# tutorial line and mini-batch 10, so fewer of its epochs still mean many updates.
EPOCHS = {"batch": 8, "minibatch": 4, "sgd": 2}

OPTIMIZERS = {
    "manual": {"impl": "manual", "optimizer": "sgd"},
    "sgd": {"impl": "module", "optimizer": "sgd"},
    "momentum": {"impl": "module", "optimizer": "sgd", "momentum": 0.9},
    "nesterov": {"impl": "module", "optimizer": "sgd", "momentum": 0.9, "nesterov": True},
    "adam": {"impl": "module", "optimizer": "adam"},
    "rmsprop": {"impl": "module", "optimizer": "rmsprop"},
    "adagrad": {"impl": "module", "optimizer": "adagrad"},
}

NON_FINITE_WORD = re.compile(r"nan|inf", re.IGNORECASE)


@pytest.fixture(scope="module")
def tutorial_line():
    return noisy_line()


def finite(*values) -> bool:
    return all(math.isfinite(v) for v in values)


def run_core(dataset, config):
    """Train; return (records, diverged error or None). Any other exception propagates."""
    records = []
    try:
        for record in train(dataset, config):
            records.append(record)
    except TrainingDiverged as exc:
        return records, exc
    return records, None


# --------------------------------------------------------------------------- core engine


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
def test_learning_rate_sweep_core(tutorial_line, method, optimizer, loss):
    bound = stable_learning_rate(tutorial_line)
    base = TrainConfig(method=method, loss=loss, epochs=EPOCHS[method], **OPTIMIZERS[optimizer])
    outcomes = []
    for lr in LEARNING_RATES:
        config = base.replace(learning_rate=lr)
        records, diverged = run_core(tutorial_line, config)
        where = f"{config.describe()}, loss={loss}"
        # every yielded record is finite, in order, and counts its work
        assert [r.epoch for r in records] == list(range(len(records))), where
        for r in records:
            assert finite(r.loss, r.w, r.b), (where, r)
            assert r.loss >= 0, (where, r)
            assert r.samples_seen == (r.epoch + 1) * len(tutorial_line), (where, r)
        if diverged is None:
            assert len(records) == config.epochs, where
            outcomes.append("done")
            continue
        outcomes.append("diverged")
        err = diverged
        assert err.epoch == len(records), where
        assert err.learning_rate == lr
        assert err.stable_lr == bound
        assert finite(err.w, err.b), (where, err.w, err.b)
        if err.loss is not None:
            # the kept parameters are the last ones whose full-data loss is finite
            assert math.isfinite(err.loss), where
            assert full_data_loss(tutorial_line, config, err.w, err.b) == err.loss, where
        message = str(err)
        assert f"epoch {err.epoch - err.final}" in message, message  # final: the last one
        assert f"; {step_guide(tutorial_line, config).text()}." in message, message
        assert f"{lr:g}" in message, message
        assert not NON_FINITE_WORD.search(message.replace("finite", "")), message
    # tiny learning rates never diverge in a few epochs, whatever the method
    assert outcomes[:3] == ["done"] * 3


def test_plain_descent_is_stable_below_the_bound_and_diverges_above(tutorial_line):
    """The bound the message quotes is the one that matters for plain full-batch MSE."""
    bound = stable_learning_rate(tutorial_line)
    below = TrainConfig(learning_rate=0.9 * bound, epochs=300)
    records, diverged = run_core(tutorial_line, below)
    assert diverged is None and records[-1].loss < records[0].loss
    above = TrainConfig(learning_rate=1.5 * bound, epochs=2000)
    records, diverged = run_core(tutorial_line, above)
    assert isinstance(diverged, TrainingDiverged)
    assert records[-1].loss > records[0].loss


# --------------------------------------------------------------------------- CLI

CLI_CASES = {
    "manual-mse": ["--impl", "manual", "--loss", "mse"],
    "momentum-mae": ["--impl", "module", "--optimizer", "sgd", "--momentum", "0.9",
                     "--loss", "mae"],
    "nesterov-mse": ["--impl", "module", "--optimizer", "sgd", "--momentum", "0.9",
                     "--nesterov", "--loss", "mse"],
    "adam-huber": ["--impl", "module", "--optimizer", "adam", "--loss", "huber"],
    "rmsprop-mse": ["--impl", "module", "--optimizer", "rmsprop", "--loss", "mse"],
}
CLI_RATES = ["1e-06", "0.1", "1", "10", "1000"]


def check_csv_is_finite(path):
    text = path.read_text(encoding="utf-8")
    assert not NON_FINITE_WORD.search(text), f"{path.name}:\n{text}"
    rows = list(csv.reader(text.splitlines()))
    for row in rows[1:]:
        for cell in row:
            try:
                value = float(cell)
            except ValueError:
                continue
            assert math.isfinite(value), (path.name, row)
    return rows


@pytest.mark.parametrize("method", ["batch", "sgd", "minibatch"])
@pytest.mark.parametrize("case", list(CLI_CASES))
def test_learning_rate_sweep_cli(tmp_path, capsys, method, case):
    history, params = tmp_path / "history.csv", tmp_path / "params.csv"
    codes = []
    for lr in CLI_RATES:
        argv = ["train", "--method", method, "--lr", lr, "--epochs", str(EPOCHS[method]),
                "--init-w", "-10", "--init-b", "-20", *CLI_CASES[case],
                "--history", str(history), "--params", str(params)]
        code = main(argv)
        out, err = capsys.readouterr()
        assert code in (0, 3), (argv, err)
        codes.append(code)
        assert not re.search(r"\b(nan|inf|infinity)\b", out, re.IGNORECASE), out
        history_rows = check_csv_is_finite(history)
        param_rows = check_csv_is_finite(params)
        header, row = param_rows[0], dict(zip(param_rows[0], param_rows[1], strict=True))
        assert header[0] == "run" and len(param_rows) == 2
        if code == 3:
            assert row["status"] == "diverged"
            lines = err.strip().splitlines()
            assert len(lines) == 1, err
            assert lines[0].startswith("gdstudio train: Training diverged in ")
            # the step-size guide of the run's own method
            descent = {"batch": "batch descent", "sgd": "stochastic descent",
                       "minibatch": "mini-batch descent (B=10)"}[method]
            assert f"Learning rate {float(lr):g}; {descent} on this data is stable below " \
                in lines[0]
            # the history holds exactly the finite epochs before the divergence
            named = re.match(r"[^:]*: Training diverged in (its last epoch, )?epoch (\d+)",
                             lines[0])
            epoch = int(named.group(2)) + bool(named.group(1))
            assert len(history_rows) - 1 == epoch == int(row["epochs_done"])
        else:
            assert err == ""
            assert row["status"] == "done"
            assert len(history_rows) - 1 == EPOCHS[method]
    assert codes[0] == 0  # lr 1e-6 always trains


# --------------------------------------------------------------------------- window

WINDOW_CASES = [
    # method, optimizer key, loss, learning rate
    ("batch", "manual", "mse", "1000"),      # diverges after a few finite epochs
    ("batch", "manual", "mse", "10"),        # huge but finite numbers
    ("sgd", "manual", "mse", "1000"),        # diverges in the first epoch: nothing to plot
    ("sgd", "nesterov", "huber", "100"),
    ("minibatch", "momentum", "mse", "1"),
    ("minibatch", "adam", "mae", "1000"),
    ("batch", "rmsprop", "mse", "1000"),
    ("sgd", "adagrad", "huber", "1e-06"),
]


def configure(win, method, optimizer, loss, lr):
    p = win.panel
    spec = OPTIMIZERS[optimizer]
    p.method.setCurrentIndex(p.method.findData(method))
    p.impl.setCurrentIndex(p.impl.findData(spec["impl"]))
    p.optimizer.setCurrentIndex(p.optimizer.findData(spec["optimizer"]))
    p.loss.setCurrentIndex(p.loss.findData(loss))
    p.momentum.setText(repr(spec.get("momentum", 0.0)))
    p.nesterov.setChecked(spec.get("nesterov", False))
    p.learning_rate.setText(lr)
    p.epochs.setValue(EPOCHS[method])
    config = p.config()
    expected = TrainConfig(method=method, loss=loss, learning_rate=float(lr),
                           epochs=EPOCHS[method], **spec)
    assert config == expected
    return config


def shown(item):
    """An item's display data; pyqtgraph gives (None, None) for an empty item."""
    x, y = item.getData()
    return (np.empty(0) if x is None else np.asarray(x),
            np.empty(0) if y is None else np.asarray(y))


def check_fit_line(plot, w: float, b: float) -> None:
    """The fit line shows y = w*x + b: the part inside the view, or nothing if it misses it.

    (Steep lines after a divergence have w of 1e17; w*x + b then cancels badly, so the
    tolerance scales with the terms.)"""
    assert plot.fit == (w, b)
    xs, ys = shown(plot.fit_line)
    (x0, x1), (y0, y1) = plot.getViewBox().viewRange()
    if len(xs) == 0:  # only when the line misses the view
        ends = np.array([w * x0 + b, w * x1 + b])
        assert (ends > y1).all() or (ends < y0).all(), (w, b, x0, x1, y0, y1)
        return
    assert len(xs) == 2
    assert (x0 <= xs).all() and (xs <= x1).all() and (y0 <= ys).all() and (ys <= y1).all()
    on_line = w * xs + b
    tolerance = 1e-9 * (np.abs(w * xs) + abs(b)) + 1e-9 * (y1 - y0)
    assert (np.abs(ys - on_line) <= tolerance).all(), (xs, ys, w, b)


@pytest.mark.parametrize(("method", "optimizer", "loss", "lr"), WINDOW_CASES)
def test_learning_rate_sweep_window(window, qtbot, tmp_path, method, optimizer, loss, lr):
    config = configure(window, method, optimizer, loss, lr)
    records, diverged = run_core(window.controller.model.dataset, config)
    assert window.controller.train()
    qtbot.waitUntil(lambda: window.controller.session.state == "idle", timeout=30_000)
    status = window.controller.session.status
    assert status == ("diverged" if diverged else "done")
    # the window computed what the engine computes
    assert [(r.loss, r.w, r.b) for r in window.controller.session.history.records()] == [
        (r.loss, r.w, r.b) for r in records]

    # what is drawn (getData: pyqtgraph's display data) is finite
    xs, ys = shown(window.loss_plot.current)
    end = window.controller.current_summary.loss  # the curve ends at the last moment
    assert len(ys) == len(records) + (bool(records) and isinstance(end, float)
                                      and bool(np.isfinite(end)))
    assert np.isfinite(xs).all() and np.isfinite(ys).all()
    fit_x, fit_y = shown(window.plot.fit_line)
    assert np.isfinite(fit_x).all() and np.isfinite(fit_y).all()
    assert not NON_FINITE_WORD.search(window.readout.text()), window.readout.text()
    if diverged:
        title, text = window.messages.last
        assert title == "Training diverged"
        assert f"epoch {diverged.epoch - diverged.final}" in text
        assert f"; {step_guide(window.controller.model.dataset, config).text()}." in text
        check_fit_line(window.plot, diverged.w, diverged.b)  # the kept finite parameters
    else:
        check_fit_line(window.plot, records[-1].w, records[-1].b)
        assert f"{records[-1].w:.6g}" in window.readout.text()

    params = tmp_path / "params.csv"
    assert window.files.export_parameters(str(params)), window.messages.last
    rows = check_csv_is_finite(params)
    assert dict(zip(rows[0], rows[1], strict=True))["status"] == status

    history = tmp_path / "history.csv"
    if records:
        with qtbot.waitSignal(window.controller.exports.historyExported, timeout=10_000) as done:
            assert window.files.export_history(str(history)), window.messages.last
        assert done.args == [True], window.messages.last
        rows = check_csv_is_finite(history)
        assert len(rows) - 1 == len(records)
    else:  # diverged in the first epoch: the user is told there is nothing to export
        assert not window.files.export_history(str(history))
        assert window.messages.last[0] == "Nothing to export"
        assert not history.exists()
