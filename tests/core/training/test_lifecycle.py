"""The run lifecycle in core (:class:`TrainingRun`) and the engine inside an epoch.

- ``gdstudio train`` and the studio's training thread end a run the same way: the same
  status, summary, parameters file and history for a run that is done, stopped or diverged.
- A stop inside an epoch keeps the parameters reached there: exactly those of a plain loop
  run for that many updates (float32 torch for autograd, Python floats for float64 data on
  the analytic path); the history holds the finished epochs only.
- In-epoch progress is time-throttled: none on small data, reports within the first epoch on
  large data, each equal to the plain loop at its update count.
- ``gdstudio train`` stopped by SIGINT inside an epoch writes the parameters reached.
"""

from __future__ import annotations

import itertools
import os
import signal
import time

import numpy as np
import pytest
import torch

from gdstudio.cli.main import main as cli_main
from gdstudio.core.data.dataset import noisy_line, random_line
from gdstudio.core.models.line.optimum import closed_form
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.control import PROGRESS_INTERVAL, EpochProgress, TrainingControl
from gdstudio.core.training.engine import train
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.results import history_text, params_text
from gdstudio.core.training.runstate import RunStatus

TUTORIAL = noisy_line()


class StopAt(TrainingControl):
    """Stops at its ``stop_at``-th checkpoint (the engine calls one before each epoch and
    one before each update)."""

    def __init__(self, stop_at: int):
        super().__init__()
        self.calls, self.stop_at = 0, stop_at

    def checkpoint(self):
        self.calls += 1
        if self.calls == self.stop_at:
            self.stop()
        return super().checkpoint()


def stop_call(n_updates: int, epoch: int, done: int) -> int:
    """The checkpoint call at which a stop leaves ``done`` updates of ``epoch`` made (with
    ``n_updates`` updates an epoch): each epoch has one checkpoint before it, then one
    before each update, with 0, 1, ... updates done."""
    return epoch * (1 + n_updates) + 1 + done + 1


def torch_sgd(dataset, lr: float, w: float, b: float, updates: int) -> tuple[float, float]:
    """Tutorial 2's stochastic loop in the data's dtype, for exactly ``updates`` steps."""
    X, Y = dataset.tensors()
    w = torch.tensor(w, dtype=X.dtype, requires_grad=True)
    b = torch.tensor(b, dtype=X.dtype, requires_grad=True)
    n = len(dataset)
    for k in range(updates):
        i = k % n
        loss = torch.mean((w * X[i:i + 1] + b - Y[i:i + 1]) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.item(), b.item()


def module_sgd(dataset, lr: float, w: float, b: float, updates: int) -> tuple[float, float]:
    """Tutorial 3's loop (nn.Linear, nn.MSELoss, optim.SGD) one point a step."""
    X, Y = dataset.tensors()
    model = torch.nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(w)
        model.bias.fill_(b)
    criterion, optimizer = torch.nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=lr)
    n = len(dataset)
    for k in range(updates):
        i = k % n
        loss = criterion(model(X[i:i + 1]), Y[i:i + 1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.weight.item(), model.bias.item()


def float_sgd(dataset, lr: float, w: float, b: float, counts) -> dict[int, tuple]:
    """Plain float64 stochastic steps; (w, b) after each update count in ``counts``."""
    xs, ys = dataset.x.tolist(), dataset.y.tolist()
    n, wanted, seen = len(xs), set(counts), {}
    for k in range(max(counts)):
        x, y = xs[k % n], ys[k % n]
        g = 2 * (w * x + b - y)
        w = w - lr * (g * x)
        b = b - lr * g
        if k + 1 in wanted:
            seen[k + 1] = (w, b)
    return seen


def float_minibatch(dataset, lr: float, w: float, b: float, size: int, updates: int):
    """Plain float64 mini-batch steps (the analytic gradient), ``updates`` of them."""
    x, y, n = dataset.x.astype(np.float64), dataset.y.astype(np.float64), len(dataset)
    starts = list(range(0, n, size))
    for k in range(updates):
        s = starts[k % len(starts)]
        xb, yb = x[s:s + size], y[s:s + size]
        g = 2.0 * (w * xb + b - yb)
        w, b = w - lr * (float(np.dot(g, xb)) / len(xb)), b - lr * (float(np.sum(g)) / len(xb))
    return w, b


# --------------------------------------------------------------------------- lifecycle


def test_a_training_run_validates_and_draws_its_start_once(monkeypatch):
    calls = {"validate": 0}
    validate = TrainConfig.validate

    def counting(self, dtype=None):
        calls["validate"] += 1
        return validate(self, dtype)

    monkeypatch.setattr(TrainConfig, "validate", counting)
    config = TrainConfig(init_w=None, init_b=None, seed=7, epochs=3)
    run = TrainingRun(TUTORIAL, config)
    records = list(run.records())
    summary = run.summarize(closed_form(TUTORIAL))
    assert calls["validate"] == 1
    assert run.status is RunStatus.DONE and summary.status == "done"
    assert (summary.init_w, summary.init_b) == run.init
    assert [r[:4] for r in records] == [r[:4] for r in train(TUTORIAL, config)]


def test_the_end_is_done_stopped_or_diverged():
    done = TrainingRun(TUTORIAL, TrainConfig(epochs=4))
    assert len(list(done.records())) == 4 and done.status is RunStatus.DONE
    assert (done.w, done.b) == (done.last.w, done.last.b)

    stopped = TrainingRun(TUTORIAL, TrainConfig(epochs=4))
    assert len(list(stopped.records(StopAt(3)))) == 2  # stopped before the third epoch
    assert stopped.status is RunStatus.STOPPED and stopped.partial is None

    diverged = TrainingRun(TUTORIAL, TrainConfig(learning_rate=5.0, epochs=100))
    records = list(diverged.records())
    assert diverged.status is RunStatus.DIVERGED
    assert len(records) == diverged.diverged.epoch
    assert (diverged.w, diverged.b) == (diverged.diverged.w, diverged.diverged.b)
    summary = diverged.summarize()
    assert (summary.status, summary.w, summary.b) == ("diverged", diverged.w, diverged.b)


# --------------------------------------------------------------------------- inside an epoch


@pytest.mark.parametrize("impl", ["manual", "module"])
def test_a_stop_inside_an_epoch_keeps_the_parameters_reached(impl):
    data, n, lr = TUTORIAL, len(TUTORIAL), 0.01
    config = TrainConfig(method="sgd", impl=impl, learning_rate=lr, epochs=5)
    run = TrainingRun(data, config)
    records = list(run.records(StopAt(stop_call(n, epoch=2, done=37))))
    assert len(records) == 2 and run.status is RunStatus.STOPPED
    reference = torch_sgd if impl == "manual" else module_sgd
    assert run.partial == EpochProgress(2, 37, n, *reference(data, lr, -10.0, -20.0,
                                                              2 * n + 37))
    summary = run.summarize()
    assert (summary.w, summary.b, summary.epochs_done) == (run.partial.w, run.partial.b, 2)
    assert summary.partial == run.partial and summary.status == "stopped"
    # the history holds the finished epochs only
    assert history_text(records).count("\n") == 3


def test_a_stop_inside_a_stochastic_epoch_on_the_analytic_path():
    """Stochastic steps on the analytic path are checked every 4,096 samples."""
    data = random_line(10_000, seed=2, dtype="float64")
    config = TrainConfig(method="sgd", impl="analytic", learning_rate=1e-3, epochs=3)
    run = TrainingRun(data, config)
    records = list(run.records(StopAt(4 + 1 + 3)))  # epoch 0: 4 checks; in 1: at 0, 4096, 8192
    assert len(records) == 1
    expected = float_sgd(data, 1e-3, -10.0, -20.0, [10_000 + 8192])[10_000 + 8192]
    assert run.partial == EpochProgress(1, 8192, 10_000, *expected)
    assert (run.summarize().w, run.summarize().b) == expected


def test_a_stop_inside_a_minibatch_epoch_on_the_analytic_path():
    data = TUTORIAL.astype("float64")
    config = TrainConfig(method="minibatch", batch_size=7, impl="analytic",
                         learning_rate=0.01, epochs=5)
    run = TrainingRun(data, config)
    list(run.records(StopAt(stop_call(15, epoch=1, done=4))))
    assert run.partial == EpochProgress(1, 4, 15, *float_minibatch(data, 0.01, -10.0, -20.0,
                                                                   7, 15 + 4))


class Clock:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float):
        self.now, self.step = 1000.0, step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


def test_progress_only_once_an_epoch_has_lasted_the_interval(monkeypatch):
    # 100 updates an epoch: the clock is read after each; 0.1 ms each, an epoch lasts 10 ms
    monkeypatch.setattr("gdstudio.core.training.control.time", Clock(1e-4))
    reports = []
    config = TrainConfig(method="sgd", learning_rate=0.001, epochs=20)  # 200 ms in all
    list(train(TUTORIAL, config, TrainingControl(), reports.append))
    assert reports == []  # never a report
    # 2,000 updates an epoch: the clock is read every 7 updates, 1 ms each time: a report
    # every 50 readings, 350 updates
    monkeypatch.setattr("gdstudio.core.training.control.time", Clock(1e-3))
    data = random_line(2_000, seed=3)
    config = TrainConfig(method="sgd", learning_rate=0.001, epochs=2)
    list(train(data, config, None, reports.append))
    assert [p.epoch for p in reports] == [0] * 5 + [1] * 5
    assert all(p.done % 7 == 0 and abs(p.done - 350 * (i % 5 + 1)) <= 5 * 7
               for i, p in enumerate(reports))


class Readings:
    """The clock itself, each reading kept: what the ticker saw when it decided."""

    def __init__(self):
        self.values: list[float] = []

    def monotonic(self) -> float:
        self.values.append(time.monotonic())
        return self.values[-1]


@pytest.mark.slow
@pytest.mark.parametrize("impl", ["manual", "analytic"])
def test_progress_inside_the_first_epoch_on_large_data(impl, monkeypatch):
    data = random_line(1_000_000 if impl == "analytic" else 20_000, seed=1,
                       dtype="float64" if impl == "analytic" else "float32")
    lr = 1e-4
    config = TrainConfig(method="sgd", impl=impl, learning_rate=lr, epochs=1, init_w=-1.0,
                         init_b=1.0)
    clock = Readings()
    monkeypatch.setattr("gdstudio.core.training.control.time", clock)
    reports, when = [], []

    def progress(position):
        when.append(clock.values[-1])  # the reading the report was made on
        reports.append(position)

    # (the Python loop: compiled, this epoch is over before a report is due; the compiled
    # loop reports the same, tests/core/models/line/test_compiled.py)
    monkeypatch.setenv("GDSTUDIO_COMPILED", "0")
    records = list(train(data, config, None, progress))
    assert len(records) == 1
    assert reports, f"no report in an epoch that read the clock {len(clock.values)} times"
    assert all(p.epoch == 0 and p.total == len(data) for p in reports)
    done = [p.done for p in reports]
    assert done == sorted(set(done)) and 0 < done[0] and done[-1] < len(data)
    # the first report once the epoch (its first reading) has lasted the interval, each next
    # one at least the interval after the one before (on the clock the ticker read)
    assert when[0] - clock.values[0] >= PROGRESS_INTERVAL
    assert all(b - a >= PROGRESS_INTERVAL for a, b in itertools.pairwise(when))
    if impl == "analytic":
        expected = float_sgd(data, lr, -1.0, 1.0, done)
        assert [(p.w, p.b) for p in reports] == [expected[d] for d in done]
    else:
        p = reports[0]
        assert (p.w, p.b) == torch_sgd(data, lr, -1.0, 1.0, p.done)


# --------------------------------------------------------------------------- gdstudio train


def cli_files(tmp_path, args, name="cli"):
    out = tmp_path / name
    out.mkdir()
    code = cli_main(["train", *args, "--quiet", "--history", str(out / "h.csv"),
                     "--params", str(out / "p.csv")])
    return code, (out / "h.csv").read_text(), (out / "p.csv").read_text()


def worker_files(dataset, config, control=None):
    """The studio's training thread's run, run here in the test's thread."""
    from gdstudio.ui.threads.training_thread import TrainingWorker

    run = TrainingRun(dataset, config)
    worker = TrainingWorker(1, run, control or TrainingControl())
    records, ended = [], []
    worker.epochsCompleted.connect(lambda _, batch: records.extend(batch))
    worker.finished.connect(lambda *args: ended.append(args))
    worker.run()
    (_, status, _detail, summary), = ended
    return status, history_text(records), params_text([summary])


class SignalAt(StopAt):
    """Sends this process SIGINT at its ``stop_at``-th checkpoint, as Ctrl+C would."""

    def checkpoint(self):
        self.calls += 1
        if self.calls == self.stop_at:
            os.kill(os.getpid(), signal.SIGINT)  # its handler runs before the next line
        return TrainingControl.checkpoint(self)


@pytest.mark.parametrize("end", ["done", "stopped-between", "stopped-inside", "diverged"])
def test_the_cli_and_the_studio_end_a_run_alike(qtbot, tmp_path, monkeypatch, end):
    args = {"done": ["--epochs", "6", "--lr", "0.01"],
            "stopped-between": ["--epochs", "6", "--lr", "0.01"],
            "stopped-inside": ["--method", "sgd", "--lr", "0.01", "--epochs", "6"],
            "diverged": ["--lr", "5", "--epochs", "100"]}[end]
    config = TrainConfig(method="sgd" if end == "stopped-inside" else "batch",
                         learning_rate=5.0 if end == "diverged" else 0.01,
                         epochs=100 if end == "diverged" else 6, init_w=None, init_b=None)
    stop_at = {"stopped-between": 4, "stopped-inside": stop_call(100, epoch=3, done=41)}
    if end in stop_at:
        monkeypatch.setattr("gdstudio.core.training.engine.TrainingControl",
                            lambda: SignalAt(stop_at[end]))
    code, cli_history, cli_params = cli_files(tmp_path, args)
    status, history, params = worker_files(
        TUTORIAL, config, StopAt(stop_at[end]) if end in stop_at else None)
    assert code == {"done": 0, "diverged": 3}.get(end, 130)
    assert status == {"done": "done", "diverged": "diverged"}.get(end, "stopped")
    assert history == cli_history
    assert params.replace("run 1,", "") == cli_params.replace("run 1,", "")
    if end == "stopped-inside":
        row = dict(zip(*[line.split(",") for line in params.splitlines()], strict=False))
        w, b = torch_sgd(TUTORIAL, 0.01, float(row["init_w"]), float(row["init_b"]), 341)
        assert (float(row["w"]), float(row["b"]), row["epochs_done"]) == (w, b, "3")


def test_the_cli_stopped_inside_an_epoch_says_where(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("gdstudio.core.training.engine.TrainingControl",
                        lambda: SignalAt(stop_call(300, epoch=1, done=123)))
    code, history, params = cli_files(
        tmp_path, ["--method", "sgd", "--n-points", "300", "--epochs", "4", "--lr", "0.01"])
    out, err = capsys.readouterr()
    assert code == 130
    assert err == ("gdstudio train: stopped by SIGINT (Ctrl+C) in epoch 2 after 123 of 300 "
                   "updates; the history holds the 1 finished epoch(s), the parameters file "
                   "the w and b reached.\n")
    assert out.splitlines()[0].endswith(" after 1 epoch(s) and 123 of 300 updates of the next")
    header, row = (line.split(",") for line in params.splitlines())
    row = dict(zip(header, row, strict=True))
    data = random_line(300, seed=0)
    w, b = torch_sgd(data, 0.01, float(row["init_w"]), float(row["init_b"]), 300 + 123)
    assert (float(row["w"]), float(row["b"])) == (w, b)
    assert (row["status"], row["epochs_done"]) == ("stopped", "1")
    assert len(history.splitlines()) == 2  # the header and the one finished epoch
