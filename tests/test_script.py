"""The code behind a run: the generated PyTorch script, run in a fresh interpreter, prints the
studio's history bit for bit (the analytic implementation: to its stated precision).

Every case's script is written to a file, and one subprocess (the venv's python) runs all of
them (``runpy``, each with its own stdout), so the matrix costs one torch import. One case is
also run as ``python run.py`` on its own, and the CLI's ``--script`` file is run as written.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdstudio.core import Dataset, TrainConfig, noisy_line
from gdstudio.core.export import history_row
from gdstudio.core.lifecycle import TrainingRun
from gdstudio.core.script import script_text
from tests.test_parity_analytic import EPS32, EPS64, check_losses, drift_bounds, parameter_gaps

ROOT = Path(__file__).resolve().parent.parent


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
    }
    for name, (data, settings) in extra.items():
        settings = {"epochs": 5, "init_w": -1.0, "init_b": 2.0, "learning_rate": 0.01,
                    **settings}
        for impl in ("manual", "module", "analytic"):
            if impl == "analytic" and settings.get("standardize"):
                continue  # (the analytic precision checks need the data in its own units)
            cases[f"{impl}-{name}"] = (data, {**settings, "impl": impl})
        cases[f"module-adam-{name}"] = (data, {**settings, "impl": "module",
                                               "optimizer": "adam", "learning_rate": 0.05})
    return cases


CASES = _matrix()


def studio_rows(dataset: Dataset, config: TrainConfig) -> list[str]:
    """The studio's history, as ``epoch,loss,w,b`` rows of ``gdstudio train --history``."""
    run = TrainingRun(dataset, config)
    rows = [",".join(history_row(r).split(",")[:4]) for r in run.records()]
    assert run.diverged is None and len(rows) == config.epochs
    return rows


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
def script_output(tmp_path_factory):
    """Every case's script, run in one fresh interpreter: case id -> its printed lines."""
    folder = tmp_path_factory.mktemp("scripts")
    paths = {}
    for case, (data, settings) in CASES.items():
        path = folder / f"{case}.py"
        path.write_text(script_text(DATA[data](), TrainConfig(**settings)), encoding="utf-8")
        paths[str(path)] = case
    done = subprocess.run([sys.executable, "-c", RUNNER, *paths], capture_output=True,
                          text=True, timeout=600, cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    printed = json.loads(done.stdout)
    return {paths[p]: text.splitlines() for p, text in printed.items()}


def _table(lines: list[str]) -> list[tuple[int, float, float, float]]:
    assert lines[0] == "epoch,loss,w,b"
    return [(int(e), float(loss), float(w), float(b))
            for e, loss, w, b in (line.split(",") for line in lines[1:])]


@pytest.mark.parametrize("case", [c for c, (_, s) in CASES.items() if s["impl"] != "analytic"])
def test_script_prints_the_studio_history_bit_for_bit(case, script_output):
    data, settings = CASES[case]
    expected = studio_rows(DATA[data](), TrainConfig(**settings))
    assert script_output[case] == ["epoch,loss,w,b", *expected]


@pytest.mark.parametrize("case", [c for c, (_, s) in CASES.items() if s["impl"] == "analytic"])
def test_analytic_script_is_its_autograd_equivalent_to_the_stated_precision(case,
                                                                            script_output):
    data_name, settings = CASES[case]
    data, config = DATA[data_name](), TrainConfig(**settings)
    run = TrainingRun(data, config)
    studio = [(r.loss, r.w, r.b) for r in run.records()]
    script = [row[1:] for row in _table(script_output[case])]
    assert len(script) == len(studio) == config.epochs
    start = run.init
    eps = EPS32 if data.dtype == "float32" else EPS64
    if config.method == "sgd":  # w and b bit for bit
        assert [s[1:] for s in script] == [s[1:] for s in studio]
    else:
        n = len(data)
        size = n if config.method == "batch" else min(config.batch_size, n)
        k = -(-n // size)
        gaps = parameter_gaps(studio, script)
        bounds = drift_bounds(script, start, k, eps)
        assert all(g <= bound for g, bound in zip(gaps, bounds, strict=True)), (gaps, bounds)
    check_losses(studio, script, data, start, config.loss, config.huber_delta,
                 reference_eps=eps)


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
