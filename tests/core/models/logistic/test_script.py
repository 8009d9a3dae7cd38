"""Logistic regression's generated PyTorch script, run in a fresh interpreter, prints the
studio's history bit for bit, for a spread of methods × implementations × losses ×
optimizers (every case's script runs in one subprocess: one torch import)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.data.two_classes import two_classes
from gdstudio.core.models.run_script import script_text
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.results import history_row
from tests.core.models.line.test_script import RUNNER


def overlapping(dtype="float32") -> Dataset:
    """Twelve labelled points, the classes overlapping (a finite optimum); plain data,
    written into the script."""
    x = np.array([-2.5, -1.75, -1.0, -0.6, 0.1, 0.4, -0.3, 0.2, 0.8, 1.3, 1.9, 2.6])
    y = np.array([0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1], dtype=np.float64)
    return Dataset(x.astype(dtype), y.astype(dtype))


def offset(dtype="float32") -> Dataset:
    """Hours studied around 1e3 (offset x), the classes overlapping."""
    data = overlapping("float64")
    return Dataset((1e3 + data.x).astype(dtype), data.y.astype(dtype))


def hours() -> Dataset:
    """Eight labelled points in float64, the classes overlapping at x = 2 and 3."""
    return Dataset(np.array([0, 1, 2, 3, 4, 5, -1, 2.5]), np.array([0, 0, 1, 0, 1, 1, 0, 1.0]))


DATA = {"overlap": overlapping, "overlap64": lambda: overlapping("float64"), "offset": offset,
        "generated": lambda: two_classes(n0=7, n1=5, seed=3), "hours": hours}
START = {"init_w": -0.5, "init_b": 0.25, "epochs": 6, "model": "logistic"}

CASES = {
    "manual-batch-bce": ("overlap", {"impl": "manual", "loss": "bce", "learning_rate": 0.5}),
    "manual-sgd-shuffled-logits": ("overlap", {"impl": "manual", "loss": "bce-logits",
                                               "method": "sgd", "shuffle": True, "seed": 4}),
    "manual-minibatch-mse-nobias": ("overlap64", {"impl": "manual", "loss": "mse",
                                                  "method": "minibatch", "batch_size": 5,
                                                  "fit_bias": False, "learning_rate": 1.0}),
    "module-batch-bce-sgd-step": ("overlap", {"impl": "module", "loss": "bce",
                                              "learning_rate": 0.5, "lr_schedule": "step",
                                              "lr_step_size": 2, "lr_gamma": 0.5}),
    "module-minibatch-logits-adam": ("generated", {"impl": "module", "loss": "bce-logits",
                                                   "optimizer": "adam", "method": "minibatch",
                                                   "batch_size": 4, "shuffle": True,
                                                   "init_w": None, "init_b": None, "seed": 2}),
    "module-sgd-mse-rmsprop": ("overlap", {"impl": "module", "loss": "mse",
                                           "optimizer": "rmsprop", "momentum": 0.5,
                                           "method": "sgd", "learning_rate": 0.05}),
    "module-batch-bce-adagrad-tol": ("overlap64", {"impl": "module", "loss": "bce",
                                                   "optimizer": "adagrad", "learning_rate": 0.5,
                                                   "tol": 0.05, "epochs": 40}),
    "analytic-batch-bce": ("offset", {"impl": "analytic", "loss": "bce",
                                      "learning_rate": 1e-6, "init_w": 0.0, "init_b": 0.0}),
    "analytic-sgd-shuffled-logits": ("overlap", {"impl": "analytic", "loss": "bce-logits",
                                                 "method": "sgd", "shuffle": True, "seed": 1}),
    "analytic-minibatch-mse-tol": ("overlap64", {"impl": "analytic", "loss": "mse",
                                                 "method": "minibatch", "batch_size": 5,
                                                 "learning_rate": 2.0, "tol": 1e-3,
                                                 "epochs": 60, "lr_schedule": "exponential",
                                                 "lr_gamma": 0.9}),
    # the hand-written cross-entropy saturates (p is exactly 1 in float32 at a point of
    # class 0): the studio stops there, and the script's table ends there too
    "manual-bce-saturates": ("overlap", {"impl": "manual", "loss": "bce",
                                         "learning_rate": 40.0, "epochs": 8}),
    # nn.BCELoss clamps log(0) at -100: after one epoch p is exactly 1 at x = 3 (label 0);
    # the studio stops there, and so does the script (it used to go on to the end)
    "module-bce-saturates": ("hours", {"impl": "module", "loss": "bce", "optimizer": "rmsprop",
                                       "momentum": 0.9, "learning_rate": 2.0, "fit_bias": False,
                                       "seed": 5, "init_w": None, "init_b": -0.5}),
}


def config_of(case: str) -> TrainConfig:
    return TrainConfig(**{**START, **CASES[case][1]})


def studio(case: str) -> tuple[list[str], TrainingRun]:
    """The studio's history as ``epoch,loss,w,b`` rows, and the run."""
    run = TrainingRun(DATA[CASES[case][0]](), config_of(case))
    return [",".join(history_row(r).split(",")[:4]) for r in run.records()], run


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, list[str]]:
    folder = tmp_path_factory.mktemp("logistic_scripts")
    paths = {}
    for case, (data, _) in CASES.items():
        path = folder / f"{case.replace('-', '_')}.py"
        path.write_text(script_text(DATA[data](), config_of(case)), encoding="utf-8")
        paths[str(path)] = case
    done = subprocess.run([sys.executable, "-c", RUNNER, *paths], capture_output=True,
                          text=True, timeout=600, cwd=folder)
    assert done.returncode == 0, done.stderr[-3000:]
    ruff = Path(sys.executable).with_name("ruff")
    lint = subprocess.run([str(ruff), "check", "--isolated", "--select", "E,W,F,I",
                           "--line-length", "100", "--output-format", "concise", "."],
                          cwd=folder, capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout[-3000:]  # plain Python, as a tutorial prints it
    return {paths[p]: text.splitlines() for p, text in json.loads(done.stdout).items()}


@pytest.mark.parametrize("case", CASES)
def test_the_script_prints_the_studio_history_bit_for_bit(case, printed):
    rows, run = studio(case)
    assert printed[case] == ["epoch,loss,w,b", *rows]
    if case.endswith("saturates"):
        assert run.diverged is not None and "bce-logits" in str(run.diverged)
        assert 0 < len(rows) < run.config.epochs
    elif case.endswith("tol"):
        assert run.converged is not None and len(rows) < run.config.epochs
    else:
        assert len(rows) == run.config.epochs


def test_the_script_is_the_tutorials_logistic_regression():
    """What a learner reads: the sigmoid, the hand-written cross-entropy and w -= lr * w.grad;
    BCELoss on torch.sigmoid or BCEWithLogitsLoss on the logits; the analytic gradients."""
    text = {case: script_text(DATA[d](), config_of(case)) for case, (d, _) in CASES.items()}
    manual = text["manual-batch-bce"]
    assert "return torch.sigmoid(w * x + b)" in manual
    assert "-torch.mean(y * torch.log(pred) + (1 - y) * torch.log(1 - pred))" in manual
    assert "w -= lr * w.grad" in manual
    assert "criterion = nn.BCELoss()" in text["module-batch-bce-sgd-step"]
    assert "pred = torch.sigmoid(model(X))" in text["module-batch-bce-sgd-step"]
    assert "criterion = nn.BCEWithLogitsLoss()" in text["module-minibatch-logits-adam"]
    assert "torch.optim.Adam(" in text["module-minibatch-logits-adam"]
    assert "criterion = nn.MSELoss()" in text["module-sgd-mse-rmsprop"]
    # the saturation check, only where nn.BCELoss can saturate
    check = "    if (((pred == 1) & (Y == 0)) | ((pred == 0) & (Y == 1))).any():\n        break"
    for case, script in text.items():
        assert (check in script) == (case.startswith("module-") and "-bce-" in case), case
    assert "nn.BCELoss counts log(0) as -100" in text["module-bce-saturates"]
    assert "def terms_and_slopes" in text["analytic-batch-bce"]  # (the studio's own)
    assert "import numpy as np" in text["analytic-batch-bce"]
    # the generator's points are drawn again, not listed
    assert "X0 = -1.0 + 1.0 * torch.randn(7, 1" in text["module-minibatch-logits-adam"]
    assert "x = [" not in text["module-minibatch-logits-adam"]
