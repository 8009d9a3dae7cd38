"""History and parameter tables: the formats shared by ``gdstudio train`` and the studio."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from gdstudio.core.atomic import write_files
from gdstudio.core.data.csv_io import table_text
from gdstudio.core.models.line.optimum import Optima, Optimum, optima_for
from gdstudio.core.settings.config import EpochRecord, TrainConfig
from gdstudio.core.settings.description import (
    BY_NAME,
    PARAMS_LATE_SETTINGS,
    PARAMS_SETTINGS,
    PARAMS_TRAINING_SETTINGS,
    applicable,
)
from gdstudio.core.training.control import EpochProgress
from gdstudio.core.training.stoprule import Converged

HISTORY_HEADER = ("epoch", "loss", "w", "b", "samples_seen", "updates")

#: The optimum columns: ``w_optimal``, ``b_optimal``, ``loss_optimal`` are the best line for
#: the run's own loss (``loss_fn``) and that loss there, comparable with ``loss``;
#: ``optimal_note`` says how it was found and, in words, when it is not unique (then the w, b
#: cells are empty) or when float64 cannot hold a value (then that cell is empty).
#: ``w_lsq``, ``b_lsq``, ``mse_lsq``, ``lsq_note``: the least-squares line, its MSE, and the
#: same kind of note: the reference line, whatever the run's loss. ``data_changed``: the run
#: was trained on data that has changed since (in the studio; always False from the CLI).
#: ``standardize``: trained on standardized x and y; then ``w``, ``b``, ``loss`` are in the
#: data's units and ``w_std``, ``b_std`` are the standardized line (empty otherwise; see
#: :mod:`gdstudio.core.training.standardized_run`).
#: ``tol``, ``lr_schedule``, ``lr_step_size``, ``lr_gamma``: the stop rule's tolerance and the
#: learning-rate schedule (the step size empty unless the schedule is ``step``, gamma empty
#: without a schedule). ``stopped_by``: ``loss_change`` or ``gradient_norm`` when the stop
#: rule ended the run (status ``converged``), empty otherwise; ``stop_epoch``: the epoch at
#: whose end it fired (counted from 1, so equal to ``epochs_done``); ``stop_value``: the
#: relative loss change or gradient norm there (below ``tol``).
#: ``model``: ``line`` or ``logistic``; ``accuracy``: logistic regression's fraction of
#: points on their class's side of the decision boundary at the final (w, b) (computed in
#: float64); ``boundary``: that boundary, x = -b/w (empty when w == 0, and both empty for the
#: line). For logistic regression the optimum columns hold the maximum-likelihood (w*, b*)
#: (its note says when there is none: separable or one-class data) and the least-squares
#: columns are empty.
#: The settings columns come from the description of the training settings
#: (:data:`~gdstudio.core.settings.description.PARAMS_SETTINGS`, each named by its ``csv``).
PARAMS_HEADER = (
    "run", "w", "b", "loss", "status", "epochs_done",
    *(BY_NAME[name].csv for name in PARAMS_SETTINGS),
    "n_points", "dtype", "w_optimal", "b_optimal", "loss_optimal",
    "optimal_note", "w_lsq", "b_lsq", "mse_lsq", "lsq_note",
    *(BY_NAME[name].csv for name in PARAMS_LATE_SETTINGS), "w_std", "b_std", "data_changed",
    *(BY_NAME[name].csv for name in PARAMS_TRAINING_SETTINGS), "stopped_by", "stop_epoch",
    "stop_value", "model", "accuracy", "boundary",
)


def training_cells(config: TrainConfig, stop: Converged | None) -> list:
    """The cells of the stop rule and the schedule (the last columns of a parameters row)."""
    used = applicable(config)
    cells = []
    for name in PARAMS_TRAINING_SETTINGS:
        value = getattr(config, name)
        cells.append(value if name in used else "")
    if stop is None:
        return [*cells, "", "", ""]
    return [*cells, stop.rule, stop.epoch + 1, stop.value]


def settings_cells(config: TrainConfig, init: tuple[float, float]) -> list:
    """The settings cells of a parameters row: the start the run really took (``init``),
    the batch size of mini-batch only, ``manual`` as the optimizer of a run without one."""
    used = applicable(config)
    cells = []
    for name in PARAMS_SETTINGS:
        value = getattr(config, name)
        if name == "optimizer" and name not in used:
            value = "manual"
        elif name == "batch_size" and name not in used:
            value = ""
        elif name in ("init_w", "init_b"):
            value = init[name == "init_b"]
        elif BY_NAME[name].kind == "float":
            value = float(value)
        cells.append(value)
    return cells


def _optimum_cells(opt: Optimum | None, label: bool) -> list:
    if opt is None:
        return ["", "", "", ""]

    def cell(value):
        return "" if value is None else value

    unique = opt.unique
    notes = [opt.label()] if label else []
    if not unique:
        notes.append(f"not unique: {opt.description}")
    if opt.note:
        notes.append(opt.note)
    return [cell(opt.w) if unique else "", cell(opt.b) if unique else "", cell(opt.loss),
            "; ".join(notes)]


@dataclass(frozen=True)
class RunSummary:
    """What a finished (or stopped, or diverged) run leaves: its settings and result.

    ``loss`` is the full-data loss of the final ``w``, ``b``; ``status`` is ``done``,
    ``stopped`` or ``diverged``. A run stopped inside an epoch has the ``w``, ``b`` it
    reached there, and ``partial`` (an :class:`EpochProgress`) says where; ``epochs_done``
    counts the finished epochs.
    """

    config: TrainConfig
    w: float
    b: float
    loss: float | str
    epochs_done: int
    status: str
    n_points: int
    dtype: str
    init_w: float
    init_b: float
    optimum: Optimum | None = None
    name: str = ""
    lsq: Optimum | None = None
    #: Trained on data that has changed since.
    data_changed: bool = False
    partial: EpochProgress | None = None
    #: The standardized w, b of a standardized run (None otherwise).
    w_std: float | None = None
    b_std: float | None = None
    #: The stop rule's verdict when it ended the run (status ``converged``), else None.
    stop: Converged | None = None
    #: Logistic regression: the fraction of points on their class's side of the boundary
    #: at (w, b), and the boundary x = -b/w (None when w == 0); None for the line.
    accuracy: float | None = None
    boundary: float | None = None
    #: Logistic regression: the maximum-likelihood optimum
    #: (:class:`~gdstudio.core.models.logistic.optimum.LogisticOptimum`), or None.
    logistic_optimum: Any = None

    def row(self, index: int) -> list:
        model = self.config.model
        if model == "line":
            optima = [*_optimum_cells(self.optimum, label=True),
                      *_optimum_cells(self.lsq, label=False)]
        else:
            optima = [*logistic_optimum_cells(self.logistic_optimum, self.config.loss),
                      "", "", "", ""]
        return [
            self.name or f"run {index + 1}", self.w, self.b, self.loss, self.status,
            self.epochs_done, *settings_cells(self.config, (self.init_w, self.init_b)),
            self.n_points, self.dtype, *optima,
            *(bool(getattr(self.config, name)) for name in PARAMS_LATE_SETTINGS),
            "" if self.w_std is None else self.w_std, "" if self.b_std is None else self.b_std,
            self.data_changed, *training_cells(self.config, self.stop), model,
            "" if self.accuracy is None else self.accuracy,
            "" if self.boundary is None else self.boundary,
        ]


def logistic_optimum_cells(opt, loss: str) -> list:
    """``w_optimal, b_optimal, loss_optimal, optimal_note`` of a logistic regression run: the
    maximum-likelihood (w*, b*) and its cross-entropy, or empty cells and the note saying why
    there is none (separable or one-class data); for the squared error on the sigmoid (whose
    optimum is not computed) the cross-entropy's optimum in the note only."""
    if opt is None:
        return ["", "", "", ""]
    if loss == "mse":
        return ["", "", "", "not computed for the squared error on the sigmoid; the "
                f"cross-entropy's (not this run's loss): {opt.text}"]

    def cell(value):
        return "" if value is None else value

    return [cell(opt.w), cell(opt.b), cell(opt.loss), opt.text]


HISTORY_HEADER_LINE = ",".join(HISTORY_HEADER) + "\n"
#: The history of a standardized run: ``w``, ``b``, ``loss`` in the data's units, then the
#: standardized ``w_std``, ``b_std`` of each epoch.
HISTORY_STD_HEADER_LINE = ",".join((*HISTORY_HEADER, "w_std", "b_std")) + "\n"


def history_row(r: EpochRecord) -> str:
    """One history line, numbers at full round-trip precision (as :func:`history_text`)."""
    return (f"{r.epoch},{float(r.loss)!r},{float(r.w)!r},{float(r.b)!r},{r.samples_seen},"
            f"{r.updates}\n")


def history_row_std(r: EpochRecord, standardized: tuple[float, float]) -> str:
    """One line of a standardized run's history: :func:`history_row` and ``w_std, b_std``."""
    return f"{history_row(r)[:-1]},{float(standardized[0])!r},{float(standardized[1])!r}\n"


def history_chunks(records: Iterable[EpochRecord], rows: int = 10_000) -> Iterator[str]:
    """The history CSV in pieces of ``rows`` lines: a long history is never one string."""
    yield HISTORY_HEADER_LINE
    records = iter(records)
    while chunk := "".join(map(history_row, islice(records, rows))):
        yield chunk


def history_text(records: Iterable[EpochRecord]) -> str:
    return "".join(history_chunks(records))


def params_text(runs: Sequence[RunSummary]) -> str:
    return table_text(PARAMS_HEADER, (run.row(i) for i, run in enumerate(runs)))


def write_history(path: str | os.PathLike, records: Iterable[EpochRecord]) -> None:
    """Write ``epoch,loss,w,b,...`` one row per epoch, atomically, streamed in pieces."""
    write_files([(path, history_chunks(records))])


def write_params(path: str | os.PathLike, runs: Sequence[RunSummary]) -> None:
    """Write the learned parameters and settings, one row per run, atomically."""
    write_files([(path, (params_text(runs),))])


def summarize(dataset, config: TrainConfig, last: EpochRecord | None, status: str,
              init: tuple[float, float], optimum: Optima | Optimum | None = None,
              name: str = "", diverged=None,
              partial: EpochProgress | None = None,
              converged: Converged | None = None) -> RunSummary:
    """Build the :class:`RunSummary` of a run whose last finished epoch is ``last``.

    ``optimum``: the run's :class:`Optima`, or an :class:`Optimum` (the optimum of the run's
    own loss and the least-squares reference are completed from it), or None.
    For a diverged run pass the :class:`TrainingDiverged` error: the summary then keeps its
    last parameters with a finite loss (the loss is left empty when there are none).
    For a run stopped inside an epoch pass where (``partial``): its parameters are the run's.
    """
    logistic = config.model != "line"
    optima = None if optimum is None or logistic else optima_for(dataset, config, optimum)
    # (the settings were validated when the run started)
    from gdstudio.core.training.engine import loss_at

    epochs = 0 if last is None else last.epoch + 1
    if diverged is not None:
        w, b, loss = diverged.w, diverged.b, diverged.loss
        loss = "" if loss is None else loss
    else:
        w, b = (last.w, last.b) if last is not None else init
        if partial is not None:
            w, b = partial.w, partial.b
        loss = loss_at(dataset, config, w, b)
        if not math.isfinite(loss):
            loss = ""
    return RunSummary(
        config=config, w=w, b=b, loss=loss, epochs_done=epochs, status=status,
        n_points=len(dataset), dtype=dataset.dtype, init_w=init[0], init_b=init[1],
        optimum=None if optima is None else optima.own, name=name,
        lsq=None if optima is None else optima.lsq, partial=partial, stop=converged,
        **(_logistic_facts(dataset, config, w, b, optimum) if logistic else {}),
    )


def _logistic_facts(dataset, config: TrainConfig, w: float, b: float, optimum) -> dict:
    """A logistic regression summary's accuracy, boundary and maximum-likelihood optimum
    (``optimum`` when it is one; computed when another kind is given; None without)."""
    from gdstudio.core.models.logistic.metrics import accuracy, boundary

    facts = {}
    if math.isfinite(w) and math.isfinite(b):
        facts = {"accuracy": accuracy(dataset.x, dataset.y, w, b), "boundary": boundary(w, b)}
    if optimum is not None and not hasattr(optimum, "separable"):
        from gdstudio.core.models.logistic.optimum import logistic_optimum

        optimum = logistic_optimum(dataset.x, dataset.y, config.fit_bias)
    facts["logistic_optimum"] = optimum
    return facts
