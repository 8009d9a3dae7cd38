"""Switching the model (the line, or logistic regression) and the data that goes with it.

A part of :class:`gdstudio.ui.studio.controller.StudioController`, which owns one
:class:`ModelSwitch` and is the one way to switch (its ``switch_model``: the settings panel's
model box, a session being opened, a lesson, the window opened from the command line all come
through it). The rules, which the user's guide says too:

- logistic regression trains on labels, y = 0 or 1. Switching to it keeps data that are labels;
  other data make way for the data logistic regression had when the user left it, or else the
  default two-class preset (:data:`TWO_CLASS_PRESET`);
- each model keeps its own data: switching back to the line brings back the line's points as
  they were when the user left it (none remembered, say after opening a logistic session: the
  labels stay, a line fit to 0/1 labels);
- a switch that replaces the data is ONE undoable edit (:class:`SwitchModel`): undo brings back
  the data and the model together; redo switches again. A switch that keeps the data is a
  change of settings, as any other (not on the undo stack). No data is ever dropped: the data
  left behind stays in the undo history and in the model's memory, and the status bar says so;
- each model keeps its own loss (the loss box offers only the model's losses,
  :data:`~gdstudio.core.settings.description.MODEL_LOSSES`; see the settings model).

No widgets here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gdstudio.core.data.dataset import Dataset, span_problem
from gdstudio.core.errors import DataError

#: The preset logistic regression starts from when the data are not labels.
TWO_CLASS_PRESET = "overlapping-classes"
#: The models' names in a sentence.
MODEL_WORDS = {"line": "the line", "logistic": "logistic regression"}


def are_labels(dataset: Dataset) -> bool:
    """Every y of ``dataset`` is a label, 0 or 1 (True for no points)."""
    y = dataset.y
    return bool(np.all((y == 0) | (y == 1)))


def fits(model: str, dataset: Dataset) -> bool:
    """``dataset`` is data ``model`` can train on: any points for the line, labels for
    logistic regression."""
    return model == "line" or are_labels(dataset)


def switch_text(model: str) -> str:
    """The undo entry's name: ``'Switch to logistic regression'``."""
    return f"Switch to {MODEL_WORDS[model]}"


@dataclass(frozen=True, eq=False)
class SwitchModel:
    """Switch to ``model`` (with its ``loss``) and replace the data by ``dataset``: one
    undoable edit named ``text``. ``switch`` is the :class:`ModelSwitch` that takes the model
    once the data has changed (and refuses while the lesson locks the model)."""

    dataset: Dataset
    model: str
    loss: str
    text: str
    switch: Any

    def apply(self, dataset: Dataset):
        """The new data set and the inverse edit (the data and model now); raises DataError,
        changing nothing, if the model may not change now (a lesson locks it)."""
        problem = span_problem(self.dataset.x, self.dataset.y)
        if problem:
            raise DataError(problem)
        before = self.switch.current()
        refusal = self.switch.refusal(self.model)
        if refusal is not None:
            raise DataError(refusal)
        self.switch.expect(self.model, self.loss, dataset)
        inverse = SwitchModel(dataset, before[0], before[1], self.text, self.switch)
        return self.dataset, inverse


class ModelSwitch:
    """The controller's model switch: what the data become, the memory of each model's data,
    and the model taken once the data has changed.

    ``studio`` is the controller: its ``settings_model`` holds the model, its ``model`` (the
    data model) is edited, its ``refusal`` asked, and it is told with ``model_taken`` once a
    model is taken.
    """

    def __init__(self, studio, make_preset):
        self._studio = studio
        self._make_preset = make_preset
        #: The data each model had when the user left it, by model.
        self.data_of: dict[str, Dataset] = {}
        self._expected: tuple[str, str, Dataset] | None = None

    def current(self) -> tuple[str, str]:
        """(model, loss) as the settings have them now."""
        m = self._studio.settings_model
        return m.value("model"), m.value("loss")

    def refusal(self, model: str) -> str | None:
        """Why switching to ``model`` is refused now (a lesson locks the model), or None."""
        if model == self.current()[0]:
            return None
        return self._studio.refusal("model")

    def expect(self, model: str, loss: str, before: Dataset) -> None:
        """The data is about to change for a switch to ``model`` with ``loss`` (its data
        before: ``before``): :meth:`take` takes them once it has."""
        self._expected = (model, loss, before)

    def forget(self) -> None:
        """Forget the data remembered for each model (a session was opened: a new start)."""
        self.data_of = {}

    def data_for(self, model: str) -> tuple[Dataset | None, str]:
        """The data a switch to ``model`` brings in (None: the data stay) and what the status
        bar says of it."""
        data = self._studio.dataset
        remembered = self.data_of.get(model)
        if model == "line":
            if remembered is None:
                return None, "the labels stay: a line fitted to 0/1 labels."
            return remembered, "the line's points are back."
        if are_labels(data):
            return None, "the data are labels 0 and 1: they stay."
        if remembered is not None and are_labels(remembered):
            return remembered, "its labelled points are back."
        return self._make_preset(), "the data are now the two-class preset (Overlapping classes)."

    def take(self) -> bool:
        """Take the model of the switch whose data has just come in (see :meth:`expect`):
        True if there was one. The data left behind is remembered for its model."""
        if self._expected is None:
            return False
        model, loss, before = self._expected
        left = self.current()[0]
        if left != model:
            self.data_of[left] = before
        try:  # (still pending meanwhile: the controller says modelChanged once data follow)
            self._studio.settings_model.take_model(model, loss)
        finally:
            self._expected = None
        return True

    def pending(self) -> str | None:
        """The model a switch under way takes once the data has changed, or None."""
        return None if self._expected is None else self._expected[0]
