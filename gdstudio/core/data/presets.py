"""Data sets one click away: the tutorials' data, the study-hours example, and three
shapes that teach (a line with one outlier, two clusters, a vertical cloud); for logistic
regression, labelled points (y is 0 or 1): overlapping classes, separable classes, one
mislabelled point, and hours studied against pass or fail.

Each preset has a name, a sentence saying what it shows, the model it is for
(:attr:`Preset.model`: ``"line"`` or ``"logistic"``; :func:`presets_for` lists one model's) and a
function making its :class:`Dataset` (the noisy line and the overlapping classes are drawn with
torch, so call :func:`make` off the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gdstudio.core.data.dataset import Dataset

__all__ = ["PRESETS", "Preset", "make", "presets_for"]


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    description: str
    build: Callable[[], Dataset]
    #: The model the data is for: "line", or "logistic" (its y are labels 0 and 1).
    model: str = "line"


def _study_hours() -> Dataset:
    return Dataset(np.array([10.0, 20.0, 30.0, 40.0], dtype=np.float32),
                   np.array([480.0, 520.0, 710.0, 680.0], dtype=np.float32))


def _four_points() -> Dataset:
    return Dataset(np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32),
                   np.array([2.0, 4.0, 6.0, 8.0], dtype=np.float32))


def _noisy_line() -> Dataset:
    from gdstudio.core.data.dataset import noisy_line

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


def presets_for(model: str) -> dict[str, Preset]:
    """The presets of ``model`` ("line" or "logistic"), in the menu's order."""
    return {key: p for key, p in PRESETS.items() if p.model == model}


def make(key: str) -> Dataset:
    """The preset's data set; a clear error for an unknown name."""
    try:
        return PRESETS[key].build()
    except KeyError:
        raise KeyError(f"Unknown preset {key!r}; choose one of {', '.join(PRESETS)}.") from None


def _line_with_outlier() -> Dataset:
    x = np.arange(10, dtype=np.float32)
    y = 2 * x + 1
    y[8] = 40.0  # 23 above the line y = 2x + 1
    return Dataset(x, y)


#: Offsets around each cluster's centre: they sum to zero and do not lean either way.
_CLUSTER = np.array([[-0.5, 0.0], [0.5, 0.0], [0.0, -0.5], [0.0, 0.5], [-0.25, -0.25],
                     [0.25, 0.25], [-0.25, 0.25], [0.25, -0.25]])


def _two_clusters() -> Dataset:
    points = np.vstack([_CLUSTER + np.array([1.0, 1.0]), _CLUSTER + np.array([6.0, 4.0])])
    return Dataset(points[:, 0].astype(np.float32), points[:, 1].astype(np.float32))


def _vertical_cloud() -> Dataset:
    x = 5 + np.array([-0.25, 0.25, 0.0, -0.125, 0.125, 0.0, -0.25, 0.25, 0.125, -0.125])
    y = np.array([-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 0.5])
    return Dataset(x.astype(np.float32), y.astype(np.float32))


PRESETS.update({p.key: p for p in (
    Preset("line-outlier", "A line with one outlier",
           "Ten points on y = 2x + 1, one of them 23 above it: least squares tilts the whole "
           "line towards the outlier; MAE and Huber hardly move.", _line_with_outlier),
    Preset("two-clusters", "Two clusters",
           "Eight points around (1, 1) and eight around (6, 4): the best line runs through "
           "the middle of the data, (3.5, 2.5), with a slope (120/203) a little below the "
           "centres' 3/5; the spread inside each cluster pulls it down.",
           _two_clusters),
    Preset("vertical-cloud", "A vertical cloud",
           "Ten points with x between 4.75 and 5.25 and y from -4 to 4: x hardly varies, so "
           "the slope is poorly determined and the landscape is a long, narrow valley.",
           _vertical_cloud),
)})


# --------------------------------------------------------------------------- logistic regression


def _overlapping_classes() -> Dataset:
    from gdstudio.core.data.two_classes import two_classes

    return two_classes()


#: Hours studied by ten students: the five who failed studied 0.5 to 2.5 hours, the five who
#: passed 3.5 to 5.5.
_HOURS = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.5, 4.0, 4.5, 5.0, 5.5])
_PASSED = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0])


def _separable_classes() -> Dataset:
    return Dataset(_HOURS.astype(np.float32), _PASSED.astype(np.float32))


def _one_mislabelled() -> Dataset:
    passed = _PASSED.copy()
    passed[8] = 0.0  # the student who studied 5 hours is marked as failing
    return Dataset(_HOURS.astype(np.float32), passed.astype(np.float32))


def _hours_pass() -> Dataset:
    # Wikipedia, "Logistic regression", the example of 20 students' hours of study and exam
    # results (its fit: b = -4.0777, w = 1.5046).
    hours = np.array([0.50, 0.75, 1.00, 1.25, 1.50, 1.75, 1.75, 2.00, 2.25, 2.50, 2.75, 3.00,
                      3.25, 3.50, 4.00, 4.25, 4.50, 4.75, 5.00, 5.50])
    passed = np.array([0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1])
    return Dataset(hours.astype(np.float32), passed.astype(np.float32))


PRESETS.update({p.key: p for p in (
    Preset("overlapping-classes", "Overlapping classes",
           "50 points of class 0 around x = -1 and 50 of class 1 around x = 1, spread 1, seed "
           "0: the groups overlap, so no boundary separates them and the best fit is finite.",
           _overlapping_classes, model="logistic"),
    Preset("separable-classes", "Separable classes",
           "Five students who failed studied 0.5 to 2.5 hours, five who passed 3.5 to 5.5: "
           "any boundary between 2.5 and 3.5 separates them, so there is no finite optimum and "
           "w grows without bound as the loss falls towards 0.",
           _separable_classes, model="logistic"),
    Preset("one-mislabelled", "One mislabelled point",
           "The separable students, but the one who studied 5 hours is marked as failing: one "
           "point on the wrong side makes the optimum finite and pulls the sigmoid flatter.",
           _one_mislabelled, model="logistic"),
    Preset("hours-pass", "Hours studied vs pass/fail",
           "20 students' hours of study (0.5 to 5.5) and whether they passed the exam, the "
           "example of Wikipedia's Logistic regression article: the best fit is "
           "p = sigmoid(1.5046 x - 4.0777), 50% at 2.71 hours.",
           _hours_pass, model="logistic"),
)})
