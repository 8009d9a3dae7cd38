"""The exported notebook's code cells, joined, are a Python program that prints the run's
history bit for bit, and draws its two plots (or says in one line that matplotlib is
missing), without a Jupyter kernel.

Each case's notebook is written with :func:`write_notebook` into a folder of its own (its
data CSV beside it when the data is large); one subprocess (the venv's python) runs every
case's program in its folder, as Jupyter runs a notebook in the notebook's folder, so the
cases cost one torch and one matplotlib import.
"""

from __future__ import annotations

import functools
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.data.two_classes import two_classes
from gdstudio.core.models.notebook import write_notebook
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.results import history_row


def offset_points() -> Dataset:
    """16 points of no generator far from x = 0 (inline literals)."""
    i = np.arange(16)
    noise = np.random.default_rng(1).standard_normal(16)
    return Dataset((1e4 + 0.25 * i).astype("float32"),
                   (0.5 * i - 3.0 + 0.1 * noise).astype("float32"))


def many_points(n: int = 240) -> Dataset:
    """``n`` points of no generator: more than the notebook holds, so a data CSV."""
    x = np.linspace(-3.0, 4.0, n)
    return Dataset(x, 1.5 * x - 2.0 + 0.3 * np.sin(11 * x))


def many_labels(n: int = 230) -> Dataset:
    x = np.linspace(-3.0, 3.0, n)
    return Dataset(x, ((x + np.sin(9 * x)) > 0.2).astype(np.float64))


def few_labels() -> Dataset:
    return Dataset.from_points([(-2.0, 0.0), (-1.0, 0.0), (-0.5, 1.0), (0.5, 0.0), (1.0, 1.0),
                                (2.5, 1.0)])


CASES = {
    "line-manual-minibatch-generated": (lambda: noisy_line(x_step=0.5), TrainConfig(
        impl="manual", method="minibatch", batch_size=6, shuffle=True, seed=3,
        learning_rate=0.02, init_w=-1.0, init_b=2.0, epochs=6)),
    "line-module-adam-standardized-inline": (offset_points, TrainConfig(
        impl="module", optimizer="adam", learning_rate=0.1, standardize=True, loss="huber",
        huber_delta=0.5, lr_schedule="step", lr_step_size=2, init_w=None, init_b=None,
        seed=2, epochs=5)),
    "line-module-sgd-csv": (many_points, TrainConfig(
        impl="module", optimizer="sgd", momentum=0.5, method="sgd", shuffle=True, seed=1,
        learning_rate=0.002, tol=1e-4, epochs=4)),
    "line-manual-diverges": (lambda: noisy_line(x_step=0.5), TrainConfig(
        learning_rate=0.3, init_w=-1.0, init_b=2.0, epochs=40)),
    "line-module-overflows": (lambda: noisy_line(x_step=0.5), TrainConfig(
        impl="module", learning_rate=1e37, init_w=-1.0, init_b=2.0, epochs=5)),
    "logistic-manual-bce-no-bias": (few_labels, TrainConfig(
        model="logistic", loss="bce", impl="manual", fit_bias=False, learning_rate=0.5,
        init_w=-1.0, epochs=5)),
    "logistic-analytic-generated": (two_classes, TrainConfig(
        model="logistic", loss="bce-logits", impl="analytic", method="sgd", shuffle=True,
        seed=4, learning_rate=0.1, lr_schedule="exponential", lr_gamma=0.9, epochs=4)),
    "logistic-module-minibatch-csv": (many_labels, TrainConfig(
        model="logistic", loss="mse", impl="module", optimizer="rmsprop", method="minibatch",
        batch_size=32, learning_rate=0.05, init_w=0.5, init_b=-0.5, epochs=4)),
    "logistic-module-bce-saturates": (lambda: Dataset(
        np.array([0, 1, 2, 3, 4, 5, -1, 2.5]), np.array([0, 0, 1, 0, 1, 1, 0, 1.0])),
        TrainConfig(model="logistic", loss="bce", impl="module", optimizer="rmsprop",
                    momentum=0.9, method="minibatch", batch_size=4, fit_bias=False,
                    learning_rate=2.0, init_w=0.25, epochs=8)),
    "logistic-analytic-batch-csv": (many_labels, TrainConfig(
        model="logistic", loss="bce", impl="analytic", learning_rate=1.0, tol=1e-3,
        epochs=5)),
}
#: The case whose program runs as if matplotlib were not installed.
NO_MATPLOTLIB = "logistic-manual-bce-no-bias"
#: The case whose program runs without its data CSV beside it.
NO_CSV = "line-module-sgd-csv"

RUNNER = """
import contextlib, io, json, os, runpy, sys, traceback
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
out = {}
for path, no_matplotlib in json.loads(sys.argv[1]):
    os.chdir(os.path.dirname(path))
    hidden = {name: sys.modules.pop(name) for name in list(sys.modules)
              if no_matplotlib and name.split(".")[0] == "matplotlib"}
    if no_matplotlib:
        sys.modules["matplotlib"] = None  # import matplotlib raises ImportError
    buffer, error = io.StringIO(), None
    try:
        with contextlib.redirect_stdout(buffer):
            runpy.run_path(path, run_name="__main__")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    if no_matplotlib:
        del sys.modules["matplotlib"]
        sys.modules.update(hidden)
    figures = [plt.figure(n) for n in plt.get_fignums()]
    out[path] = {"printed": buffer.getvalue(), "error": error,
                 "figures": [[ax.get_yscale() for ax in f.axes] for f in figures]}
    plt.close("all")
print(json.dumps(out))
"""


def program(notebook: Path) -> Path:
    """The notebook's code cells joined into a Python file beside it."""
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    path = notebook.with_suffix(".py")
    path.write_text("\n\n".join(c.source for c in nb.cells if c.cell_type == "code") + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, dict]:
    """Every case's program, run in its own folder in one fresh interpreter: case -> what
    it printed, the error it raised and the log/linear y scales of its figures."""
    root = tmp_path_factory.mktemp("notebooks")
    jobs, names = [], {}
    for case, (data, config) in CASES.items():
        folder = root / case
        folder.mkdir()
        written = write_notebook(folder / "run.ipynb", data(), config)
        assert (len(written) == 2) == case.endswith("-csv"), case
        path = program(folder / "run.ipynb")
        jobs.append((str(path), case == NO_MATPLOTLIB))
        names[str(path)] = case
    missing = root / "no-csv"
    shutil.copytree(root / NO_CSV, missing)
    (missing / "run_data.csv").unlink()
    jobs.append((str(missing / "run.py"), False))
    names[str(missing / "run.py")] = "no-csv"
    done = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(jobs)],
                          capture_output=True, text=True, timeout=600, cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    return {names[path]: result for path, result in json.loads(done.stdout).items()}


@functools.cache
def history(case: str) -> list[tuple[str, ...]]:
    """The run's history as ``gdstudio train --history`` writes its first four columns."""
    data, config = CASES[case]
    run = TrainingRun(data(), config)
    return [tuple(history_row(r).split(",")[:4]) for r in run.records()]


def table(printed: str) -> list[tuple[str, ...]]:
    lines = printed.splitlines()
    start = lines.index("epoch,loss,w,b")
    rows = []
    for line in lines[start + 1:]:
        if line.count(",") != 3:
            break
        rows.append(tuple(line.split(",")))
    return rows


@pytest.mark.parametrize("case", CASES)
def test_the_notebook_prints_the_runs_history_bit_for_bit(case, ran):
    result = ran[case]
    assert result["error"] is None, result["error"]
    expected = history(case)
    assert table(result["printed"]) == expected
    if case.endswith(("diverges", "saturates")):
        assert 0 < len(expected) < CASES[case][1].epochs
    if case.endswith("overflows"):  # w overflows in the first epoch: a table of no rows
        assert expected == []


@pytest.mark.parametrize("case", [c for c in CASES if c != NO_MATPLOTLIB])
def test_the_plot_cells_draw_the_loss_and_the_fit(case, ran):
    """Two figures, even of a run that diverged or overflowed at once; the loss's on a log
    axis when the losses span a decade or more (all of them positive)."""
    figures = ran[case]["figures"]
    assert len(figures) == 2
    losses = [float(row[1]) for row in history(case)]
    spans = bool(losses) and min(losses) > 0 and max(losses) >= 10 * min(losses)
    assert figures[0] == ["log" if spans else "linear"]
    if case.endswith("diverges"):
        assert figures[0] == ["log"]


def test_without_matplotlib_the_plot_cells_say_so_in_one_line(ran):
    result = ran[NO_MATPLOTLIB]
    assert result["error"] is None and result["figures"] == []
    lines = result["printed"].splitlines()
    assert lines[-2:] == ["pip install matplotlib to draw the plots"] * 2
    assert table(result["printed"]) == history(NO_MATPLOTLIB)


def test_a_missing_data_csv_is_one_clear_line(ran):
    result = ran["no-csv"]
    assert result["error"].startswith("FileNotFoundError: run_data.csv not found in ")
    assert result["error"].endswith("/no-csv: run this notebook in its own folder, beside its "
                                    "data")


def test_the_gradient_cell_prints_the_gradient_at_the_start(ran):
    """The backward pass's cell prints the full-data loss and gradient at the start, as
    autograd computes them on the data (and the loop still starts there: its table is the
    history)."""
    import torch

    data, config = CASES["line-manual-minibatch-generated"]
    data = data()
    X = torch.from_numpy(data.x.copy()).view(-1, 1)
    Y = torch.from_numpy(data.y.copy()).view(-1, 1)
    w = torch.tensor(config.init_w, dtype=torch.float32, requires_grad=True)
    b = torch.tensor(config.init_b, dtype=torch.float32, requires_grad=True)
    loss = torch.mean((w * X + b - Y) ** 2)
    grad_w, grad_b = torch.autograd.grad(loss, [w, b])
    lines = ran["line-manual-minibatch-generated"]["printed"].splitlines()
    assert lines[:3] == [f"loss {loss.item()!r}", f"dL/dw = {grad_w.item()!r}",
                         f"dL/db = {grad_b.item()!r}"]
    assert math.isfinite(grad_w.item()) and grad_w.item() != 0
