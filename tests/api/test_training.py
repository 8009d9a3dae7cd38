"""``gdstudio.train(x, y, **settings)``: the numbers of ``gdstudio train`` bit for bit (its
``--history`` file's first four columns, its ``--params`` row, its final lines), the command
line's messages for bad settings, one line for bad points, no printing, a warning for a
diverged run; ``import gdstudio`` loads none of the heavy libraries."""

from __future__ import annotations

import csv
import dataclasses
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import gdstudio
from gdstudio.cli.main import main
from gdstudio.core.files.session import Session, write_session
from gdstudio.core.settings.config import TrainConfig
from tests.paths import ROOT

#: One small run of each kind: both models, every method and implementation, the losses,
#: the optimizers with their settings, no bias, standardizing, a schedule, the stop rule,
#: float64, the noisy line's options, a drawn start.
SPREAD = {
    "default": {"epochs": 4},
    "sgd-shuffled": {"method": "sgd", "shuffle": True, "seed": 3, "lr": 0.01, "epochs": 3,
                     "n_points": 30},
    "minibatch-module-momentum": {"method": "minibatch", "batch_size": 7, "impl": "module",
                                  "momentum": 0.9, "nesterov": True, "lr": 0.02, "epochs": 4,
                                  "init_w": -1.5, "init_b": 2.0},
    "adam-huber-schedule": {"method": "minibatch", "batch_size": 16, "impl": "module",
                            "optimizer": "adam", "beta1": 0.8, "eps": 1e-7, "loss": "huber",
                            "huber_delta": 0.5, "lr": 0.3, "epochs": 6,
                            "lr_schedule": "step", "lr_step_size": 2, "lr_gamma": 0.5},
    "rmsprop-mae-decay": {"impl": "module", "optimizer": "rmsprop", "alpha": 0.9,
                          "momentum": 0.5, "weight_decay": 0.01, "loss": "mae", "lr": 0.05,
                          "epochs": 4, "lr_schedule": "exponential", "lr_gamma": 0.9},
    "adagrad": {"impl": "module", "optimizer": "adagrad", "lr": 0.5, "epochs": 3},
    "analytic-no-bias": {"impl": "analytic", "no_bias": True, "lr": 0.01, "epochs": 5,
                         "slope": 2.5, "noise": 0.1},
    "analytic-minibatch": {"impl": "analytic", "method": "minibatch", "batch_size": 9,
                           "lr": 0.01, "epochs": 3},
    "standardized": {"standardize": True, "method": "sgd", "lr": 0.05, "epochs": 3,
                     "x_min": 1.0, "x_max": 3.0, "x_step": 0.25, "intercept": 7.0},
    "tol-converges": {"lr": 0.1, "epochs": 200, "tol": 1e-3, "noise": 0.0, "x_step": 0.5},
    "float64": {"float64": True, "lr": 0.02, "epochs": 4, "seed": 9, "n_points": 25},
    "logistic": {"model": "logistic", "lr": 0.5, "epochs": 4},
    "logistic-logits-module": {"model": "logistic", "loss": "bce-logits", "impl": "module",
                               "optimizer": "adam", "lr": 0.1, "epochs": 3, "seed": 2},
    "logistic-analytic-sgd": {"model": "logistic", "impl": "analytic", "method": "sgd",
                              "shuffle": True, "lr": 0.1, "epochs": 2, "no_bias": True},
    "logistic-mse-float64": {"model": "logistic", "loss": "mse", "lr": 1.0, "epochs": 3,
                             "float64": True},
}


def argv_of(settings: dict) -> list[str]:
    """``gdstudio train``'s arguments for the keywords (written here, not by the API)."""
    argv = []
    for name, value in settings.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value is not False and value is not None:
            argv += [flag, repr(value) if isinstance(value, float) else str(value)]
    return argv


def run_cli(tmp_path, capsys, argv: list[str]) -> dict:
    """``gdstudio train ARGV --quiet --history --params`` in this process: its exit code,
    printed lines, error line, history (first four columns) and parameters row."""
    history, params = tmp_path / "h.csv", tmp_path / "p.csv"
    code = main(["train", *argv, "--quiet", "--history", str(history), "--params", str(params)])
    out, err = capsys.readouterr()
    table = "".join(",".join(line.split(",")[:4]) + "\n"
                    for line in history.read_text().splitlines())
    with open(params, newline="") as handle:
        header, row = list(csv.reader(handle))
    return {"code": code, "out": out.splitlines(), "err": err.splitlines(), "table": table,
            "params": dict(zip(header, row, strict=True))}


def cell_text(value) -> str:
    """A summary value as the parameters file writes it."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def assert_same_run(run, cli):
    assert run.table() == cli["table"]
    assert run.report == tuple(cli["out"])
    assert {k: cell_text(v) for k, v in run.summary.items()} == cli["params"]
    assert run.status == cli["params"]["status"]
    rows = [line.split(",") for line in cli["table"].splitlines()[1:]]
    assert run.epoch.dtype == np.int64 and run.epoch.tolist() == [int(r[0]) for r in rows]
    for column, values in enumerate((run.loss, run.w, run.b), start=1):
        assert values.dtype == np.float64
        assert [v.hex() for v in values.tolist()] == [float(r[column]).hex() for r in rows]


@pytest.mark.parametrize("settings", SPREAD.values(), ids=SPREAD.keys())
def test_the_default_data_and_settings_are_those_of_the_command_line(tmp_path, capsys,
                                                                      settings):
    cli = run_cli(tmp_path, capsys, argv_of(settings))
    assert cli["code"] == 0, cli["err"]
    run = gdstudio.train(**settings)
    assert capsys.readouterr() == ("", "")  # nothing printed
    assert_same_run(run, cli)
    assert run.message == "" and len(run.epoch) == run.summary["epochs_done"]


def test_the_stop_rule_and_the_schedule_are_reported(tmp_path, capsys):
    run = gdstudio.train(**SPREAD["tol-converges"])
    assert run.status == "converged" and len(run.epoch) < 200
    assert run.summary["stopped_by"] in ("loss_change", "gradient_norm")
    assert any("(of 200 planned)" in line for line in run.report)


def points_csv(tmp_path, x, y) -> str:
    path = tmp_path / "points.csv"
    rows = zip(x, y, strict=True)
    path.write_text("x,y\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in rows))
    return str(path)


X = [0.5, -1.25, 3.0, 2.2, 7.1, -0.3, 1.0000001, 4.4]
Y = [1.0, -2.0, 5.5, 4.1, 13.9, 0.2, 2.0, 9.3]
LABELS = [0, 0, 1, 1, 1, 0, 1, 1]


@pytest.mark.parametrize("kind", ["list", "tuple", "float64 array", "float32 array",
                                  "int-free torch tensor", "generator"])
@pytest.mark.parametrize("settings", [
    {"lr": 0.01, "epochs": 4, "init_w": 0.0, "init_b": 0.0},
    {"float64": True, "method": "minibatch", "batch_size": 3, "shuffle": True, "lr": 0.01,
     "epochs": 3},
    {"model": "logistic", "lr": 0.5, "epochs": 3},
], ids=["line", "line-float64", "logistic"])
def test_points_are_read_as_the_csv_reader_reads_them(tmp_path, capsys, kind, settings):
    """x, y given as a list, numpy arrays, a torch tensor...: the run of the same numbers
    written to a CSV file and given to --data (float32 rounds them as the reader does)."""
    y_values = LABELS if settings.get("model") == "logistic" else Y
    x_csv, y_csv = X, y_values
    if kind == "float32 array":  # (its numbers are float32's, in a float64 run too)
        x_csv, y_csv = (np.asarray(v, dtype=np.float32).tolist() for v in (X, y_values))
    cli = run_cli(tmp_path, capsys, ["--data", points_csv(tmp_path, x_csv, y_csv),
                                     *argv_of(settings)])
    assert cli["code"] == 0, cli["err"]
    if kind == "list":
        x, y = list(X), list(y_values)
    elif kind == "tuple":
        x, y = tuple(X), tuple(y_values)
    elif kind == "float64 array":
        x, y = np.asarray(X), np.asarray(y_values, dtype=np.float64)
    elif kind == "float32 array":
        x, y = np.asarray(X, dtype=np.float32), np.asarray(y_values, dtype=np.float32)
    elif kind == "generator":
        x, y = (v for v in X), iter(y_values)
    else:
        import torch

        x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
        y = torch.tensor(y_values, dtype=torch.float64)
    run = gdstudio.train(x, y, **settings)
    assert_same_run(run, cli)


def test_logistic_labels_may_be_booleans_and_minus_zero(tmp_path, capsys):
    x = np.asarray(X)
    cli = run_cli(tmp_path, capsys, ["--data", points_csv(tmp_path, X, LABELS), "--model",
                                     "logistic", "--epochs", "3"])
    labels = np.asarray(LABELS, dtype=bool)
    assert_same_run(gdstudio.train(x, labels, model="logistic", epochs=3), cli)
    signed = [-0.0 if v == 0 else 1.0 for v in LABELS]
    assert_same_run(gdstudio.train(x, signed, model="logistic", epochs=3), cli)


def test_a_session_trains_as_the_command_line_trains_it(tmp_path, capsys):
    x = np.linspace(-2, 3, 17, dtype=np.float32)
    y = (1.5 * x + 0.25).astype(np.float32)
    session = tmp_path / "s.gdstudio"
    write_session(session, Session(x, y, "float32", TrainConfig(
        method="minibatch", batch_size=4, learning_rate=0.03, epochs=3, seed=4, init_w=None)))
    cli = run_cli(tmp_path, capsys, ["--session", str(session), "--lr", "0.02"])
    assert cli["code"] == 0, cli["err"]
    run = gdstudio.train(session=str(session), lr=0.02)
    assert_same_run(run, cli)
    assert run.settings.batch_size == 4 and run.settings.learning_rate == 0.02


def test_a_diverged_run_returns_its_history_and_warns_once(tmp_path, capsys):
    settings = {"lr": 1.0, "epochs": 6}
    cli = run_cli(tmp_path, capsys, argv_of(settings))
    assert cli["code"] == 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = gdstudio.train(**settings)
    assert capsys.readouterr() == ("", "")
    assert run.status == "diverged"
    assert_same_run(run, cli)
    assert cli["err"] == [f"gdstudio train: {run.message}"]
    assert [(w.category, str(w.message)) for w in caught] == [(RuntimeWarning, run.message)]
    assert caught[0].filename == __file__  # (the caller's line, not the package's)
    assert repr(run).splitlines() == [
        "<gdstudio run: diverged, 3 epochs of 100 points; batch, manual autograd, lr=1>",
        *cli["out"], run.message]


def test_a_saturated_logistic_run_says_so(tmp_path, capsys):
    settings = {"model": "logistic", "lr": 1000.0, "epochs": 3}
    cli = run_cli(tmp_path, capsys, argv_of(settings))
    with pytest.warns(RuntimeWarning, match="log\\(0\\)"):
        run = gdstudio.train(**settings)
    assert run.status == "diverged" and cli["err"] == [f"gdstudio train: {run.message}"]
    assert_same_run(run, cli)


def test_the_run_is_a_frozen_record():
    run = gdstudio.train([1.0, 2.0, 3.0], [2.0, 4.0, 6.5], epochs=2, lr=0.01, init_w=0.0,
                         init_b=0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.status = "done!"
    with pytest.raises(ValueError, match="read-only"):
        run.loss[0] = 0.0
    assert run.settings == TrainConfig(learning_rate=0.01, epochs=2, init_w=0.0, init_b=0.0)
    assert run.table().splitlines()[0] == "epoch,loss,w,b"
    assert repr(run).splitlines()[0] == ("<gdstudio run: done, 2 epochs of 3 points; batch, "
                                         "manual autograd, lr=0.01>")


# --------------------------------------------------------------------------- refusals

#: Keywords and the command line's arguments for the same bad settings: the message is the
#: command line's, without "gdstudio train: " and "(see 'gdstudio train --help')".
AS_THE_CLI = [
    ({"lr": -1}, ["--lr", "-1"]),
    ({"lr": 0}, ["--lr", "0"]),
    ({"lr": "fast"}, ["--lr", "fast"]),
    ({"lr": float("nan")}, ["--lr", "nan"]),
    ({"lr": float("inf")}, ["--lr", "inf"]),
    ({"epochs": 0}, ["--epochs", "0"]),
    ({"epochs": 2.5}, ["--epochs", "2.5"]),
    ({"batch_size": 0, "method": "minibatch"}, ["--batch-size", "0", "--method", "minibatch"]),
    ({"method": "newton"}, ["--method", "newton"]),
    ({"model": "tree"}, ["--model", "tree"]),
    ({"loss": "bce"}, ["--loss", "bce"]),
    ({"momentum": 1.0, "impl": "module"}, ["--momentum", "1", "--impl", "module"]),
    ({"momentum": 0.5}, ["--momentum", "0.5"]),
    ({"nesterov": True, "impl": "module"}, ["--nesterov", "--impl", "module"]),
    ({"seed": -1}, ["--seed", "-1"]),
    ({"standardize": True, "no_bias": True}, ["--standardize", "--no-bias"]),
    ({"model": "logistic", "slope": 2.0}, ["--model", "logistic", "--slope", "2"]),
    ({"n_points": 0}, ["--n-points", "0"]),
    ({"x_step": 0.0}, ["--x-step", "0"]),
    ({"lr_gamma": 2.0, "lr_schedule": "step"}, ["--lr-gamma", "2", "--lr-schedule", "step"]),
    ({"data": ""}, ["--data", ""]),
    ({"data": "missing.csv"}, ["--data", "missing.csv"]),
    ({"data": "d.csv", "slope": 1.0}, ["--data", "d.csv", "--slope", "1"]),
    ({"session": "s.gdstudio", "float64": True}, ["--session", "s.gdstudio", "--float64"]),
    ({"init_w": 1e300, "lr": 1e10}, ["--init-w", "1e300", "--lr", "1e10"]),
]


@pytest.mark.parametrize(("settings", "argv"), AS_THE_CLI, ids=[str(s) for s, _ in AS_THE_CLI])
def test_bad_settings_raise_the_command_lines_message(tmp_path, capsys, monkeypatch,
                                                      settings, argv):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *argv, "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    said = err.strip().removeprefix("gdstudio train: ").removesuffix(
        " (see 'gdstudio train --help')")
    with pytest.raises(ValueError) as raised:
        gdstudio.train(**settings)
    assert str(raised.value) == said
    assert capsys.readouterr() == ("", "")


HINT = " (the settings are gdstudio train's options with underscores: see help(gdstudio.train))"


@pytest.mark.parametrize(("args", "settings", "message"), [
    ((), {"lrr": 0.1}, f"unknown setting 'lrr'; the closest is 'lr'{HINT}"),
    ((), {"learning_rate": 0.1}, f"unknown setting 'learning_rate'; the closest is 'lr'{HINT}"),
    ((), {"fit_bias": False}, f"unknown setting 'fit_bias'; the closest is 'no_bias'{HINT}"),
    ((), {"batchsize": 4}, f"unknown setting 'batchsize'; the closest is 'batch_size'{HINT}"),
    ((), {"history": "h.csv"}, "history is an output of the command line; gdstudio.train "
     "returns the history: run.epoch, run.loss, run.w, run.b, and run.table() for the "
     "epoch,loss,w,b text"),
    ((), {"params": "p.csv"}, "params is an output of the command line; gdstudio.train "
     "returns the parameters file's columns as run.summary"),
    ((), {"figure": "f.png"}, "figure is an output of the command line; plot run.loss and "
     "the data with matplotlib, or see the run in the studio with gdstudio.open(x, y, ...)"),
    ((), {"script": "run.py"}, "script is an output of the command line; write the run's "
     "script with the command line, gdstudio train ... --script FILE.py"),
    ((), {"notebook": "run.ipynb"}, "notebook is an output of the command line; write the "
     "run's notebook with the command line, gdstudio train ... --notebook FILE.ipynb"),
    ((), {"quiet": True}, "quiet is an output of the command line; gdstudio.train prints "
     "nothing"),
    ((), {"shuffle": 1}, "shuffle must be True or False, got 1"),
    ((), {"no_bias": "yes"}, "no_bias must be True or False, got 'yes'"),
    (([1.0, 2.0], None), {}, "give both x and y (the points), or neither (the tutorial's noisy "
     "line, or data=FILE.csv, or session=FILE.gdstudio)"),
    (([1.0], [2.0]), {"slope": 3.0}, "slope cannot be given with x and y: x and y are the data "
     "(leave them out to train on the tutorial's noisy line)"),
    (([1.0], [2.0]), {"intercept": 0.0}, "intercept cannot be given with x and y: x and y "
     "are the data (leave them out to train on the tutorial's noisy line)"),
    (([1.0], [2.0]), {"generate": True}, "generate cannot be given with x and y: x and y "
     "are the data (leave them out to train on the tutorial's noisy line)"),
    (([1.0], [2.0]), {"data": "points.csv"}, "data cannot be given with x and y: x and y "
     "are the data (leave them out to train on a CSV file's points)"),
    (([1.0], [2.0]), {"session": "s.gdstudio"}, "session cannot be given with x and y: x and "
     "y are the data (leave them out to train on a session's data and settings)"),
    (([1.0, 2.0], [2.0]), {}, "x and y must have the same length, a y for each x; got 2 x and "
     "1 y"),
    (([[1.0], [2.0]], [1.0, 2.0]), {}, "x must be one-dimensional: a sequence of numbers, one "
     "per point; got an array of shape (2, 1) (a column: pass x.ravel(), or x.view(-1) for a "
     "tensor)"),
    (([1.0, 2.0], np.ones((1, 2))), {}, "y must be one-dimensional: a sequence of numbers, one "
     "per point; got an array of shape (1, 2) (a column: pass y.ravel(), or y.view(-1) for a "
     "tensor)"),
    ((np.ones((2, 2)), [1.0, 2.0]), {}, "x must be one-dimensional: a sequence of numbers, one "
     "per point; got an array of shape (2, 2)"),
    ((3.0, [1.0]), {}, "x must be one-dimensional: a sequence of numbers, one per point; got "
     "3.0"),
    (([1.0, [2.0, 3.0]], [1.0, 2.0]), {}, "x must be one-dimensional: a sequence of numbers, "
     "one per point"),
    (([1.0, 2.0], [1.0, "2"]), {}, "y[1] is '2', not a number"),
    (([1.0, None], [1.0, 2.0]), {}, "x[1] is None, not a number"),
    ((np.array(["a", "b"]), [1.0, 2.0]), {}, "x[0] is 'a', not a number"),
    (([1j, 2.0], [1.0, 2.0]), {}, "x holds complex numbers; give real numbers"),
    (([1.0, float("nan")], [1.0, 2.0]), {}, "x[1] is NaN; only finite numbers are allowed."),
    (([1.0, 2.0], [float("-inf"), 2.0]), {}, "y[0] is infinite; only finite numbers are "
     "allowed."),
    (([1.0, 1e39], [1.0, 2.0]), {}, "x[1] = 1e+39 is too large for float32 (largest "
     "3.40282e+38); read it as float64 (float64=True)."),
    (([1.0, 2.0], [1.0, 1e-46]), {}, "y[1] = 1e-46 is too small for float32: it would read as "
     "0 (the smallest nonzero float32 is 1.4e-45); read it as float64 (float64=True)."),
    (([], []), {}, "The data set is empty: add at least one point before training."),
    (([1.0, 2.0, 3.0], [0, 1, 0.5]), {"model": "logistic"}, "y[2]: the label must be 0 or 1, "
     "got 0.5."),
    (([1.0, 2.0, 3.0], [0, 2, 1]), {"model": "logistic"}, "y[1]: the label must be 0 or 1, "
     "got 2."),
    (([1.0, 2.0], [1.0, 2.0]), {"lr": -1}, "The learning rate must be positive, got -1.0."),
])
def test_each_refusal_is_one_line(capsys, args, settings, message):
    with pytest.raises(ValueError) as raised:
        gdstudio.train(*args, **settings)
    assert str(raised.value) == message
    assert capsys.readouterr() == ("", "")


def test_large_and_tiny_numbers_are_kept_in_float64():
    run = gdstudio.train([1.0, 1e39, 2.0], [1.0, 2.0, 1e-46], float64=True, epochs=1,
                         lr=1e-90, init_w=0.0, init_b=0.0)
    assert run.summary["dtype"] == "float64" and run.status == "done"


# --------------------------------------------------------------------------- imports


def test_importing_gdstudio_loads_no_heavy_library():
    """A real interpreter (the forked helper has torch loaded already)."""
    code = textwrap.dedent("""
        import sys
        import gdstudio
        import gdstudio.api.training, gdstudio.api.run_input
        heavy = ("torch", "PySide6", "shiboken6", "pyqtgraph", "numba", "nbformat",
                 "matplotlib")
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------- odd inputs


class _Column:
    """A data frame's column as some libraries give it: ``to_numpy()`` and iteration, but
    no ``__array__``."""

    def __init__(self, values):
        self._values = np.asarray(values, dtype=np.float64)

    def to_numpy(self):
        return self._values

    def __len__(self):
        return len(self._values)

    def __iter__(self):
        return iter(self._values.tolist())


def test_a_column_with_to_numpy_trains_as_its_numbers():
    x, y = [0.0, 1.0, 2.5, 4.0], [1.0, 2.5, 6.0, 9.5]
    run = gdstudio.train(_Column(x), _Column(y), epochs=3)
    assert run.table() == gdstudio.train(x, y, epochs=3).table()


def test_an_integer_beyond_float64_is_refused_in_one_line():
    with pytest.raises(ValueError) as raised:
        gdstudio.train([1, 2**1100, 3], [1.0, 2.0, 3.0], float64=True)
    assert str(raised.value) == ("x[1] = 1.35830e+331 is too large for float64 (largest "
                                 "1.79769e+308).")


def test_epochs_beyond_the_memory_are_refused_before_training(monkeypatch):
    """The history is kept in memory (32 bytes an epoch): as the window does, a run whose
    history needs more than half of the memory available is refused, at once."""
    import gdstudio.ui.studio.memory as memory

    monkeypatch.setattr(memory, "available_memory", lambda: 2 * 32 * 1000)
    with pytest.raises(ValueError) as raised:
        gdstudio.train([1.0, 2.0], [2.0, 3.0], epochs=1001)
    assert str(raised.value) == (
        "Not enough memory for 1,001 epochs: their history needs 0 MB, and 0 MB of memory is "
        "available (a run may use half). Lower the epochs to 1,000 or fewer.")
    assert len(gdstudio.train([1.0, 2.0], [2.0, 3.0], epochs=1000).epoch) == 1000


def test_the_history_is_kept_in_32_bytes_an_epoch():
    """A longer run costs its history's numbers, not Python objects (about 350 bytes an
    epoch: 1e8 epochs would need 35 GB)."""
    import tracemalloc

    def peak(epochs: int) -> int:
        tracemalloc.start()
        try:
            run = gdstudio.train([1.0, 2.0], [2.0, 3.0], epochs=epochs, impl="analytic")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert len(run.epoch) == epochs

    gdstudio.train([1.0, 2.0], [2.0, 3.0], epochs=2, impl="analytic")  # (compiled, cached)
    assert (peak(2500) - peak(500)) / 2000 < 100
