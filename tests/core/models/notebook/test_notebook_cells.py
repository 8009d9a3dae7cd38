"""The exported notebook, as a file: valid against nbformat's schema for every kind of run of
both models, its cells in the order a learner reads them, the words that name the run's
model and loss, its data CSV beside it for a large data set only, and written all or
nothing. (That its code prints the run's history: test_notebook_program.py; run in a Jupyter
kernel: test_notebooks_run.py.)
"""

from __future__ import annotations

import json
import os

import nbformat
import numpy as np
import pytest

from gdstudio.core.data.dataset import Dataset, noisy_line
from gdstudio.core.data.two_classes import two_classes
from gdstudio.core.errors import ExportError
from gdstudio.core.models.notebook import (
    notebook_cells,
    notebook_of,
    notebook_problem,
    notebook_text,
    write_notebook,
)
from gdstudio.core.models.run_script import INLINE_POINTS, script_problem
from gdstudio.core.settings.config import TrainConfig


def labels(n: int = 8) -> Dataset:
    """``n`` labelled points (0 or 1), mixed near the middle."""
    x = np.linspace(-2.0, 3.0, n)
    return Dataset(x, ((x + 0.7 * np.sin(5 * x)) > 0.4).astype(np.float64))


def points(n: int) -> Dataset:
    """``n`` points of no generator (so a large set goes to the CSV)."""
    return Dataset.from_points([(i * 0.5, 1.0 - 0.25 * i) for i in range(n)])


LINE_LOSSES, LOGISTIC_LOSSES = ("mse", "mae", "huber"), ("bce", "bce-logits", "mse")


def _spread() -> dict[str, tuple[Dataset, TrainConfig]]:
    """A spread of settings of both models: every method, implementation and loss, each
    optimizer, no bias, standardizing, schedules and the stop rule; generated, inline and
    CSV data."""
    cases = {}
    for model, losses in (("line", LINE_LOSSES), ("logistic", LOGISTIC_LOSSES)):
        data = noisy_line if model == "line" else two_classes
        for impl in ("manual", "module", "analytic"):
            for method in ("batch", "sgd", "minibatch"):
                for i, loss in enumerate(losses):
                    cases[f"{model}-{impl}-{method}-{loss}"] = (data(), TrainConfig(
                        model=model, impl=impl, method=method, loss=loss, epochs=3,
                        shuffle=i % 2 == 0, optimizer=("sgd", "adam", "rmsprop")[i]))
    options = {
        "no-bias": {"fit_bias": False}, "adagrad": {"optimizer": "adagrad"},
        "momentum": {"optimizer": "sgd", "momentum": 0.9, "nesterov": True,
                     "weight_decay": 0.01},
        "step": {"lr_schedule": "step", "lr_step_size": 2}, "tol": {"tol": 1e-3},
        "exponential": {"lr_schedule": "exponential", "lr_gamma": 0.9},
        "random-start": {"init_w": None, "init_b": None},
    }
    for name, settings in options.items():
        for impl in ("manual", "module", "analytic"):
            cases[f"line-{impl}-{name}-inline"] = (points(12), TrainConfig(
                impl=impl, method="minibatch", batch_size=4, epochs=3, **settings))
            cases[f"logistic-{impl}-{name}-csv"] = (labels(INLINE_POINTS + 5), TrainConfig(
                model="logistic", loss="bce", impl=impl, epochs=3, **settings))
    for impl in ("manual", "module", "analytic"):
        cases[f"line-{impl}-standardize-csv"] = (points(INLINE_POINTS + 1), TrainConfig(
            impl=impl, standardize=True, loss="huber", epochs=3))
    return cases


SPREAD = _spread()


def test_the_notebooks_of_a_spread_of_settings_are_valid_and_clean():
    for case, (data, config) in SPREAD.items():
        nb = notebook_of(data, config)
        nbformat.validate(nb)
        assert nb.nbformat == 4, case
        assert nb.metadata.kernelspec.name == "python3"
        assert nb.metadata.language_info.name == "python"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), case
        # the written text reads back as the same notebook, still valid
        again = nbformat.reads(notebook_text(data, config), as_version=4)
        nbformat.validate(again)
        assert [c.source for c in again.cells] == [c.source for c in nb.cells]
        assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_the_notebook_text_is_the_same_every_time():
    data, config = SPREAD["line-module-minibatch-mse"]
    assert notebook_text(data, config) == notebook_text(data, config)


def _ids(data, config) -> list[str]:
    return [key for kind, key, _ in notebook_cells(data, config) if kind == "code"]


def test_the_cells_go_step_by_step():
    line = noisy_line()
    assert _ids(line, TrainConfig(method="minibatch", shuffle=True)) == [
        "imports", "threads", "data", "parameters", "model", "loss", "gradient", "batching",
        "divergence", "loop", "loss-plot", "fit-plot"]
    assert _ids(line, TrainConfig(impl="module", standardize=True, lr_schedule="step",
                                  tol=1e-4)) == [
        "imports", "threads", "data", "standardizing", "model", "loss", "gradient",
        "optimizer", "scheduler", "stop-rule", "divergence", "loop", "loss-plot", "fit-plot"]
    assert _ids(two_classes(), TrainConfig(model="logistic", loss="bce", impl="analytic",
                                           method="sgd")) == [
        "imports", "data", "model", "parameters", "gradient", "batching", "divergence",
        "loop", "loss-plot", "fit-plot"]
    words = [key for kind, key, _ in notebook_cells(line, TrainConfig()) if kind == "markdown"]
    assert words[0] == "title" and "update-words" in words and "plots-words" in words


def _cell(data, config, key: str) -> str:
    return next(source for _, k, source in notebook_cells(data, config) if k == key)


def _words(data, config) -> str:
    return "\n".join(source for kind, _, source in notebook_cells(data, config)
                     if kind == "markdown")


@pytest.mark.parametrize(("model", "loss", "says"), [
    ("line", "mse", ["mean squared error", r"(\hat y_i - y_i)^2"]),
    ("line", "mae", ["mean absolute error", r"|\hat y_i - y_i|"]),
    ("line", "huber", [r"Huber loss with $\delta = 0.5$", r"\ell_\delta"]),
    ("logistic", "bce", ["cross-entropy", r"y_i \log p_i + (1 - y_i)\log(1 - p_i)"]),
    ("logistic", "bce-logits", ["cross-entropy (log loss), computed from the log-odds",
                                r"y_i \log p_i + (1 - y_i)\log(1 - p_i)"]),
    ("logistic", "mse", ["squared error on the sigmoid", r"(p_i - y_i)^2"]),
])
def test_the_words_name_the_model_and_its_loss(model, loss, says):
    data = noisy_line() if model == "line" else two_classes()
    for impl in ("manual", "module", "analytic"):
        words = _words(data, TrainConfig(model=model, loss=loss, impl=impl, huber_delta=0.5))
        for text in says:
            assert text in words, (impl, text)
        if model == "line":
            assert r"$$\hat y = wx + b$$" in words and "sigma" not in words
            assert "Fitting a line" in words
        else:
            assert r"$$p = \sigma(wx + b)" in words and r"\hat y" not in words
            assert "Logistic regression" in words
    if loss == "bce-logits":
        words = _words(data, TrainConfig(model=model, loss=loss))
        assert "`binary_cross_entropy_with_logits` computes it from $z$" in words
    no_bias = _words(data, TrainConfig(model=model, loss=loss, fit_bias=False))
    assert (r"$$\hat y = wx$$" if model == "line" else r"$$p = \sigma(wx) =") in no_bias
    assert "no intercept" in no_bias


def test_the_words_say_how_exactly_the_table_is_the_history():
    line = noisy_line()
    assert "bit for bit" in _cell(line, TrainConfig(impl="module"), "title")
    # the line's analytic batch steps run in float64 in the studio: the script's bound
    title = _cell(line, TrainConfig(impl="analytic", method="minibatch"), "title")
    assert "within 4*k*E*eps*S after E epochs" in title and "eps = 2**-23" in title
    logistic = TrainConfig(model="logistic", loss="bce", impl="analytic")
    assert "history bit for bit" in _cell(two_classes(), logistic, "title")


def test_the_words_say_where_the_loop_stops():
    """Every notebook's loop stops where the studio stops a run that diverges; one with
    nn.BCELoss also where p saturates, and its words say so (the hand-written cross-entropy's
    say that log(0) is what stops it)."""
    data = two_classes()
    module = TrainConfig(model="logistic", loss="bce", impl="module")
    words = _cell(data, module, "divergence-words")
    assert "### Saturation" in words and "`nn.BCELoss` counts $\\log 0$ as $-100$" in words
    assert "The studio stops the run there, at the start of that epoch, and so does the" \
           " loop." in words
    assert "fewer if the run diverges or saturates." in _cell(data, module, "loop-words")
    assert "break  # saturated" in _cell(data, module, "loop")
    manual = TrainConfig(model="logistic", loss="bce", impl="manual")
    assert "$\\log 0 = -\\infty$" in _cell(data, manual, "divergence-words")
    for model, loss, impl in (("logistic", "bce", "manual"), ("logistic", "bce-logits",
                                                              "module"),
                              ("logistic", "mse", "module"), ("logistic", "bce", "analytic"),
                              ("line", "mse", "module")):
        config = TrainConfig(model=model, loss=loss, impl=impl)
        data = two_classes() if model == "logistic" else noisy_line()
        assert "Saturation" not in _words(data, config)
        assert "saturated" not in _cell(data, config, "loop")
        assert "fewer if the run diverges." in _cell(data, config, "loop-words")
        assert "stops a run that diverges" in _cell(data, config, "divergence")


def test_the_words_describe_the_update_and_the_batches():
    line = noisy_line()
    assert "`w -= lr * w.grad`" in _cell(line, TrainConfig(), "update-words")
    adam = _cell(line, TrainConfig(impl="module", optimizer="adam"), "optimizer-words")
    assert "torch.optim.Adam" in adam and "optimizer.step()" in adam
    momentum = TrainConfig(impl="module", momentum=0.9, nesterov=True, weight_decay=0.01)
    sgd = _cell(line, momentum, "optimizer-words")
    assert "momentum 0.9" in sgd and "Nesterov" in sgd and "weight decay 0.01" in sgd
    assert "one step per point" in _cell(line, TrainConfig(method="sgd"), "batching-words")
    shuffled = _cell(line, TrainConfig(method="minibatch", batch_size=7, shuffle=True, seed=4),
                     "batching-words")
    assert "batches of 7 points" in shuffled and "seeded with 4" in shuffled


def test_the_gradient_cell_only_looks():
    """The backward pass is shown with torch.autograd.grad (or the analytic NumPy
    function), never .backward() or a step: the loop starts from the same state (its table
    is the history: test_notebook_program.py)."""
    line = noisy_line()
    manual = _cell(line, TrainConfig(), "gradient")
    assert "torch.autograd.grad(start_loss, [w, b])" in manual
    module = _cell(line, TrainConfig(impl="module", fit_bias=False), "gradient")
    assert "torch.autograd.grad(start_loss, [model.weight])" in module
    analytic = _cell(two_classes(), TrainConfig(model="logistic", loss="bce", impl="analytic"),
                     "gradient")
    assert "terms_and_slopes(z_of(x, w, b), y, KIND)" in analytic
    for code in (manual, module, analytic):
        assert ".backward()" not in code and "step(" not in code and "-=" not in code


def test_matplotlib_is_imported_in_the_plot_cells_only():
    for data, config in (SPREAD["line-manual-batch-mse"], SPREAD["logistic-module-sgd-bce"]):
        cells = notebook_cells(data, config)
        having = [key for kind, key, source in cells if "matplotlib" in source and
                  kind == "code"]
        assert having == ["loss-plot", "fit-plot"]
        for key in having:
            assert "except ImportError:" in _cell(data, config, key)
            assert 'print("pip install matplotlib to draw the plots")' in _cell(data, config,
                                                                                key)
    logistic = _cell(two_classes(), TrainConfig(model="logistic", loss="bce"), "fit-plot")
    assert "decision boundary" in logistic and "torch.sigmoid" in logistic


def test_the_data_csv_is_read_from_the_notebooks_folder():
    code = _cell(points(INLINE_POINTS + 1), TrainConfig(), "data")
    assert "DATA_CSV = Path('run_data.csv')" in code
    assert "__file__" not in code
    assert ('raise FileNotFoundError(f"{DATA_CSV} not found in {Path.cwd()}: run this "\n'
            '                            "notebook in its own folder, beside its data")') in code
    named = next(source for _, key, source in notebook_cells(
        points(INLINE_POINTS + 1), TrainConfig(), "fit_data.csv") if key == "data")
    assert "Path('fit_data.csv')" in named and "run_data.csv" not in named


def test_the_threads_cell_is_the_scripts():
    from gdstudio.core.settings.torch_threads import threads_for

    code = _cell(points(12), TrainConfig(), "threads")
    assert f"torch.set_num_threads({threads_for(12)})" in code


# --------------------------------------------------------------------------- files


def listing(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_large_data_set_goes_to_the_csv_beside_the_notebook(tmp_path):
    big = points(INLINE_POINTS + 1)
    written = write_notebook(tmp_path / "fit.ipynb", big, TrainConfig(epochs=2))
    assert [p.name for p in written] == ["fit.ipynb", "fit_data.csv"]
    assert listing(tmp_path) == ["fit.ipynb", "fit_data.csv"]
    rows = (tmp_path / "fit_data.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "x,y" and len(rows) == INLINE_POINTS + 2
    assert [float(v) for v in rows[-1].split(",")] == [100.0, -49.0]
    nb = nbformat.read(tmp_path / "fit.ipynb", as_version=4)
    nbformat.validate(nb)
    assert "fit_data.csv" in json.dumps(nb)


@pytest.mark.parametrize("data", ["inline", "generated", "two-classes"])
def test_small_or_generated_data_stays_in_the_notebook(tmp_path, data):
    config = TrainConfig(epochs=2)
    if data == "inline":
        dataset = points(INLINE_POINTS)
    elif data == "generated":
        dataset = noisy_line(x_step=0.005)  # 2000 points the generator draws again
        assert len(dataset) > INLINE_POINTS
    else:
        dataset, config = two_classes(n0=150, n1=150), TrainConfig(model="logistic", loss="bce")
    written = write_notebook(tmp_path / "run.ipynb", dataset, config)
    assert [p.name for p in written] == ["run.ipynb"] and listing(tmp_path) == ["run.ipynb"]
    assert "_data.csv" not in (tmp_path / "run.ipynb").read_text(encoding="utf-8")


OLD = '{"old": "notebook"}\n'


def test_a_refused_notebook_target_writes_nothing(tmp_path):
    (tmp_path / "run.ipynb").mkdir()
    with pytest.raises(ExportError, match="folder"):
        write_notebook(tmp_path / "run.ipynb", points(INLINE_POINTS + 1), TrainConfig())
    assert listing(tmp_path) == ["run.ipynb"] and listing(tmp_path / "run.ipynb") == []


def test_a_refused_data_csv_leaves_the_old_notebook(tmp_path):
    (tmp_path / "run.ipynb").write_text(OLD, encoding="utf-8")
    (tmp_path / "run_data.csv").mkdir()
    with pytest.raises(ExportError, match=r"run_data\.csv"):
        write_notebook(tmp_path / "run.ipynb", points(INLINE_POINTS + 1), TrainConfig())
    assert listing(tmp_path) == ["run.ipynb", "run_data.csv"]
    assert (tmp_path / "run.ipynb").read_text(encoding="utf-8") == OLD


def test_a_notebook_replaces_the_old_file(tmp_path):
    path = tmp_path / "run.ipynb"
    path.write_text(OLD, encoding="utf-8")
    os.chmod(path, 0o640)
    write_notebook(path, points(5), TrainConfig(epochs=2))
    nbformat.validate(nbformat.read(path, as_version=4))
    assert listing(tmp_path) == ["run.ipynb"]


def test_the_notebooks_problem_is_the_scripts():
    empty = Dataset.from_points([])
    assert notebook_problem(empty, TrainConfig()) == script_problem(empty, TrainConfig())
    assert notebook_problem(empty, TrainConfig()).startswith("No data")
    line = noisy_line()
    logistic = TrainConfig(model="logistic", loss="bce")
    assert notebook_problem(line, logistic) == script_problem(line, logistic) is not None
    assert notebook_problem(two_classes(), logistic) is None
    same = Dataset.from_points([(1.0, 2.0), (1.0, 3.0)])
    assert notebook_problem(same, TrainConfig(standardize=True)) == script_problem(
        same, TrainConfig(standardize=True)) is not None


def _ruff(folder) -> dict[str, list[str]]:
    """ruff's findings (pycodestyle, pyflakes, import order; lines up to 100) in the files
    of ``folder``, by file stem: each finding's code and message."""
    import subprocess
    import sys
    from pathlib import Path

    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed")
    done = subprocess.run([str(ruff), "check", "--isolated", "--no-cache", "--select",
                           "E,W,F,I", "--line-length", "100", "--output-format", "concise",
                           "."], cwd=folder, capture_output=True, text=True, timeout=120)
    found: dict[str, list[str]] = {}
    for line in done.stdout.splitlines():
        name, sep, rest = line.partition(".ipynb:" if ".ipynb:" in line else ".py:")
        if sep:
            found.setdefault(name, []).append(rest.split(": ", 1)[1])
    return found


def test_the_notebooks_code_is_as_clean_as_the_scripts(tmp_path):
    """The code cells are plain Python as a tutorial would print it: ruff (which reads
    notebooks) finds nothing in them, nor in the run's script."""
    from gdstudio.core.models.run_script import script_text

    (tmp_path / "nb").mkdir()
    (tmp_path / "py").mkdir()
    for case, (data, config) in SPREAD.items():
        write_notebook(tmp_path / "nb" / f"{case}.ipynb", data, config)
        (tmp_path / "py" / f"{case}.py").write_text(script_text(data, config),
                                                    encoding="utf-8")
    notebooks, scripts = _ruff(tmp_path / "nb"), _ruff(tmp_path / "py")
    assert len(list((tmp_path / "nb").glob("*.ipynb"))) == len(SPREAD)
    assert notebooks == {}
    assert scripts == {}
