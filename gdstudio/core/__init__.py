"""The studio's engine: data, CSV, training and export. Pure Python, numpy and torch; no Qt.

The names below are loaded on first use (PEP 562), each from its own module, so that the
window can import the torch-free parts (data, CSV, settings, optimum) and open while PyTorch
is still loading: only the engine and the data generators import torch.
"""

from __future__ import annotations

import importlib

# name -> the submodule that defines it
_WHERE = {
    **dict.fromkeys(("Append", "AppendPoints", "Clear", "Delete", "Insert", "Move", "Replace"),
                    "commands"),
    **dict.fromkeys(("atomic_write", "write_dataset"), "csvio"),
    "read_dataset": "csvread",
    **dict.fromkeys(("Dataset", "noisy_line", "random_line"), "data"),
    **dict.fromkeys(("IMPLEMENTATIONS", "LOSSES", "METHODS", "OPTIMIZERS", "EpochRecord",
                     "TrainConfig", "initial_parameters"), "config"),
    "TrainingControl": "progress",
    **dict.fromkeys(("full_data_loss", "train"), "engine"),
    **dict.fromkeys(("ConfigError", "DataError", "ExportError", "StudioError",
                     "TrainingDiverged"), "errors"),
    **dict.fromkeys(("RunSummary", "summarize", "write_history", "write_params"), "export"),
    **dict.fromkeys(("Optimum", "StepGuide", "closed_form", "stable_learning_rate",
                     "stable_learning_rate_per_point", "step_guide"), "optimum"),
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next look-up does not come here
    return value


def __dir__():
    return sorted({*globals(), *_WHERE})
