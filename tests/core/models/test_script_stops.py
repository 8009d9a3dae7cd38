"""The run's script stops where the studio stops: for runs that end early, its table has the
history's rows, no more and no fewer, bit for bit.

A seeded sweep of small runs made to end early (every case drawn from one fixed seed, so the
sweep is the same every time): logistic regression at learning rates that throw p to exactly 0
or 1 (the hand-written cross-entropy takes log(0); ``nn.BCELoss`` clamps it; the squared error
on the sigmoid and ``bce-logits`` go on), and the line at learning rates at the edge of
divergence and far beyond it (w or b overflows), in float32 and float64. One subprocess runs
every case's script (one torch import).
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.models.line.optimum import stable_learning_rate
from gdstudio.core.models.run_script import script_text
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.results import history_row

#: Each script runs to its end or to an error, which is reported (not raised): one failing
#: script does not hide the others.
RUNNER = """
import contextlib, io, json, runpy, sys
out = {}
for path in sys.argv[1:]:
    buffer, error = io.StringIO(), None
    try:
        with contextlib.redirect_stdout(buffer):
            runpy.run_path(path, run_name="__main__")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    out[path] = [buffer.getvalue(), error]
print(json.dumps(out))
"""

DTYPES = ("float32", "float64")
#: Logistic regression's (implementation, loss) pairs.
LOGISTIC = (("manual", "bce"), ("module", "bce"), ("manual", "mse"), ("module", "mse"),
            ("manual", "bce-logits"), ("module", "bce-logits"), ("analytic", "bce"))
#: The line's implementations: the analytic one in stochastic descent (its w and b are the
#: studio's bit for bit; its loss is computed in the data's precision, as its header says).
LINE = ("manual", "module", "analytic")
PER_KIND = 3  # cases of each kind and dtype


def _common(rng, impl: str) -> dict:
    settings = {"impl": impl, "seed": int(rng.integers(0, 9)),
                "method": str(rng.choice(["batch", "sgd", "minibatch"])),
                "batch_size": int(rng.integers(2, 4)), "shuffle": bool(rng.random() < 0.5),
                "fit_bias": bool(rng.random() < 0.7),
                "init_w": float(rng.uniform(-2, 2)), "init_b": float(rng.uniform(-2, 2))}
    if impl == "module":
        settings["optimizer"] = optimizer = str(rng.choice(["sgd", "adam", "rmsprop",
                                                            "adagrad"]))
        if optimizer in ("sgd", "rmsprop") and rng.random() < 0.5:
            settings["momentum"] = 0.9
    return settings


def _logistic_case(rng, impl: str, loss: str, dtype: str):
    n = int(rng.integers(5, 10))
    x = np.round(rng.standard_normal(n) * 10 ** rng.uniform(0, 1.3), 1)
    y = (x + 3 * rng.standard_normal(n) > 0).astype(np.float64)
    y[:2] = 0.0, 1.0  # both classes
    settings = {**_common(rng, impl), "model": "logistic", "loss": loss, "epochs": 8,
                "learning_rate": float(10 ** rng.uniform(-0.5, 3))}
    return Dataset(x.astype(dtype), y.astype(dtype)), TrainConfig(**settings)


def _line_case(rng, impl: str, dtype: str, overflow: bool):
    n = int(rng.integers(4, 10))
    x = np.round(rng.standard_normal(n) * 10 ** rng.uniform(-0.3, 1.3), 2)
    y = 1.5 * x - 2 + rng.standard_normal(n)
    settings = {**_common(rng, impl), "loss": str(rng.choice(["mse", "mae", "huber"])),
                "epochs": int(rng.integers(6, 40))}
    if impl == "analytic":
        settings["method"] = "sgd"
    if impl == "module" and not overflow:  # (the stable learning rate is plain descent's)
        settings["optimizer"] = "sgd"
    data = Dataset(x.astype(dtype), y.astype(dtype))
    if overflow:  # w or b passes the largest number within a few steps
        top = 38 if dtype == "float32" else 307
        lr = 10 ** rng.uniform(top - 1.5, top)
    else:  # from just stable to ten times the stable learning rate
        lr = stable_learning_rate(data, settings["fit_bias"]) * 10 ** rng.uniform(-0.05, 1)
    return data, TrainConfig(**settings, learning_rate=float(lr))


def _sweep() -> dict[str, tuple[Dataset, TrainConfig]]:
    rng = np.random.default_rng(19)
    cases = {}
    for dtype in DTYPES:
        for impl, loss in LOGISTIC:
            for k in range(PER_KIND):
                cases[f"logistic-{impl}-{loss}-{dtype}-{k}"] = _logistic_case(rng, impl, loss,
                                                                              dtype)
        for impl in LINE:
            for k in range(PER_KIND):
                for reach in ("edge", "overflow"):
                    cases[f"line-{impl}-{reach}-{dtype}-{k}"] = _line_case(
                        rng, impl, dtype, reach == "overflow")
    return {**cases, **FOUND}


#: Runs the sweep found ending apart, kept by name.
FOUND = {
    # nn.BCELoss saturates at the start of epoch 1 (p is exactly 1 at x = 3, label 0)
    "logistic-module-bce-example": (
        Dataset(np.array([0, 1, 2, 3, 4, 5, -1, 2.5]), np.array([0, 0, 1, 0, 1, 1, 0, 1.0])),
        TrainConfig(model="logistic", impl="module", loss="bce", optimizer="rmsprop",
                    momentum=0.9, learning_rate=2.0, fit_bias=False, seed=5, init_b=-0.5)),
    # the full-data loss passes float32's largest number (the studio computes it in float64)
    "line-analytic-overflow-float32-loss": (
        Dataset(np.array([-14.88, 6.22, -21.17, 18.71, 9.06, 1.86, 7.03], dtype="float32"),
                np.array([-25.76, 8.69, -32.67, 27.83, 11.83, 0.75, 9.06], dtype="float32")),
        TrainConfig(impl="analytic", method="sgd", loss="huber", learning_rate=1.4946e36,
                    init_w=0.52, init_b=-0.72, epochs=24)),
    # the gradient at the end of epoch 1 is ~1e225: its square passes float64's largest
    "line-manual-overflow-float64-tol": (
        Dataset(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 2.5])),
        TrainConfig(learning_rate=1e112, tol=1e-6, init_w=0.0, init_b=0.0, epochs=5)),
}
SWEEP = _sweep()


@functools.cache
def studio(case: str) -> tuple[list[list[str]], bool]:
    """The run's history as ``gdstudio train --history`` writes its first four columns, and
    whether the run stopped early (diverged or saturated)."""
    data, config = SWEEP[case]
    run = TrainingRun(data, config)
    rows = [history_row(r).split(",")[:4] for r in run.records()]
    return rows, run.diverged is not None


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, tuple[list[list[str]], str | None]]:
    """Every case's script, run in one fresh interpreter: case -> the table it printed (None
    if it printed none) and the error it raised (None)."""
    folder = tmp_path_factory.mktemp("stopping_scripts")
    paths = {}
    for case, (data, config) in SWEEP.items():
        path = folder / f"{case.replace('-', '_')}.py"
        path.write_text(script_text(data, config), encoding="utf-8")
        paths[str(path)] = case
    done = subprocess.run([sys.executable, "-c", RUNNER, *paths], capture_output=True,
                          text=True, timeout=600, cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    tables = {}
    for path, (text, error) in json.loads(done.stdout).items():
        lines = text.splitlines()
        rows = ([line.split(",") for line in lines[lines.index("epoch,loss,w,b") + 1:]]
                if "epoch,loss,w,b" in lines else None)
        tables[paths[path]] = rows, error
    return tables


def _without_loss(rows):
    return None if rows is None else [[r[0], *r[2:]] for r in rows]


@pytest.mark.parametrize("case", SWEEP)
def test_the_script_stops_where_the_studio_stops(case, printed):
    rows, error = printed[case]
    assert error is None
    expected, _ = studio(case)
    if case.startswith("line-analytic"):  # (its loss: see LINE)
        assert _without_loss(rows) == _without_loss(expected)
    else:
        assert rows == expected


@pytest.mark.parametrize("kind", [("logistic", "manual-bce"), ("logistic", "module-bce"),
                                  ("line", "edge"), ("line", "overflow")])
def test_the_sweep_has_runs_that_stop_early(kind):
    """The sweep is not vacuous: of each kind that can stop, some runs stop early (one of
    them after printing rows), and but for the overflowing ones some run to their end."""
    model, what = kind
    cases = [c for c in SWEEP if c.startswith(f"{model}-")
             and any(f"-{what}-{dtype}" in c for dtype in DTYPES)]
    stopped = [c for c in cases if studio(c)[1]]
    assert any(studio(c)[0] for c in stopped)  # one that printed rows before it stopped
    if what == "overflow":
        assert len(stopped) >= len(cases) // 2
    else:
        assert 2 <= len(stopped) < len(cases)
