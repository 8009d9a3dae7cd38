"""A run from start to end, as ``gdstudio train`` and the studio's training thread both run it.

:class:`TrainingRun` is made once per run. Making it validates the settings for the data
(and the model's labels) and draws (or takes) the start, once; then
:meth:`TrainingRun.records` runs the engine and collects where it got to,
:attr:`TrainingRun.status` turns the way it ended into done, stopped or diverged, and
:meth:`TrainingRun.summarize` builds the run's :class:`~gdstudio.core.training.results.RunSummary`.

How it ends:

- **done**: every epoch ran;
- **stopped**: fewer epochs than planned ran (a stop request, a signal, a failing standard
  output), possibly with part of an epoch: :attr:`TrainingRun.partial` then holds where
  the stop came (an :class:`EpochProgress`), and the summary's ``w``, ``b`` are the
  parameters reached there. The history holds the finished epochs only: a row is an
  epoch (the loss at its start, w and b after all its updates), which a partial epoch is
  not; the summary's ``partial`` says how far the next one got;
- **diverged**: the engine's divergence rule fired; :attr:`TrainingRun.diverged` holds the
  :class:`TrainingDiverged` error (its last finite parameters);
- **converged**: the stop rule (``tol``, :mod:`.stoprule`) fired at the end of an epoch;
  :attr:`TrainingRun.converged` says which rule, where and its value.

A run that has ended other than by diverging can be continued (:meth:`TrainingRun.extend`):
the next :meth:`TrainingRun.records` trains more epochs from where it stopped, with the
engine's whole state kept (the optimizer's moments, the shuffling generator, the
learning-rate schedule, the epoch a stop came inside), so that a run of 10 epochs continued
for 10 more is bitwise the run of 20.

A run with ``standardize`` (see :mod:`.standardized`) trains on standardized x and y and
gives everything in the data's units: the records' ``w``, ``b`` and ``loss``, the summary
and :attr:`TrainingRun.init`; the standardized ``w``, ``b`` are kept beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import ConfigError, TrainingDiverged
from gdstudio.core.training.control import EpochProgress
from gdstudio.core.training.engine import (
    EngineState,
    EpochRecord,
    TrainConfig,
    TrainingControl,
    check_data,
    initial_parameters,
    run_epochs,
)
from gdstudio.core.training.results import RunSummary, summarize
from gdstudio.core.training.runstate import RunStatus
from gdstudio.core.training.standardized_run import StandardizedTraining
from gdstudio.core.training.stoprule import Converged


class TrainingRun:
    """One run of ``config`` on ``dataset``: validated, started, collected and summarized.

    Raises :class:`ConfigError` or :class:`DataError` (nothing runs) for settings the data's
    dtype cannot take or an empty data set. Not thread-safe: one thread runs
    :meth:`records` and then reads the results.
    """

    def __init__(self, dataset: Dataset, config: TrainConfig):
        config.validate(dataset.dtype)
        check_data(dataset, config)
        self.dataset = dataset
        self.config = config
        #: The start (w, b): as the settings give it, or drawn from the seed (once).
        self.init: tuple[float, float] = initial_parameters(config, dataset.dtype)
        #: The standardized training (None for a run on the data as it is).
        self.standardized: StandardizedTraining | None = (
            StandardizedTraining(dataset, config, self.init) if config.standardize else None)
        #: The last finished epoch's (w, b) in standardized units (None: not standardized,
        #: or no epoch yet).
        self.last_std: tuple[float, float] | None = None
        #: The last finished epoch's record (None before the first).
        self.last: EpochRecord | None = None
        #: Where a stop inside an epoch left the run (None: it ended between epochs).
        self.partial: EpochProgress | None = None
        #: The divergence that ended the run, or None.
        self.diverged: TrainingDiverged | None = None
        #: The stop rule's verdict, if it ended the run (see :mod:`.stoprule`), or None.
        self.converged: Converged | None = None
        #: The epochs the run is to have done when its records end (``config.epochs``,
        #: more once continued).
        self.planned: int = config.epochs
        self._state: EngineState | None = None

    def records(self, control: TrainingControl | None = None,
                progress: Callable[[EpochProgress], None] | None = None, path=None
                ) -> Iterator[EpochRecord]:
        """Run the engine: its records, one per epoch, as they come.

        Divergence ends the records quietly (see :attr:`diverged`); any other error is
        raised. ``control`` pauses and stops the run between updates; ``progress`` gets
        where a long epoch is (see :mod:`gdstudio.core.training.control`); ``path`` (a
        :class:`~gdstudio.core.training.path.PathBuffer`) records its updates (see
        :func:`~gdstudio.core.training.engine.run_epochs`).
        """
        std = self.standardized
        dataset, init = (self.dataset, self.init) if std is None else (std.dataset, std.init)
        if self._state is None:
            self._state = EngineState(dataset, self.config, init)
        if std is None:
            engine = run_epochs(dataset, self.config, init, control, progress, path,
                                state=self._state, until=self.planned)
        else:  # the path is recorded standardized and shown in the data's units
            if path is not None:
                path.units = std.standardization.to_original_rows
            engine = run_epochs(dataset, self.config, init, control,
                                None if progress is None else std.progress(progress), path,
                                state=self._state, until=self.planned)
        try:
            while True:
                try:
                    record = next(engine)
                except StopIteration as end:
                    if isinstance(end.value, Converged):
                        self.converged = end.value
                    else:
                        self.partial = (end.value if std is None
                                        else std.progress_back(end.value))
                    return
                except TrainingDiverged as exc:
                    self.diverged = exc if std is None else std.diverged_back(exc)
                    return
                if std is not None:
                    self.last_std = (record.w, record.b)
                    record = std.record_back(record)
                self.last = record
                yield record
        finally:
            engine.close()

    @property
    def epochs_done(self) -> int:
        return 0 if self.last is None else self.last.epoch + 1

    @property
    def status(self) -> RunStatus:
        """How the run ended (once :meth:`records` has ended or been closed)."""
        if self.diverged is not None:
            return RunStatus.DIVERGED
        if self.converged is not None:
            return RunStatus.CONVERGED
        if self.partial is not None or self.epochs_done < self.planned:
            return RunStatus.STOPPED
        return RunStatus.DONE

    def continue_problem(self) -> str | None:
        """Why the run cannot be continued, or None."""
        if self.diverged is not None:
            return ("A diverged run cannot be continued: its loss left the finite numbers or "
                    "grew past the divergence limit. Lower the learning rate and train again.")
        if self._state is None:
            return "The run has not started yet."
        return None

    def extend(self, epochs: int, tol: float | None = None) -> None:
        """Make the next :meth:`records` train ``epochs`` more epochs from where the run
        stopped (an epoch a stop came inside is finished first, as the first of them);
        ``tol``, if given, is the stop rule's tolerance from now on.

        Raises :class:`ConfigError` (nothing changes) if the run cannot be continued (see
        :meth:`continue_problem`) or ``epochs`` / ``tol`` is out of range.
        """
        problem = self.continue_problem()
        if problem is not None:
            raise ConfigError(problem)
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ConfigError(f"Epochs to continue must be a whole number of at least 1, got "
                              f"{epochs!r}.")
        changes = {"epochs": self.epochs_done + epochs}
        if tol is not None:
            changes["tol"] = tol
        config = self.config.replace(**changes)
        config.validate()
        self.config, self.planned = config, config.epochs
        self.partial = self.converged = None

    @property
    def w(self) -> float:
        """The parameters the run has reached: mid-epoch ones after a stop inside an epoch."""
        return self._reached()[0]

    @property
    def b(self) -> float:
        return self._reached()[1]

    def _reached(self) -> tuple[float, float]:
        if self.diverged is not None:
            return self.diverged.w, self.diverged.b
        if self.partial is not None:
            return self.partial.w, self.partial.b
        return (self.last.w, self.last.b) if self.last is not None else self.init

    def summarize(self, optimum=None, status: RunStatus | str | None = None,
                  name: str = "") -> RunSummary:
        """The run's :class:`RunSummary`, with ``status`` written (default
        :attr:`status`); ``optimum`` as :func:`gdstudio.core.training.results.summarize` takes
        it."""
        status = self.status if status is None else status
        std = self.standardized
        summary = summarize(self.dataset, self.config if std is None else std.loss_config,
                            self.last, str(status), self.init, optimum, name=name,
                            diverged=self.diverged, partial=self.partial,
                            converged=self.converged)
        return summary if std is None else std.summary(summary, self.config)

    @property
    def loss_config(self) -> TrainConfig:
        """The settings whose loss, on the data as it is, is the run's loss in the data's
        units (its ``config``, but for a standardized Huber run: see :mod:`.standardized`);
        the optimum of the run's own loss is the optimum of this one."""
        std = self.standardized
        return self.config if std is None else std.loss_config
