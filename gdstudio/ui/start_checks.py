"""What the window checks before it starts a run, beyond each field's own check: what the
data's dtype and the optimizer can take, and the memory the run's history needs."""

from __future__ import annotations

from ..core import ConfigError, Dataset, TrainConfig
from ..core.lifecycle import TrainingRun
from .memory import run_memory_problem

#: The field a dtype message is about, by the words it starts with (see
#: :meth:`TrainConfig.validate_for_dtype`).
FIELDS = {"The learning rate": "learning_rate", "Adam's first step": "learning_rate",
          "The Huber delta": "huber_delta", "The start w": "init_w", "The start b": "init_b",
          "The weight decay": "weight_decay", "eps": "eps"}


def start_problem(config: TrainConfig, dataset: Dataset) -> str | None:
    """A message saying why this run cannot start, or None."""
    try:
        config.validate(dataset.dtype)
    except ConfigError as exc:
        return str(exc)
    return run_memory_problem(config.epochs)


def prepare_run(config: TrainConfig, dataset: Dataset) -> TrainingRun | str:
    """The run a Train press starts (its settings validated and its start drawn, once), or
    the message saying why it cannot start, as :func:`start_problem` words it.

    Raises StudioError for anything else that prevents it (an empty data set).
    """
    try:
        run = TrainingRun(dataset, config)
    except ConfigError as exc:
        return str(exc)
    return run_memory_problem(config.epochs) or run


def show_start_problem(window, message: str) -> None:
    """Show ``message`` in the status bar and under the settings, and flag its field (until
    the field is edited)."""
    from .panels.settings_panel import INVALID_STYLE

    panel = window.panel
    panel.error_label.setText(message)
    window.statusBar().showMessage(message)
    for words, name in FIELDS.items():
        if message.startswith(words):
            field = getattr(panel, name)
            field.setStyleSheet(INVALID_STYLE)
            field.setToolTip(message)
            break
