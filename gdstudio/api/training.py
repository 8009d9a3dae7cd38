"""``gdstudio.train(x, y, **settings)``: a run of ``gdstudio train`` from Python, returned as
numpy arrays and a summary, the same numbers bit for bit.

The keywords and the points are read by ``gdstudio train``'s own code
(:mod:`gdstudio.api.run_input`), and the run is the one the command line makes
(:class:`~gdstudio.core.training.lifecycle.TrainingRun`, the same optimum and summary), so
nothing here can drift from it. Nothing is printed; a run that diverges returns (status
``"diverged"``) and warns once.
"""

from __future__ import annotations

import numbers
import os
import sys
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Run", "train"]


@dataclass(frozen=True, eq=False, repr=False)
class Run:
    """A finished run of :func:`train`.

    Attributes
    ----------
    epoch : numpy.ndarray of int64
        0, 1, 2, ...: one entry per epoch of the history.
    loss, w, b : numpy.ndarray of float64
        The history's numbers, exactly as ``gdstudio train --history`` writes them: the
        full-data loss at the start of each epoch, and w and b after it (in the data's units
        for a standardized run). Read-only.
    summary : dict
        The parameters file's columns (``gdstudio train --params``) by name: ``w``, ``b``,
        ``loss``, ``status``, ``epochs_done``, the settings, ``w_optimal``, ``w_lsq``,
        ``accuracy``... Numbers are Python floats (counts are ints), an empty cell is None.
    status : str
        ``"done"``, ``"converged"`` (the stop rule, ``tol``, ended it) or ``"diverged"``.
    message : str
        For a diverged run, the sentence ``gdstudio train`` prints about it (why it diverged
        or saturated, and the stable learning rate); ``""`` otherwise.
    settings : TrainConfig
        The run's settings (:class:`gdstudio.core.settings.config.TrainConfig`).
    report : tuple of str
        The lines ``gdstudio train`` prints at the end: the final w, b and loss, the stop
        rule's verdict, the optimum.
    """

    epoch: np.ndarray
    loss: np.ndarray
    w: np.ndarray
    b: np.ndarray
    summary: dict[str, Any]
    status: str
    message: str
    settings: Any
    report: tuple[str, ...] = ()

    def table(self) -> str:
        """The history as text: ``epoch,loss,w,b`` and one line per epoch, what the first
        four columns of ``gdstudio train --history``'s file hold (and what the run's script
        and notebook print)."""
        rows = zip(self.epoch.tolist(), self.loss.tolist(), self.w.tolist(), self.b.tolist(),
                   strict=True)
        return "epoch,loss,w,b\n" + "".join(f"{e},{loss!r},{w!r},{b!r}\n"
                                            for e, loss, w, b in rows)

    def __repr__(self) -> str:
        epochs = len(self.epoch)
        head = (f"<gdstudio run: {self.status}, {epochs} epoch{'' if epochs == 1 else 's'} of "
                f"{self.summary['n_points']} points; {self.settings.describe()}>")
        return "\n".join([head, *self.report, *([self.message] if self.message else [])])


def _cell(value):
    """A parameters cell as Python: None for an empty cell, int for a count, float for any
    other number, else as it is (text, True/False)."""
    if isinstance(value, str):
        return None if value == "" else value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _frozen(values, dtype) -> np.ndarray:
    arr = np.array(values, dtype=dtype)
    arr.flags.writeable = False
    return arr


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside this package (a warning names the
    user's line, whether ``gdstudio.train`` or this module's ``train`` was called)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def train(x=None, y=None, **settings) -> Run:
    """Train on the points ``x``, ``y`` with the settings of ``gdstudio train``; return the
    :class:`Run`: its history as numpy arrays and its summary, the numbers of
    ``gdstudio train`` bit for bit.

    ``x``, ``y``: 1-D sequences of numbers of the same length (lists, numpy arrays, pandas
    Series, torch tensors), trained on as float32 (``float64=True``: float64), converted as
    ``gdstudio train --data`` converts a CSV file's text. For ``model="logistic"`` y holds
    labels, 0 or 1. Leave both out for ``gdstudio train``'s own data: the tutorial's noisy line
    (``slope``, ``intercept``, ``noise``, ``x_min``, ``x_max``, ``x_step``, ``n_points``;
    for logistic regression two overlapping classes), or ``data="FILE.csv"``, or
    ``session="FILE.gdstudio"`` (a session's or lesson's data and settings; the settings
    given replace the session's).

    The settings are ``gdstudio train``'s options with underscores, with the same defaults
    (``gdstudio train --help`` lists them): ``model`` ("line" or "logistic"), ``method``
    ("batch", "sgd", "minibatch"), ``impl`` ("manual", "module", "analytic"), ``optimizer``,
    ``loss``, ``lr``, ``epochs``, ``batch_size``, ``init_w``, ``init_b``, ``seed``,
    ``momentum``, ``nesterov``, ``weight_decay``, ``beta1``, ``beta2``, ``alpha``, ``eps``,
    ``huber_delta``, ``tol``, ``lr_schedule``, ``lr_step_size``, ``lr_gamma``, and the flags
    ``shuffle``, ``no_bias``, ``standardize``, ``float64`` (True or False). A setting given
    as None is not given.

    Raises
    ------
    ValueError
        One line, before anything runs: for a bad setting, the message ``gdstudio train``
        prints for it without its ``gdstudio train: `` prefix and its ``(see 'gdstudio
        train --help')`` tail (``lr=-1``: "The learning rate must be positive, got -1.0.");
        for an unknown keyword, its name and the closest setting; for an output option
        (``history``, ``params``, ``figure``, ``script``, ``notebook``, ``quiet``), what to
        use instead; for points that are not 1-D numbers of one length, NaN, infinite, too
        large or small for float32, or labels other than 0 or 1, which point.

    A run that diverges is returned too (``status == "diverged"``, the history up to it) and
    warns once with its ``message`` (a :class:`RuntimeWarning`). Nothing is printed.
    """
    from gdstudio.api.run_input import message, prepared
    from gdstudio.cli.main import final_lines, run_optimum
    from gdstudio.core.errors import StudioError
    from gdstudio.core.training.lifecycle import TrainingRun
    from gdstudio.core.training.results import PARAMS_HEADER

    dataset, config, _session = prepared(x, y, settings)
    try:
        run = TrainingRun(dataset, config)  # validates for the data's dtype; draws the start
    except StudioError as exc:
        raise ValueError(message(exc)) from None
    optimum = run_optimum(dataset, run.loss_config)
    records = list(run.records())
    summary = run.summarize(optimum)
    said = "" if run.diverged is None else str(run.diverged)
    result = Run(
        epoch=_frozen([r.epoch for r in records], np.int64),
        loss=_frozen([float(r.loss) for r in records], np.float64),
        w=_frozen([float(r.w) for r in records], np.float64),
        b=_frozen([float(r.b) for r in records], np.float64),
        summary={name: _cell(value) for name, value in zip(PARAMS_HEADER, summary.row(0),
                                                           strict=True)},
        status=str(summary.status), message=said, settings=run.config,
        report=tuple(final_lines(run, summary, optimum)))
    if said:
        warnings.warn(said, RuntimeWarning, stacklevel=_caller_level())
    return result
