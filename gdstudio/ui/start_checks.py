"""What the window checks before it starts a run, beyond each field's own check: what the
data's dtype and the optimizer can take, and the memory the run's history needs."""

from __future__ import annotations

from ..core import ConfigError, Dataset, TrainConfig
from .memory import run_memory_problem


def start_problem(config: TrainConfig, dataset: Dataset) -> str | None:
    """A message saying why this run cannot start, or None."""
    try:
        config.validate(dataset.dtype)
    except ConfigError as exc:
        return str(exc)
    return run_memory_problem(config.epochs)


def show_start_problem(window, message: str) -> None:
    """Show why a run was refused in the status bar and next to the field it is about
    (an invalid field, a setting the data's dtype cannot take, too many epochs for the
    memory): see :meth:`SettingsPanel.show_problem`."""
    window.statusBar().showMessage(message)
    window.panel.show_problem(message)
