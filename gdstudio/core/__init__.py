"""The studio's engine: data, CSV, training and export. Pure Python, numpy and torch; no Qt."""

from .commands import Append, Clear, Delete, Insert, Move, Replace
from .csvio import atomic_write, write_dataset
from .csvread import read_dataset
from .data import Dataset, noisy_line, random_line
from .engine import (
    IMPLEMENTATIONS,
    LOSSES,
    METHODS,
    OPTIMIZERS,
    EpochRecord,
    TrainConfig,
    TrainingControl,
    full_data_loss,
    initial_parameters,
    train,
)
from .errors import ConfigError, DataError, ExportError, StudioError, TrainingDiverged
from .export import RunSummary, summarize, write_history, write_params
from .optimum import (
    Optimum,
    StepGuide,
    closed_form,
    stable_learning_rate,
    stable_learning_rate_per_point,
    step_guide,
)

__all__ = [
    "IMPLEMENTATIONS", "LOSSES", "METHODS", "OPTIMIZERS", "Append", "Clear", "ConfigError",
    "DataError", "Dataset", "Delete", "EpochRecord", "ExportError", "Insert", "Move", "Optimum",
    "Replace", "RunSummary", "StepGuide", "StudioError", "TrainConfig", "TrainingControl",
    "TrainingDiverged",
    "atomic_write", "closed_form", "full_data_loss", "initial_parameters", "noisy_line",
    "random_line", "read_dataset", "stable_learning_rate", "stable_learning_rate_per_point",
    "step_guide", "summarize", "train",
    "write_dataset", "write_history", "write_params",
]
