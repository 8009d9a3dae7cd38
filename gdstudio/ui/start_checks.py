"""What the window checks before it starts a run, beyond each field's own check."""

from __future__ import annotations

from ..core import Dataset, TrainConfig
from .memory import run_memory_problem


def start_problem(config: TrainConfig, dataset: Dataset) -> str | None:
    """A message saying why this run cannot start, or None."""
    return run_memory_problem(config.epochs)
