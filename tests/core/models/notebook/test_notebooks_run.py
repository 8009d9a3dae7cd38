"""Exported notebooks, executed by a Jupyter kernel (ipykernel, driven by nbclient, in the
notebook's folder as Jupyter runs it): every cell runs, the loop prints the run's history
``epoch,loss,w,b`` bit for bit (the line's analytic implementation: to the precision its
header states), and the plot cells draw, for a spread of settings and both models; the
notebook ``gdstudio train --notebook`` writes prints its ``--history``; without matplotlib
the table still prints; and ``gdstudio.open`` from a running kernel opens the studio while
the kernel goes on.

The cost is the kernels: a kernel start and ``import torch`` take seconds, a small notebook
a fraction of one. So one notebook of each model runs in a fresh kernel, as a user who opens
it runs it, and the rest of the spread in ONE kernel kept for them (:class:`KeptKernel`),
each notebook after IPython's ``%reset -f`` (no variable of an earlier notebook left), its
figures closed and torch's global generator moved off any seed: what one notebook could
inherit from another is the modules already imported, which importing again would give it
anyway. All notebooks of that kernel are in its folder, their data CSVs beside them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from gdstudio.cli.main import main
from gdstudio.core.data.csv_io import write_dataset
from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.data.two_classes import two_classes
from gdstudio.core.models.notebook import write_notebook
from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.training.lifecycle import TrainingRun
from gdstudio.core.training.results import history_row
from tests.core.models.line.test_script import check_stated_precision
from tests.notebook_kernel import (
    RESET,
    KeptKernel,
    errors_of,
    images_of,
    run_notebook,
    stdout_of,
)

#: Kernels: they start first; the first test also waits for the module's notebooks to run
#: (about a minute on a busy machine of 2 cores), so a longer limit than the house's 300 s
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

HEADER = "epoch,loss,w,b"


# --------------------------------------------------------------------------------- the data
def plain_line(n: int = 12, dtype: str = "float32") -> Dataset:
    """Points with no generator's recipe (edited data): written into the notebook, or, past
    200 points, read from the CSV beside it."""
    rng = np.random.default_rng(n)
    x = np.sort(rng.uniform(-3.0, 3.0, n))
    return Dataset(x.astype(dtype), (1.5 * x - 0.5 + 0.3 * rng.standard_normal(n)).astype(dtype))


def offset_line() -> Dataset:
    """x = 1e4 + 0.25 i (offset data, for standardizing)."""
    i = np.arange(16)
    noise = np.random.default_rng(1).standard_normal(16)
    return Dataset((1e4 + 0.25 * i).astype("float32"),
                   (0.5 * i - 3.0 + 0.1 * noise).astype("float32"))


def plain_labels(n: int = 12) -> Dataset:
    """Labelled points, the classes overlapping; no recipe."""
    rng = np.random.default_rng(n)
    x = rng.normal(0.0, 1.5, n)
    y = (x + rng.normal(0.0, 1.0, n) > 0).astype(np.float64)
    return Dataset(x.astype("float32"), y.astype("float32"))


DATA = {"tutorial": lambda: noisy_line(),  # the generator's line, as the studio opens
        "line": plain_line, "line64": lambda: plain_line(dtype="float64"),
        "offset": offset_line, "line-250": lambda: plain_line(250),
        "classes": lambda: two_classes(n0=9, n1=7, seed=3), "labels": plain_labels,
        "labels-240": lambda: plain_labels(240)}

# ---------------------------------------------------------------------------- the settings
LOGISTIC = {"model": "logistic"}
#: Case -> (data, settings). The FRESH cases run in a kernel of their own each.
CASES = {
    # as a user opens the notebook: the studio's own start, the tutorial's line / two classes
    "fresh-line": ("tutorial", {"epochs": 25}),
    "fresh-logistic": ("classes", {**LOGISTIC, "epochs": 20, "learning_rate": 0.5}),
    # the line
    "line-sgd-manual-mae": ("line", {"method": "sgd", "shuffle": True, "seed": 4,
                                     "loss": "mae", "learning_rate": 0.05, "epochs": 6}),
    "line-minibatch-module-huber-momentum": ("line", {
        "impl": "module", "method": "minibatch", "batch_size": 5, "loss": "huber",
        "huber_delta": 0.5, "optimizer": "sgd", "momentum": 0.9, "nesterov": True,
        "learning_rate": 0.01, "epochs": 8}),
    "line-module-adam-shuffled": ("line", {"impl": "module", "optimizer": "adam",
                                           "learning_rate": 0.1, "method": "minibatch",
                                           "batch_size": 4, "shuffle": True, "seed": 2,
                                           "epochs": 7}),
    "line-manual-no-bias": ("line", {"fit_bias": False, "method": "minibatch", "batch_size": 4,
                                     "learning_rate": 0.05, "epochs": 6}),
    "line-random-start": ("line", {"init_w": None, "init_b": None, "seed": 5,
                                   "learning_rate": 0.05, "epochs": 5}),
    "line-standardize-module": ("offset", {"standardize": True, "impl": "module",
                                           "method": "minibatch", "batch_size": 5,
                                           "shuffle": True, "learning_rate": 0.1,
                                           "epochs": 6}),
    "line-step-schedule-tol": ("line", {"impl": "module", "lr_schedule": "step",
                                        "lr_step_size": 3, "lr_gamma": 0.5, "tol": 1e-3,
                                        "learning_rate": 0.05, "epochs": 60}),
    "line-exponential-manual-sgd": ("line", {"lr_schedule": "exponential", "lr_gamma": 0.8,
                                             "method": "sgd", "learning_rate": 0.03,
                                             "epochs": 6}),
    "line-float64-rmsprop": ("line64", {"impl": "module", "optimizer": "rmsprop",
                                        "momentum": 0.3, "learning_rate": 0.01, "epochs": 5}),
    "line-analytic-batch": ("line", {"impl": "analytic", "learning_rate": 0.05, "epochs": 8}),
    "line-analytic-minibatch-huber": ("line", {"impl": "analytic", "method": "minibatch",
                                               "batch_size": 5, "shuffle": True,
                                               "loss": "huber", "learning_rate": 0.1,
                                               "epochs": 6}),
    "line-250-points": ("line-250", {"learning_rate": 0.05, "epochs": 5}),
    "line-diverges": ("line", {"learning_rate": 0.6, "epochs": 40}),
    # logistic regression
    "logistic-module-logits-adam": ("classes", {**LOGISTIC, "impl": "module",
                                                "loss": "bce-logits", "optimizer": "adam",
                                                "method": "minibatch", "batch_size": 4,
                                                "shuffle": True, "init_w": None,
                                                "init_b": None, "seed": 2, "epochs": 6}),
    "logistic-manual-mse-sgd-no-bias": ("labels", {**LOGISTIC, "loss": "mse", "method": "sgd",
                                                   "shuffle": True, "seed": 1,
                                                   "fit_bias": False, "learning_rate": 1.0,
                                                   "epochs": 5}),
    "logistic-analytic-bce": ("labels", {**LOGISTIC, "impl": "analytic", "loss": "bce",
                                         "learning_rate": 0.5, "epochs": 6}),
    "logistic-analytic-minibatch-logits-tol": ("labels", {
        **LOGISTIC, "impl": "analytic", "loss": "bce-logits", "method": "minibatch",
        "batch_size": 5, "learning_rate": 2.0, "tol": 1e-3, "lr_schedule": "exponential",
        "lr_gamma": 0.9, "epochs": 60}),
    "logistic-module-bce-momentum-step": ("labels", {**LOGISTIC, "impl": "module",
                                                     "loss": "bce", "momentum": 0.5,
                                                     "lr_schedule": "step", "lr_step_size": 2,
                                                     "lr_gamma": 0.5, "learning_rate": 0.5,
                                                     "epochs": 6}),
    "logistic-240-points": ("labels-240", {**LOGISTIC, "method": "minibatch",
                                           "batch_size": 16, "learning_rate": 0.3,
                                           "epochs": 4}),
    # the hand-written cross-entropy saturates: the run stops there, and so does the table
    "logistic-saturates": ("labels", {**LOGISTIC, "loss": "bce", "init_w": -0.5,
                                      "init_b": 0.25, "learning_rate": 40.0, "epochs": 8}),
}
FRESH = ("fresh-line", "fresh-logistic")
#: The runs that diverge (their table ends before the last epoch).
DIVERGING = ("line-diverges", "logistic-saturates")
#: Cases whose notebook runs without matplotlib: its table still prints.
NO_MATPLOTLIB = {"no-matplotlib": ("line", {"epochs": 4, "learning_rate": 0.05})}
ALL_CASES = {**CASES, **NO_MATPLOTLIB}


def dataset_of(case: str) -> Dataset:
    return DATA[ALL_CASES[case][0]]()


def config_of(case: str) -> TrainConfig:
    return TrainConfig(**ALL_CASES[case][1])


def notebook_name(case: str) -> str:
    return case.replace("-", "_") + ".ipynb"


# ----------------------------------------------------------------------- writing and running
#: Run in the kept kernel before the no-matplotlib notebook (first: nothing has imported
#: matplotlib yet): importing it fails as it does where it is not installed.
BLOCK_MATPLOTLIB = """
import sys as _sys


class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "matplotlib":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


_sys.meta_path.insert(0, _NotInstalled())
del _sys, _NotInstalled
"""
UNBLOCK_MATPLOTLIB = """
import sys as _sys
_sys.meta_path[:] = [f for f in _sys.meta_path if type(f).__name__ != "_NotInstalled"]
del _sys
"""


#: ``gdstudio train``'s arguments for the notebook it writes (with --data: 230 points, so
#: its data CSV too) and its history.
CLI_ARGS = ["--method", "minibatch", "--batch-size", "25", "--shuffle", "--lr", "0.05",
            "--epochs", "5", "--seed", "3"]
#: What the kernel says of itself: its Python and its working directory.
WHERE = "import os, sys\nprint(sys.executable)\nprint(os.getcwd())"


#: gdstudio.open from the kernel, cell by cell: the studio opens (offscreen, as the tests'
#: windows do) with four points; the kernel goes on training while the studio runs; the
#: studio's recovery file (its unsaved session) shows what the window holds; then the
#: notebook closes it.
OPEN_CELLS = (
    """import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["GDSTUDIO_RECOVERY_DIR"] = RECOVERY
os.environ["GDSTUDIO_RECOVERY_INTERVAL_MS"] = "100"
import gdstudio
h = gdstudio.open([0, 1, 2, 3], [1, 3, 5, 7], lr=0.05, epochs=7)""",
    """print(h.running)
print(gdstudio.train([0, 1, 2, 3], [1, 3, 5, 7], lr=0.05, epochs=7).table(), end="")
print(h.running)""",
    """import time
from pathlib import Path
from gdstudio.core.files.session_read import read_session
recovery = Path(RECOVERY) / f"recovery-{h.pid}.gdstudio"
end = time.monotonic() + 300
while not recovery.exists() and h.running and time.monotonic() < end:
    time.sleep(0.1)
shown = read_session(recovery) if recovery.exists() else None
print(h.running and shown is not None or h.log.read_text())
print(shown.x.tolist(), shown.y.tolist(), shown.settings.learning_rate, shown.settings.epochs)""",
    """print(h.close())
print(h.running)""",
)


def _opened_from_the_kernel(kernel, folder) -> list[list[str]]:
    """What OPEN_CELLS printed, cell by cell; the studio closed whatever happened."""
    kernel.execute(RESET + f"RECOVERY = {str(folder / 'recovery')!r}")
    try:
        return [[o.text for o in kernel.execute(cell).outputs if o.output_type == "stream"]
                for cell in OPEN_CELLS]
    finally:
        kernel.execute("if 'h' in globals():\n    h.close()")


def _outcome(run) -> object:
    """The executed notebook, or the exception its run raised (kept for the case's test)."""
    try:
        return run()
    except Exception as exc:  # (a notebook that fails fails its own tests only)
        return exc


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, object]:
    """Case -> its notebook, written and executed (or the exception the run raised)."""
    out = {}
    for case in FRESH:
        folder = tmp_path_factory.mktemp(case)
        path = folder / notebook_name(case)
        write_notebook(path, dataset_of(case), config_of(case))
        out[case] = _outcome(lambda p=path: run_notebook(p))
    folder = tmp_path_factory.mktemp("kept")
    paths = {}
    for case in ALL_CASES:
        if case not in FRESH:
            paths[case] = folder / notebook_name(case)
            written = write_notebook(paths[case], dataset_of(case), config_of(case))
            out[f"{case} files"] = sorted(p.name for p in written)
    write_dataset(folder / "points.csv", plain_line(230))
    out["cli status"] = main(["train", "--data", str(folder / "points.csv"), *CLI_ARGS,
                              "--quiet", "--history", str(folder / "cli_history.csv"),
                              "--notebook", str(folder / "cli_run.ipynb")])
    out["kept folder"] = folder
    with KeptKernel(folder) as kernel:
        out["kernel"] = "".join(o.text for o in kernel.execute(WHERE).outputs
                                if o.output_type == "stream").splitlines()
        for case in NO_MATPLOTLIB:
            out[case] = _outcome(lambda p=paths[case]: kernel.run(p, before=BLOCK_MATPLOTLIB))
            kernel.execute(UNBLOCK_MATPLOTLIB)
        for case in CASES:
            if case not in FRESH:
                out[case] = _outcome(lambda p=paths[case]: kernel.run(p))
        out["cli"] = _outcome(lambda: kernel.run(folder / "cli_run.ipynb"))
        out["open"] = _outcome(lambda: _opened_from_the_kernel(kernel, folder))
    return out


def notebook_of(executed, case):
    nb = executed[case]
    if isinstance(nb, Exception):
        raise nb
    return nb


# ------------------------------------------------------------------------------ the table
def printed_table(nb) -> list[str]:
    """The table the notebook printed: its header and the rows that follow it."""
    lines = stdout_of(nb).splitlines()
    assert lines.count(HEADER) == 1, lines[:20]
    start = lines.index(HEADER)
    table = [HEADER]
    for line in lines[start + 1:]:
        fields = line.split(",")
        if len(fields) != 4 or not fields[0].isdigit():
            break
        table.append(line)
    return table


def studio(case: str) -> tuple[list[str], TrainingRun]:
    """The run's history as ``epoch,loss,w,b`` rows (``gdstudio train --history``'s first
    four columns), and the run."""
    run = TrainingRun(dataset_of(case), config_of(case))
    return [",".join(history_row(r).split(",")[:4]) for r in run.records()], run


def check_within_the_stated_bound(data: Dataset, config: TrainConfig, table: list[str]):
    """The line's analytic implementation, exported as its autograd equivalent, within the
    precision its first cell states (the script's check)."""
    printed = [(float(loss), float(w), float(b))
               for _, loss, w, b in (line.split(",") for line in table[1:])]
    check_stated_precision(data, config, printed)


@pytest.mark.parametrize("case", CASES)
def test_the_notebook_prints_the_runs_history(case, executed):
    nb = notebook_of(executed, case)
    assert errors_of(nb) == []
    table = printed_table(nb)
    rows, run = studio(case)
    config = run.config
    if config.model == "line" and config.impl == "analytic":
        check_within_the_stated_bound(dataset_of(case), config, table)
    else:
        assert table == [HEADER, *rows]
    if case in DIVERGING:  # the table ends where the history ends
        assert run.diverged is not None and 0 < len(rows) < config.epochs
    elif config.tol:
        assert run.converged is not None and len(rows) < config.epochs
    else:
        assert run.diverged is None and len(rows) == config.epochs


@pytest.mark.parametrize("case", CASES)
def test_every_cell_runs_and_the_plots_draw(case, executed):
    """Every code cell ran (an execution count, no error); each cell that plots displays a
    PNG image, the loss over the epochs and the data with the fit at least."""
    nb = notebook_of(executed, case)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.execution_count for cell in code)
    assert errors_of(nb) == []
    plotting = [cell for cell in code if "plt." in cell.source]
    assert len(plotting) >= 1
    assert all(images_of(cell) for cell in plotting), [c.source for c in plotting]
    assert sum(len(images_of(cell)) for cell in code) >= 2


def test_the_kernel_is_this_pythons_in_the_notebooks_folder(executed):
    """The notebooks ran in ipykernel on this venv's Python (its torch), in their folder."""
    python, cwd = executed["kernel"]
    assert python == sys.executable
    assert Path(cwd).resolve() == executed["kept folder"].resolve()


def test_the_command_lines_notebook_prints_its_history(executed):
    """``gdstudio train --data points.csv ... --history h.csv --notebook run.ipynb``: run in
    Jupyter, the notebook prints h.csv's first four columns, and ``gdstudio.train`` with the
    same settings gives the same table."""
    import gdstudio

    assert executed["cli status"] == 0
    folder = executed["kept folder"]
    assert (folder / "cli_run_data.csv").is_file()  # (230 points: beside the notebook)
    nb = notebook_of(executed, "cli")
    assert errors_of(nb) == []
    history = (folder / "cli_history.csv").read_text(encoding="utf-8").splitlines()
    table = printed_table(nb)
    assert len(table) == 6 and table == [",".join(row.split(",")[:4]) for row in history]
    settings = {"method": "minibatch", "batch_size": 25, "shuffle": True, "lr": 0.05,
                "epochs": 5, "seed": 3}
    run = gdstudio.train(data=str(folder / "points.csv"), **settings)
    assert run.table().splitlines() == table


def test_gdstudio_open_from_a_kernel_shows_the_data_and_the_kernel_goes_on(executed):
    """In a running kernel, ``gdstudio.open`` returns while its studio starts; the next cell
    trains with ``gdstudio.train`` while the studio runs; the studio holds the four points
    and the settings (its unsaved session's recovery file); ``h.close()`` ends it."""
    opened, trained, shown, closed = (["".join(texts).splitlines()]
                                      for texts in notebook_of(executed, "open"))
    import gdstudio

    expected = gdstudio.train([0, 1, 2, 3], [1, 3, 5, 7], lr=0.05, epochs=7).table()
    assert opened == [[]]
    assert trained == [["True", *expected.splitlines(), "True"]]
    assert shown == [["True", "[0.0, 1.0, 2.0, 3.0] [1.0, 3.0, 5.0, 7.0] 0.05 7"]]
    assert closed == [["0", "False"]]


def test_a_large_data_set_is_read_from_the_csv_beside_the_notebook(executed):
    """Past 200 points the data goes to NAME_data.csv beside NAME.ipynb; the kernel, started
    in the notebook's folder as Jupyter starts it, reads it there."""
    for case in ("line-250-points", "logistic-240-points"):
        stem = case.replace("-", "_")
        assert executed[f"{case} files"] == [f"{stem}.ipynb", f"{stem}_data.csv"]
    assert executed["line-diverges files"] == ["line_diverges.ipynb"]


@pytest.mark.parametrize("case", NO_MATPLOTLIB)
def test_without_matplotlib_the_table_still_prints(case, executed):
    """matplotlib is needed for the plots only: run top to bottom without it, every cell of
    the notebook runs, the loop prints the run's history, and the plot cells say how to get
    matplotlib instead of drawing."""
    nb = notebook_of(executed, case)
    rows, _ = studio(case)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code) and errors_of(nb) == []
    assert printed_table(nb) == [HEADER, *rows]
    plotting = [cell for cell in code if "plt." in cell.source]
    assert plotting and not any(images_of(cell) for cell in code)
    for cell in plotting:
        assert "pip install matplotlib" in "".join(
            out.text for out in cell.outputs if out.output_type == "stream")


def test_the_spread_covers_each_choice():
    """Both models, each with every method and implementation and each of its losses; an
    optimizer with momentum and Adam; no bias, standardizing, a schedule, a stop rule;
    generated data, data written in and data in a CSV; runs that diverge."""
    configs = {case: config_of(case) for case in CASES}
    for model, losses in (("line", {"mse", "mae", "huber"}),
                          ("logistic", {"bce", "bce-logits", "mse"})):
        mine = [c for c in configs.values() if c.model == model]
        assert {c.method for c in mine} == {"batch", "sgd", "minibatch"}
        assert {c.impl for c in mine} == {"manual", "module", "analytic"}
        assert {c.loss for c in mine} == losses
        assert any(not c.fit_bias for c in mine) and any(c.tol for c in mine)
        assert any(c.lr_schedule != "none" for c in mine)
        assert any(c.impl == "module" and c.momentum for c in mine)
        assert any(c.impl == "module" and c.optimizer == "adam" for c in mine)
    assert any(c.standardize for c in configs.values())
    data = {case: dataset_of(case) for case in CASES}
    assert any(d.recipe is not None for d in data.values())
    assert any(d.recipe is None and len(d) <= 200 for d in data.values())
    assert {configs[c].model for c, d in data.items() if len(d) > 200} == {"line", "logistic"}
    assert {configs[c].model for c in DIVERGING} == {"line", "logistic"}
    assert {configs[c].model for c in FRESH} == {"line", "logistic"}
