"""The code behind a run: the generated PyTorch script, run in a fresh interpreter, prints the
studio's history bit for bit (the analytic implementation: to its stated precision).

Every case's script is written to a file, and one subprocess (the venv's python) runs all of
them (``runpy``, each with its own stdout), so the matrix costs one torch import. One case is
also run as ``python run.py`` on its own, and the CLI's ``--script`` file is run as written.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset, noisy_line, random_line
from gdstudio.core.models.line.script import script_text
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.torch_threads import threads_for, torch_threads
from gdstudio.core.training.engine import run_epochs
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.results import history_row
from tests.core.models.line.test_parity_analytic import (
    EPS32,
    EPS64,
    check_losses,
    drift_bounds,
    parameter_gaps,
)


def small_line(dtype="float32") -> Dataset:
    """The tutorial's noisy line, 20 points (x from -5 by 0.5)."""
    return noisy_line(x_step=0.5, dtype=dtype)


def offset_line(dtype="float32") -> Dataset:
    """x = 1e4 + 0.25 i: offset data, where sums of raw values cancel."""
    i = np.arange(16)
    noise = np.random.default_rng(1).standard_normal(16)
    return Dataset((1e4 + 0.25 * i).astype(dtype), (2.0 * 0.25 * i - 3.0 + 0.1 * noise)
                   .astype(dtype))


def tiny(dtype="float32") -> Dataset:
    return Dataset.from_points([(0.5, 1.0)], dtype=dtype)


def pair(dtype="float32") -> Dataset:
    return Dataset.from_points([(1.0, 2.0), (3.0, 1.0)], dtype=dtype)


DATA = {"line": small_line, "offset": offset_line, "tiny": tiny, "pair": pair,
        "line64": lambda: small_line("float64")}

OPTIMIZERS = {
    "sgd": {"optimizer": "sgd", "learning_rate": 0.02},
    "sgd-momentum": {"optimizer": "sgd", "learning_rate": 0.005, "momentum": 0.9},
    "sgd-nesterov-wd": {"optimizer": "sgd", "learning_rate": 0.005, "momentum": 0.5,
                        "nesterov": True, "weight_decay": 0.01},
    "adam": {"optimizer": "adam", "learning_rate": 0.1, "beta1": 0.8, "beta2": 0.99},
    "rmsprop": {"optimizer": "rmsprop", "learning_rate": 0.01, "momentum": 0.3,
                "alpha": 0.9, "eps": 1e-6},
    "adagrad": {"optimizer": "adagrad", "learning_rate": 0.5, "weight_decay": 0.001},
}
LOSSES = {"mse": {"loss": "mse"}, "mae": {"loss": "mae"},
          "huber": {"loss": "huber", "huber_delta": 0.5}}
METHODS = {"batch": {"method": "batch"}, "sgd": {"method": "sgd"},
           "minibatch": {"method": "minibatch", "batch_size": 3}}


DIVERGING = ("diverges", "diverges-sgd", "diverges-batch", "overflows", "diverges-standardized")


def _matrix() -> dict[str, tuple[str, dict]]:
    """Case id -> (data name, settings)."""
    cases = {}
    start = {"init_w": -1.0, "init_b": 2.0, "epochs": 4}
    for method, m in METHODS.items():
        for shuffle in ((False, True) if method != "batch" else (False,)):
            for seed in ((0, 7) if shuffle else (0,)):
                for loss, los in LOSSES.items():
                    base = {**start, **m, **los, "shuffle": shuffle, "seed": seed}
                    tag = f"{method}-{'shuffled-' if shuffle else ''}s{seed}-{loss}"
                    for impl in ("manual", "analytic"):
                        lr = 0.02 if loss == "mse" else 0.05
                        cases[f"{impl}-{tag}"] = ("line", {**base, "impl": impl,
                                                           "learning_rate": lr})
                    for name, opt in OPTIMIZERS.items():
                        cases[f"module-{name}-{tag}"] = ("line", {**base, "impl": "module",
                                                                  **opt})
    # the rest of the options, on each implementation
    extra = {
        "no-bias": ("line", {"fit_bias": False, "method": "minibatch", "batch_size": 4,
                             "shuffle": True, "seed": 3}),
        "random-start": ("line", {"init_w": None, "init_b": None, "seed": 5,
                                  "method": "sgd", "shuffle": True}),
        "random-w": ("line", {"init_w": None, "init_b": 0.5, "seed": 9}),
        "random-no-bias": ("line", {"init_w": None, "fit_bias": False, "seed": 11}),
        "standardize": ("offset", {"standardize": True, "learning_rate": 0.1,
                                   "method": "minibatch", "batch_size": 5, "shuffle": True}),
        "standardize-random": ("line", {"standardize": True, "init_w": None, "init_b": None,
                                        "seed": 2, "learning_rate": 0.1}),
        "standardize-huber": ("offset", {"standardize": True, "loss": "huber",
                                         "huber_delta": 0.3, "learning_rate": 0.2}),
        "standardize-mae": ("line", {"standardize": True, "loss": "mae", "method": "sgd",
                                     "learning_rate": 0.01}),
        "offset": ("offset", {"learning_rate": 1e-9, "init_w": 0.0, "init_b": 0.0}),
        "offset-sgd": ("offset", {"learning_rate": 1e-9, "method": "sgd", "init_w": 0.0,
                                  "init_b": 0.0}),
        "tiny": ("tiny", {"method": "sgd", "shuffle": True, "learning_rate": 0.1}),
        "tiny-minibatch": ("tiny", {"method": "minibatch", "batch_size": 5, "shuffle": True}),
        "pair-minibatch-full": ("pair", {"method": "minibatch", "batch_size": 2,
                                         "learning_rate": 0.05}),
        "pair-shuffled-full": ("pair", {"method": "minibatch", "batch_size": 2,
                                        "shuffle": True, "learning_rate": 0.05}),
        "float64": ("line64", {"method": "minibatch", "batch_size": 6, "shuffle": True,
                               "learning_rate": 0.01}),
        "float64-huber": ("line64", {"loss": "huber", "learning_rate": 0.05}),
        # runs that diverge: the studio's history ends there, and so does the script's table
        "diverges": ("line", {"method": "minibatch", "batch_size": 3, "learning_rate": 0.1,
                              "epochs": 40}),
        "diverges-sgd": ("line", {"method": "sgd", "learning_rate": 0.3, "epochs": 10}),
        "diverges-batch": ("line", {"learning_rate": 0.3, "epochs": 40}),
        "overflows": ("line", {"learning_rate": 1e36}),
        "diverges-standardized": ("offset", {"standardize": True, "learning_rate": 1.5,
                                             "epochs": 40}),
        # learning-rate schedules and the stop rule, as the engine runs them
        "step-schedule": ("line", {"lr_schedule": "step", "lr_step_size": 2,
                                   "lr_gamma": 0.5, "learning_rate": 0.05, "epochs": 7}),
        "exp-schedule-sgd": ("line", {"lr_schedule": "exponential", "lr_gamma": 0.8,
                                      "method": "sgd", "shuffle": True, "seed": 4,
                                      "learning_rate": 0.03, "epochs": 6}),
        "step-schedule-minibatch": ("offset", {"lr_schedule": "step", "lr_step_size": 3,
                                               "lr_gamma": 0.1, "method": "minibatch",
                                               "batch_size": 4, "learning_rate": 1e-9,
                                               "epochs": 7}),
        "tol-loss": ("line", {"tol": 0.02, "learning_rate": 0.02, "epochs": 60}),
        "tol-minibatch": ("line", {"tol": 0.05, "method": "minibatch", "batch_size": 4,
                                   "shuffle": True, "seed": 1, "learning_rate": 0.02,
                                   "epochs": 60}),
        "tol-standardized": ("line", {"tol": 1e-3, "standardize": True, "learning_rate": 0.3,
                                      "epochs": 80}),
    }
    for name, (data, settings) in extra.items():
        settings = {"epochs": 5, "init_w": -1.0, "init_b": 2.0, "learning_rate": 0.01,
                    **settings}
        for impl in ("manual", "module", "analytic"):
            if impl == "analytic" and name in DIVERGING:
                continue  # (float64 steps may diverge an epoch apart from float32 ones)
            cases[f"{impl}-{name}"] = (data, {**settings, "impl": impl})
        if name not in DIVERGING:
            cases[f"module-adam-{name}"] = (data, {**settings, "impl": "module",
                                                   "optimizer": "adam", "learning_rate": 0.05})
    return cases


CASES = _matrix()


def studio_rows(dataset: Dataset, config: TrainConfig) -> tuple[list[str], bool]:
    """The studio's history, as ``epoch,loss,w,b`` rows of ``gdstudio train --history``, and
    whether the run diverged."""
    run = TrainingRun(dataset, config)
    rows = [",".join(history_row(r).split(",")[:4]) for r in run.records()]
    assert (len(rows) == config.epochs or run.diverged is not None
            or run.converged is not None)
    return rows, run.diverged is not None


RUNNER = """
import contextlib, io, json, runpy, sys
out = {}
for path in sys.argv[1:]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(path, run_name="__main__")
    out[path] = buffer.getvalue()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def script_folder(tmp_path_factory) -> Path:
    """A folder for the scripts of every case."""
    return tmp_path_factory.mktemp("scripts")


@pytest.fixture(scope="module")
def script_output(script_folder):
    """Every case's script (and those of :func:`scheduled_scripts`), run in one fresh
    interpreter: case id -> its printed lines."""
    folder = script_folder
    paths = {}
    texts = {case: script_text(DATA[data](), TrainConfig(**settings))
             for case, (data, settings) in CASES.items()}
    texts.update(scheduled_scripts())
    texts.update({case: script_text(large_data(), TrainConfig(**settings))
                  for case, settings in LARGE.items()})
    for case, text in texts.items():
        path = folder / f"{case}.py"
        path.write_text(text, encoding="utf-8")
        paths[str(path)] = case
    done = subprocess.run([sys.executable, "-c", RUNNER, *paths], capture_output=True,
                          text=True, timeout=600, cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    printed = json.loads(done.stdout)
    return {paths[p]: text.splitlines() for p, text in printed.items()}


#: Runs on data large enough that torch shares its sums among threads (more than 32k numbers).
LARGE = {f"large-{impl}": {"impl": impl, "epochs": 3, "learning_rate": 1e-4, "init_w": -1.0,
                           "init_b": 1.0} for impl in ("manual", "module")}


def large_data() -> Dataset:
    return random_line(100_000, seed=0)


@pytest.mark.parametrize("case", LARGE)
def test_script_on_large_data_trains_with_the_studios_threads(case, script_output):
    """How a sum rounds depends on how many threads share it: the script sets the thread
    count the engine trains with, so its table is still the studio's bit for bit."""
    data, config = large_data(), TrainConfig(**LARGE[case])
    assert f"torch.set_num_threads({threads_for(len(data))})" in script_text(data, config)
    other = 2 if threads_for(len(data)) == 1 else 1  # (not the studio's)
    with torch_threads(other):  # whatever the caller's: the engine's are the studio's
        expected, _ = studio_rows(data, config)
    assert script_output[case] == ["epoch,loss,w,b", *expected]


def _table(lines: list[str]) -> list[tuple[int, float, float, float]]:
    assert lines[0] == "epoch,loss,w,b"
    return [(int(e), float(loss), float(w), float(b))
            for e, loss, w, b in (line.split(",") for line in lines[1:])]


@pytest.mark.parametrize("case", [c for c, (_, s) in CASES.items() if s["impl"] != "analytic"])
def test_script_prints_the_studio_history_bit_for_bit(case, script_output):
    data, settings = CASES[case]
    expected, diverged = studio_rows(DATA[data](), TrainConfig(**settings))
    assert diverged == any(case.endswith(name) for name in DIVERGING)
    assert script_output[case] == ["epoch,loss,w,b", *expected]


@pytest.mark.parametrize("case", [c for c, (_, s) in CASES.items() if s["impl"] == "analytic"])
def test_analytic_script_is_its_autograd_equivalent_to_the_stated_precision(case,
                                                                            script_output):
    data_name, settings = CASES[case]
    data, config = DATA[data_name](), TrainConfig(**settings)
    script = [row[1:] for row in _table(script_output[case])]
    run = check_stated_precision(data, config, script)
    assert len(script) == config.epochs or run.converged is not None


def check_stated_precision(data: Dataset, config: TrainConfig, script: list) -> TrainingRun:
    """The analytic run's ``script`` rows (loss, w, b), printed by its autograd equivalent,
    within the precision the script's header states: as many rows as the studio's history,
    w and b bit for bit in stochastic descent, else within the drift bound; the loss to the
    data type's rounding plus the parameters' gap. The run, for more checks."""
    run = TrainingRun(data, config)
    studio = [(r.loss, r.w, r.b) for r in run.records()]
    assert len(script) == len(studio)
    start = run.init
    eps = EPS32 if data.dtype == "float32" else EPS64
    if config.method == "sgd":  # w and b bit for bit
        assert [s[1:] for s in script] == [s[1:] for s in studio]
    slack = 0.0
    if config.standardize:  # the precision holds in the units the run trains in
        std = run.standardized
        data, start = std.dataset, std.init
        if data.dtype == "float32":  # (the analytic path starts where float32 tensors do)
            start = tuple(float(np.float32(v)) for v in start)
        studio = [(r.loss, r.w, r.b)
                  for r in run_epochs(data, config, std.init)][:len(script)]
        # the script's rows back in standardized units: a few float64 roundings
        to_std = std.standardization.to_standardized
        script = [(loss / std.factor, *to_std(w, b)) for loss, w, b in script]
        slack = 16 * EPS64 * max(abs(v) for row in script for v in row[1:])
    if config.method != "sgd":
        n = len(data)
        size = n if config.method == "batch" else min(config.batch_size, n)
        k = -(-n // size)
        gaps = parameter_gaps(studio, script)
        bounds = drift_bounds(script, start, k, eps)
        assert all(g <= bound + slack for g, bound in zip(gaps, bounds, strict=True)), \
            (gaps, bounds)
    check_losses(studio, script, data, start, config.loss, config.huber_delta,
                 reference_eps=eps)
    return run


def test_every_script_is_clean_python(script_folder, script_output):
    """The scripts are plain Python as a tutorial would print it: ruff finds nothing (pycodestyle
    errors and warnings, pyflakes, import order; lines up to 100 characters)."""
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run([str(ruff), "check", "--isolated", "--select", "E,W,F,I",
                           "--line-length", "100", "--output-format", "concise", "."],
                          cwd=script_folder, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
    assert len(list(script_folder.glob("*.py"))) == len(CASES) + len(SCHEDULED) + len(LARGE)


def test_the_matrix_covers_every_choice():
    configs = [TrainConfig(**s) for _, s in CASES.values()]
    seen = {key: {str(getattr(c, key)) for c in configs}
            for key in ("method", "impl", "optimizer", "loss", "shuffle", "seed", "fit_bias",
                        "standardize", "init_w")}
    assert seen["method"] == {"batch", "sgd", "minibatch"}
    assert seen["impl"] == {"manual", "module", "analytic"}
    assert {"sgd", "adam", "rmsprop", "adagrad"} <= seen["optimizer"]
    assert seen["loss"] == {"mse", "mae", "huber"}
    assert {"True", "False"} <= seen["shuffle"] and len(seen["seed"]) >= 3
    assert "False" in seen["fit_bias"] and "True" in seen["standardize"]
    assert "None" in seen["init_w"]


# --------------------------------------------------------------------------- schedules, tol


@dataclasses.dataclass(frozen=True)
class Scheduled(TrainConfig):
    """Settings with a learning-rate schedule and a stop rule (the names the settings give
    them), for the script's lines for them."""

    lr_schedule: str = "none"
    lr_step_size: int = 10
    lr_gamma: float = 0.5
    tol: float = 0.0


SCHEDULE_BASE = {"init_w": -1.0, "init_b": 2.0, "learning_rate": 0.02, "epochs": 12}
SCHEDULED = {
    "step-module": {"impl": "module", "lr_schedule": "step", "lr_step_size": 4,
                    "lr_gamma": 0.5},
    "exp-module": {"impl": "module", "lr_schedule": "exponential", "lr_gamma": 0.9,
                   "method": "sgd"},
    "step-manual": {"lr_schedule": "step", "lr_step_size": 3, "lr_gamma": 0.25},
    "tol-module": {"impl": "module", "tol": 0.3},
    "tol-manual": {"method": "minibatch", "batch_size": 4, "tol": 0.3},
    "plain-manual": {"method": "minibatch", "batch_size": 4},
}


def scheduled_scripts() -> dict[str, str]:
    """The scripts of runs with a learning-rate schedule or a stop rule, by name."""
    return {f"scheduled-{name}": script_text(small_line(), Scheduled(**SCHEDULE_BASE,
                                                                      **settings))
            for name, settings in SCHEDULED.items()}


def step_lr_loop(data: Dataset, epochs: int, step_size: int, gamma: float) -> list[str]:
    """Tutorial 3's loop with ``StepLR``, stepped once after each epoch."""
    import torch
    from torch import nn

    X = torch.from_numpy(data.x.copy()).view(-1, 1)
    Y = torch.from_numpy(data.y.copy()).view(-1, 1)
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(-1.0)
        model.bias.fill_(2.0)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    rows = ["epoch,loss,w,b"]
    for epoch in range(epochs):
        loss = criterion(model(X), Y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        rows.append(f"{epoch},{loss.item()!r},{model.weight.item()!r},{model.bias.item()!r}")
    return rows


def test_schedules_and_the_stop_rule_are_written_when_the_settings_have_them(script_output):
    data = small_line()
    texts = {name[len("scheduled-"):]: text for name, text in scheduled_scripts().items()}
    assert "StepLR(optimizer, step_size=4, gamma=0.5)" in texts["step-module"]
    assert "ExponentialLR(optimizer, gamma=0.9)" in texts["exp-module"]
    assert "scheduler" not in texts["tol-module"] and "TOL" not in texts["plain-manual"]
    out = {name: script_output[f"scheduled-{name}"] for name in texts}
    assert out["step-module"] == step_lr_loop(data, 12, 4, 0.5)
    # the manual path's schedule is the one function next_learning_rate: StepLR's numbers
    source = texts["step-manual"]
    start = source.index("def next_learning_rate")
    namespace: dict = {}
    exec(source[start:source.index("\n\n\n", start)], namespace)
    import torch

    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.02)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.25)
    lr = 0.02
    for epoch in range(20):
        optimizer.step()
        scheduler.step()
        lr = namespace["next_learning_rate"](lr, epoch)
        assert lr == scheduler.get_last_lr()[0], epoch
    # the stop rule ends the table early; the rows before are the run's
    assert 2 < len(out["tol-manual"]) < 13 and 2 < len(out["tol-module"]) < 13
    assert out["tol-manual"] == out["plain-manual"][:len(out["tol-manual"])]
    for name in ("exp-module", "step-manual"):
        assert len(out[name]) == 13
