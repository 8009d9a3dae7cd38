"""What the window checks before it starts a run, beyond each field's own check: what the
data's dtype and the optimizer can take, labels 0 or 1 for logistic regression, and the memory
the run's history needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import ConfigError, DataError
from gdstudio.core.settings.config import TrainConfig
from gdstudio.ui.studio.memory import run_memory_problem

if TYPE_CHECKING:  # the lifecycle imports the engine (torch), loaded after the window shows
    from gdstudio.core.training.lifecycle import TrainingRun


def labels_problem(config: TrainConfig, dataset: Dataset) -> str | None:
    """Why ``dataset`` cannot train ``config``'s model, in one line (logistic regression
    needs labels 0 or 1: the first point that is not one), or None."""
    if config.model != "logistic":
        return None
    from gdstudio.core.models.logistic.labels import check_labels

    try:
        check_labels(dataset.y)
    except DataError as exc:
        return str(exc)
    return None


def start_problem(config: TrainConfig, dataset: Dataset) -> str | None:
    """A message saying why this run cannot start, or None."""
    try:
        config.validate(dataset.dtype)
    except ConfigError as exc:
        return str(exc)
    return labels_problem(config, dataset) or run_memory_problem(config.epochs)


def prepare_run(config: TrainConfig, dataset: Dataset) -> TrainingRun | str:
    """The run a Train press starts (its settings validated and its start drawn, once), or
    the message saying why it cannot start, as :func:`start_problem` words it.

    Raises StudioError for anything else that prevents it (an empty data set).
    """
    from gdstudio.core.training.lifecycle import TrainingRun

    problem = labels_problem(config, dataset)
    if problem:
        return problem
    try:
        run = TrainingRun(dataset, config)
    except ConfigError as exc:
        return str(exc)
    return run_memory_problem(config.epochs) or run


def show_start_problem(window, message: str) -> None:
    """Show why a run was refused in the status bar and next to the field it is about
    (an invalid field, a setting the data's dtype cannot take, too many epochs for the
    memory): see :meth:`SettingsPanel.show_problem`."""
    window.statusBar().showMessage(message)
    window.panel.show_problem(message)
