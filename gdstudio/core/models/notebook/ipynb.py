"""A run as a Jupyter notebook (File ▸ Export notebook…, ``gdstudio train --notebook``).

The notebook is the run's script (:mod:`gdstudio.core.models.run_script`) cut into its steps,
each a code cell after a markdown cell that explains it in a learner's words, as the PyTorch
tutorials do: the data, the parameters, the model, the loss, the backward pass, the update, the
batches, the loop. The code cells are the script's own sections, so the arithmetic is the same
and the loop prints the same table, ``epoch,loss,w,b``, the run's history bit for bit (the
line's analytic batch and mini-batch runs: to the bound the first cell states). Only three
things differ from the script:

- a data CSV is read from the notebook's folder (Jupyter's working directory), not beside
  ``__file__``, with a clear one-line error when it is missing;
- a cell shows the gradient at the start (``torch.autograd.grad``, or the analytic steps'
  NumPy function), without changing anything the loop uses;
- the loop keeps its rows in ``history``, and the last two cells plot them with matplotlib
  (imported there only): the loss over the epochs, and the data with the fitted line, or
  logistic regression's two classes with the sigmoid and its decision boundary.

Cells (``id``: what; in this order, each code cell after its markdown cell ``ID-words``):
``title`` (markdown only), ``imports``, ``threads`` (not for logistic regression's analytic
implementation), ``data``, ``standardizing`` (standardized runs), ``parameters`` (the manual
and analytic implementations), ``model``, ``loss`` (``model`` holds both for the analytic
implementation of logistic regression), ``optimizer`` (the module implementation),
``gradient`` (the backward pass), ``update`` (markdown only), ``scheduler`` and ``stop-rule``
(when the settings have them), ``batching`` (stochastic and mini-batch runs),
``divergence``, ``loop``, ``plots`` (markdown), ``loss-plot``, ``fit-plot``.
"""

from __future__ import annotations

import os
from pathlib import Path

from gdstudio.core.models.line.script import _Script, data_csv_name, needs_data_csv
from gdstudio.core.models.logistic.script import _LogisticScript
from gdstudio.core.models.logistic.script_parts import analytic_sections
from gdstudio.core.models.notebook import extra_cells, step_words

__all__ = ["data_csv_name", "needs_data_csv", "notebook_of", "notebook_problem",
           "notebook_text", "write_notebook"]

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


class _NotebookSteps:
    """What the notebook's code says differently from the script's (a mixin before the
    script's class)."""

    def data_csv_lines(self) -> list[str]:
        return [f"# The data: {self.n} points, x,y with a header, in the CSV file beside "
                "this notebook",
                "# (Jupyter runs a notebook in the notebook's folder).",
                f"DATA_CSV = Path({self.data_csv!r})",
                "if not DATA_CSV.is_file():",
                '    raise FileNotFoundError(f"{DATA_CSV} not found in {Path.cwd()}: run this "',
                '                            "notebook in its own folder, beside its data")']

    def record(self, loss: str, w: str, b: str) -> list[str]:
        return [f"    history.append((epoch, {loss}, {w}, {b}))"]


class _LineSteps(_NotebookSteps, _Script):
    pass


class _LogisticSteps(_NotebookSteps, _LogisticScript):
    pass


def _steps(dataset, config, data_csv: str):
    if getattr(config, "model", "line") == "logistic":
        return _LogisticSteps(dataset, config, data_csv)
    return _LineSteps(dataset, config, data_csv)


def notebook_problem(dataset, config) -> str | None:
    """Why no notebook can be written for ``dataset`` and ``config`` (the message a run
    would give; the script's problem), or None."""
    from gdstudio.core.models.run_script import script_problem

    return script_problem(dataset, config)


def notebook_cells(dataset, config, data_csv: str = "run_data.csv") -> list[tuple[str, str, str]]:
    """The notebook's cells, ``(kind, id, source)`` with kind ``"markdown"`` or ``"code"``
    (see the module's docstring for the ids). The settings must be valid for the data
    (:func:`notebook_problem` is None)."""
    s = _steps(dataset, config, data_csv)
    cells = [("markdown", "title", step_words.title(s))]
    sections = _analytic_steps(s) if getattr(s, "analytic", False) else _autograd_steps(s)
    for key, words, lines in sections:
        if words:
            cells.append(("markdown", f"{key}-words", words))
        code = "\n".join(lines).strip("\n")
        if code:
            cells.append(("code", key, code))
    return cells


def _autograd_steps(s):
    """(id, words, code lines) of the autograd implementations (the line's analytic one
    too: its script is the autograd equivalent)."""
    yield "imports", step_words.imports(s), list(s.imports())
    yield "threads", step_words.threads(s), list(s.threads())
    data = list(s.data())
    if s.std is not None:
        data.append("X_DATA, Y_DATA = X, Y  # the data in its own units, for the plots")
    yield "data", step_words.data(s), data
    if s.std is not None:
        yield "standardizing", step_words.standardizing(s), list(s.standardizing())
    sections = dict(s.model_sections())
    words = {"parameters": step_words.parameters, "model": step_words.model,
             "loss": step_words.loss}
    for key, say in words.items():
        if key in sections:
            yield key, say(s), sections[key]
    yield "gradient", step_words.backward(s), [extra_cells.gradient_cell(s)]
    if "optimizer" in sections:  # (the module implementation)
        yield "optimizer", step_words.update(s), sections["optimizer"]
    else:
        yield "update", step_words.update(s), []
    yield from _common_steps(s, list(s.divergence()), list(s.table_loop()))


def _analytic_steps(s):
    """(id, words, code lines) of logistic regression's analytic implementation."""
    sections = dict(analytic_sections(s))
    yield "imports", step_words.imports(s), sections["imports"]
    yield "data", step_words.data(s), sections["data"]
    yield "model", step_words.analytic_functions(s), sections["functions"]
    yield "parameters", step_words.parameters(s), sections["parameters"]
    yield "gradient", step_words.backward(s), [extra_cells.gradient_cell(s)]
    yield "update", step_words.update(s), []
    yield from _common_steps(s, sections["divergence"], sections["loop"],
                             sections.get("scheduler"), sections.get("stop rule"))


def _common_steps(s, divergence, loop, schedule=None, stop=None):
    if s.schedule != "none":
        yield "scheduler", step_words.scheduler(s), schedule or list(_scheduler(s))
    if s.tol > 0:
        yield "stop-rule", step_words.stop_rule(s), stop or list(_stop_rule(s))
    if not s.batch:
        yield "batching", step_words.batching(s), list(s.batching())
    yield "divergence", step_words.divergence(s), divergence
    yield "loop", step_words.loop(s), ["history = []  # the table's rows (epoch, loss, w, b), "
                                    "for the plots", *loop]
    yield "plots", step_words.plots(s), []
    yield "loss-plot", "", [extra_cells.loss_plot_cell(s)]
    yield "fit-plot", "", [extra_cells.fit_plot_cell(s)]


def _scheduler(s):
    from gdstudio.core.models.line.script_parts import scheduler_lines

    return scheduler_lines(s)


def _stop_rule(s):
    from gdstudio.core.models.line.script_parts import stop_rule_lines

    return stop_rule_lines(s)


def notebook_of(dataset, config, data_csv: str = "run_data.csv"):
    """The notebook of a run of ``config`` on ``dataset``: an nbformat v4
    ``NotebookNode``, valid against nbformat's schema, with a python3 kernel and no
    outputs. ``data_csv``: the name of the data file beside it that a large data set is
    read from (:func:`data_csv_name`)."""
    import nbformat
    import nbformat.v4 as v4

    cells = []
    for kind, key, source in notebook_cells(dataset, config, data_csv):
        cell = {"cell_type": kind, "id": key, "metadata": {}, "source": source}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    # (made as nbformat's new_code_cell etc. make them, without validating each cell: the
    # tests validate the whole)
    return nbformat.from_dict({
        "nbformat": v4.nbformat, "nbformat_minor": v4.nbformat_minor, "cells": cells,
        "metadata": {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}})


def notebook_text(dataset, config, data_csv: str = "run_data.csv") -> str:
    """The notebook of :func:`notebook_of` as the text of an ``.ipynb`` file."""
    import nbformat

    return nbformat.writes(notebook_of(dataset, config, data_csv)) + "\n"


def write_notebook(path: str | os.PathLike, dataset, config) -> list[Path]:
    """Write the notebook to ``path`` (and, for a large data set, its data CSV
    ``NAME_data.csv`` beside it), all or nothing, atomically; return the files written."""
    from gdstudio.core.models.line.script import write_script

    return write_script(path, dataset, config, text_of=notebook_text)
