"""Data sets one click away: the tutorials' data and the study-hours example.

Each preset has a name, a sentence saying what it shows, and a function making its
:class:`Dataset` (the noisy line is made with torch, so call :func:`make` off the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .data import Dataset

__all__ = ["PRESETS", "Preset", "make"]


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    description: str
    build: Callable[[], Dataset]


def _study_hours() -> Dataset:
    return Dataset(np.array([10.0, 20.0, 30.0, 40.0], dtype=np.float32),
                   np.array([480.0, 520.0, 710.0, 680.0], dtype=np.float32))


def _four_points() -> Dataset:
    return Dataset(np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32),
                   np.array([2.0, 4.0, 6.0, 8.0], dtype=np.float32))


def _noisy_line() -> Dataset:
    from .data import noisy_line

    return noisy_line()


PRESETS: dict[str, Preset] = {p.key: p for p in (
    Preset("study-hours", "Study hours and scores",
           "Hours studied (10, 20, 30, 40) and exam scores (480, 520, 710, 680): try the "
           "line y = 9x + 350, whose MSE is 2675.", _study_hours),
    Preset("four-points", "Tutorial 1: four points",
           "The points (1, 2), (2, 4), (3, 6), (4, 8) of the manual autograd tutorial.",
           _four_points),
    Preset("noisy-line", "Tutorial 2: noisy line",
           "y = -5x plus noise 0.4, x from -5 to 5 in steps of 0.1, seed 0: the batch versus "
           "stochastic descent tutorial's data.", _noisy_line),
)}


def make(key: str) -> Dataset:
    """The preset's data set; a clear error for an unknown name."""
    try:
        return PRESETS[key].build()
    except KeyError:
        raise KeyError(f"Unknown preset {key!r}; choose one of {', '.join(PRESETS)}.") from None
