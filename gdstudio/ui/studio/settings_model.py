"""The training settings as the user has them now: :class:`SettingsModel` (no widgets).

The model holds one entry for every setting of the description
(:data:`gdstudio.core.settings.description.SETTINGS`): its value, or, while the user's input
for it is no value (text that is not a number, or out of range), an :class:`Invalid` entry
with that input and what is wrong with it. It holds whether the start is drawn from the seed
(``random_init``), the largest whole number each whole-number setting may take here (the
epochs are capped by the memory available), and each momentum optimizer's own momentum.
Every value set is checked through the description; every change is one
:attr:`~SettingsModel.settingsChanged`.

The settings panel is a view of it (it shows the entries and sends the user's input), the
controller trains with :meth:`SettingsModel.config`, and sessions and the settings store read
and write it. Which settings a run uses is :meth:`SettingsModel.in_use`, decided from the
choices (method, implementation, optimizer, loss, fit_bias, the schedule), never from an
input's text.

A change from the window (:meth:`SettingsModel.update` and the setters built on it) asks the
model's :attr:`~SettingsModel.gate` first, for every setting it would change and for the
random start: a setting a lesson locks changes by no way (the controller's gate says why).
Restoring settings (:meth:`SettingsModel.set_config`: a session being opened, which brings
its own lesson, or the settings store) may set every setting.

The model (the line, or logistic regression) is switched by the controller, because the data
may change with it: a change of ``model`` from the window goes to the model's
:attr:`~SettingsModel.switcher` (the controller's ``switch_model``), which takes it with
:meth:`SettingsModel.take_model`. The loss always fits the model (one of its
:data:`~gdstudio.core.settings.description.MODEL_LOSSES`), and each model keeps its own loss:
switching brings back the loss and the start the model had when the user left it (its default,
:func:`~gdstudio.core.settings.description.default_loss`, and :data:`FIRST_START`, the first
time).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from PySide6.QtCore import QObject, Signal

from gdstudio.core.settings.config import TrainConfig
from gdstudio.core.settings.description import (
    BY_NAME,
    DEFAULTS,
    LOSS_LABELS,
    MODEL_LABELS,
    MODEL_LOSSES,
    SETTINGS,
    applicable,
    default_loss,
)

#: The largest value of a whole-number setting in the studio (its fields hold 32-bit
#: integers); the seed's is :data:`SEED_MAX`.
SPIN_MAX = 100_000_000
SEED_MAX = 2**31 - 1
#: The settings the start is made of: drawn from the seed together, or both typed.
START = ("init_w", "init_b")



#: The settings each model keeps for itself: switching away and back brings them back.
FOLLOW_MODEL = ("loss", "init_w", "init_b")
#: The start a model takes the first time it is chosen. The line's is the description's far
#: start (the tutorial's); logistic regression starts flat, w = b = 0 (p = 0.5 for every
#: point, as its tutorials start): from the line's start every point would be nearly certain
#: of the wrong class or of the right one, far up the cross-entropy's slopes.
FIRST_START = {"line": (DEFAULTS["init_w"], DEFAULTS["init_b"]), "logistic": (0.0, 0.0)}


def first_of(model: str) -> dict[str, Any]:
    """What ``model`` takes the first time it is chosen: its default loss and first start."""
    w, b = FIRST_START[model]
    return {"loss": default_loss(model), "init_w": w, "init_b": b}

class Invalid(NamedTuple):
    """The user's input for a setting that is no value of it: the text and what is wrong."""

    text: str
    message: str


class SettingsModel(QObject):
    """The value (or :class:`Invalid` input) of every training setting, the random start,
    the whole numbers' maxima and each momentum optimizer's own momentum."""

    #: Any setting, the random start or a maximum changed (once per request).
    settingsChanged = Signal()
    #: The largest value of a whole-number setting changed (see :meth:`set_maximum`).
    limitsChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._entries: dict[str, Any] = dict(DEFAULTS)
        self._random = False
        #: The momentum each momentum optimizer had when another was chosen.
        self._momentum_of: dict[str, Any] = {}
        self._maxima = {s.name: SEED_MAX if s.name == "seed" else SPIN_MAX
                        for s in SETTINGS if s.kind == "int"}
        #: What each model had when another was chosen: its loss and its start.
        self._left: dict[str, dict[str, Any]] = {}
        self._last_valid = TrainConfig()
        #: Carries out a change of the model asked from the window (``switcher(model)``,
        #: True if it was made): the controller's ``switch_model``, which changes the data
        #: with it and takes the model with :meth:`take_model`. None: the model changes as
        #: any other setting.
        self.switcher = None
        #: Asked before a change from the window, with the name of each setting it changes
        #: (``"random_init"`` for the random start): False refuses the change (None: every
        #: change goes on). The controller's :meth:`~StudioController.allowed`.
        self.gate = None

    # ------------------------------------------------------------------ reading
    def entry(self, name: str):
        """The value of setting ``name``, or the :class:`Invalid` input the user gave."""
        return self._entries[name]

    def value(self, name: str):
        """The value of setting ``name`` (its default while its input is invalid)."""
        entry = self._entries[name]
        return BY_NAME[name].default if isinstance(entry, Invalid) else entry

    def problem(self, name: str) -> str | None:
        """What is wrong with the input of setting ``name``, or None."""
        entry = self._entries[name]
        return entry.message if isinstance(entry, Invalid) else None

    @property
    def random_init(self) -> bool:
        """The start is drawn from the seed (like nn.Linear), not typed."""
        return self._random

    def maximum(self, name: str) -> int:
        """The largest value whole-number setting ``name`` may take here."""
        return self._maxima[name]

    @property
    def maxima(self) -> dict[str, int]:
        """The largest value of every whole-number setting, by name."""
        return dict(self._maxima)

    def choices(self) -> TrainConfig:
        """The path chosen: method, implementation, optimizer, loss, fit_bias, schedule."""
        e = self._entries
        return TrainConfig(method=e["method"], impl=e["impl"], optimizer=e["optimizer"],
                           loss=e["loss"], fit_bias=e["fit_bias"],
                           lr_schedule=e["lr_schedule"])

    def in_use(self) -> frozenset[str]:
        """The settings the chosen path uses; ``init_w``/``init_b`` only for a start typed
        in."""
        used = set(applicable(self.choices()))
        if self._random:
            used -= set(START)
        return frozenset(used)

    def errors(self) -> list[str]:
        """``'Label: what is wrong'`` for each invalid input of a setting in use, in the
        description's order (an input that does not apply never blocks)."""
        used = self.in_use()
        return [f"{s.label}: {self._entries[s.name].message}" for s in SETTINGS
                if s.name in used and isinstance(self._entries[s.name], Invalid)]

    def draft(self) -> TrainConfig:
        """The settings as a TrainConfig, an invalid input taking its default (so that what
        follows the settings, the step-size guide, goes on while one is invalid).

        Settings that do not apply keep their value when the description keeps them
        (Adam's betas while SGD is chosen); the others take their default (momentum for
        Adam, weight decay for the manual implementation).
        """
        used = self.in_use()
        values = {}
        for s in SETTINGS:
            keep = s.name in used or s.kept_when_not_applicable
            values[s.name] = self.value(s.name) if keep else s.default
        if self._random:
            values["init_w"] = values["init_b"] = None
        if values["model"] != "line":
            values["standardize"] = False  # (kept for the line: labels are not standardized)
        values["nesterov"] = values["nesterov"] and values["momentum"] > 0
        return TrainConfig(**values)

    def config(self) -> TrainConfig:
        """The settings as a TrainConfig; raises ValueError with the first of
        :meth:`errors`."""
        errors = self.errors()
        if errors:
            raise ValueError(errors[0])
        return self.draft()

    @property
    def settings(self) -> TrainConfig | None:
        """:meth:`config`, or None while an input in use is invalid."""
        return None if self.errors() else self.draft()

    @property
    def error(self) -> str | None:
        """The first of :meth:`errors`, or None."""
        errors = self.errors()
        return errors[0] if errors else None

    @property
    def last_valid(self) -> TrainConfig:
        """The settings when they were last all valid (what a session saves while an input
        is invalid)."""
        return self._last_valid

    def check(self, name: str, value) -> str | None:
        """What is wrong with ``value`` for setting ``name`` here, or None: the description's
        range, and the maximum of a whole number."""
        s = BY_NAME[name]
        if value is None and name in START:
            return f"{s.label}: a start drawn from the seed is set with the random start."
        problem = s.problem(value)
        if problem is None and s.kind == "int" and value > self._maxima[name]:
            problem = f"{s.subject} must be at most {self._maxima[name]:,}, got {value!r}."
        return problem

    # ------------------------------------------------------------------ changing
    def set_value(self, name: str, value) -> bool:
        """Set one setting (raises ValueError, changing nothing, for a value it cannot
        take); False if the gate refused it."""
        return self.update({name: value})

    def set_invalid(self, name: str, text: str, message: str) -> bool:
        """The user's input ``text`` for setting ``name`` is no value of it (``message``
        says why); False if the gate refused it."""
        return self.update({name: Invalid(text, message)})

    def set_random_init(self, on: bool) -> bool:
        """Draw the start from the seed (True) or use the typed one; False if the gate
        refused it."""
        return self.update({}, random_init=on)

    def update(self, entries: dict, random_init: bool | None = None) -> bool:
        """Set several entries (values, or :class:`Invalid` inputs) and the random start at
        once: one :attr:`settingsChanged`. Every value is checked first; one it cannot take
        raises ValueError and nothing changes. The :attr:`gate` is asked for every setting
        that would change (and the random start): a refusal changes nothing and returns
        False.

        Choosing another optimizer keeps the momentum with the one it was typed for and
        brings back the new one's own (its default until one is typed for it). A change of
        the model goes to the :attr:`switcher` when there is one (the other entries follow
        once it has switched)."""
        entries = self._checked(entries)
        model = entries.get("model", self._entries["model"])
        if model != self._entries["model"] and self.switcher is not None:
            rest = {k: v for k, v in entries.items() if k != "model"}
            if not self.switcher(model):
                return False
            return self.update(rest, random_init) if rest or random_init is not None else True
        new, memory = dict(self._entries), dict(self._momentum_of)
        for name, entry in entries.items():
            if name == "optimizer" and entry != new["optimizer"]:
                momentum = BY_NAME["momentum"]
                if new["optimizer"] in momentum.optimizers:
                    memory[new["optimizer"]] = new["momentum"]
                if entry in momentum.optimizers and "momentum" not in entries:
                    new["momentum"] = memory.get(entry, momentum.default)
            new[name] = entry
        losses = self._follow_model(new, entries)
        random = self._random if random_init is None else bool(random_init)
        changed = [name for name in new if new[name] != self._entries[name]]
        if random != self._random:
            changed.append("random_init")
        if self.gate is not None and not all(self.gate(name) for name in changed):
            return False
        self._momentum_of, self._left = memory, losses
        self._commit(new, random)
        return True

    def set_config(self, config: TrainConfig) -> None:
        """Set every setting to ``config``'s (restoring settings): a start drawn from the
        seed turns the random start on and keeps the typed start; whole numbers above this
        studio's maximum take the maximum; each optimizer's momentum is forgotten. Raises
        ValueError, changing nothing, for a value the description refuses."""
        values = {}
        for s in SETTINGS:
            value = getattr(config, s.name)
            if s.name in START and value is None:
                continue  # the typed start stays, for when the random start is turned off
            if s.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
                value = min(value, self._maxima[s.name])
            values[s.name] = value
        values = self._checked(values)
        self._momentum_of = {}
        new = {**self._entries, **values}
        self._loss_problem(new)
        self._left = {}
        self._commit(new, config.init_w is None)

    def loss_for(self, model: str) -> str:
        """The loss ``model`` takes when it is switched to: the current one for the current
        model, else the one it had when it was left (its default the first time)."""
        if model == self._entries["model"]:
            return self.value("loss")
        return self._left.get(model, first_of(model))["loss"]

    def remember(self, model: str, **values) -> None:
        """``model`` takes ``values`` (its ``loss``, ``init_w``, ``init_b``: see
        :data:`FOLLOW_MODEL`) when it is next switched to (restoring settings saved with
        another model than the one they go in with)."""
        if "loss" in values:
            self._loss_problem({"model": model, "loss": values["loss"]})
        self._left[model] = {**self._left.get(model, first_of(model)),
                             **self._checked(values)}

    def take_model(self, model: str, loss: str | None = None) -> None:
        """Switch to ``model`` (the controller, once the data fits it: see
        :attr:`switcher`), with ``loss`` or else the loss the model had when it was left
        (its default the first time). No gate is asked: the controller has."""
        entries = self._checked({"model": model} if loss is None
                                else {"model": model, "loss": loss})
        new = {**self._entries, **entries}
        self._left = self._follow_model(new, entries)
        self._commit(new, self._random)

    def _follow_model(self, new: dict, entries: dict) -> dict[str, dict[str, Any]]:
        """A change of the model in ``new`` (from the entries now): unless ``entries`` chose
        them, the new model's own loss and start come back (set in ``new``): those it had
        when it was left, or its first ones (:func:`first_of`). Returns what each model had
        then (the model left keeps its loss and start); raises ValueError for a loss that is
        not the model's."""
        old = self._entries["model"]
        left = {model: dict(had) for model, had in self._left.items()}
        if new["model"] != old:
            left[old] = {name: self._entries[name] for name in FOLLOW_MODEL}
            back = left.get(new["model"], first_of(new["model"]))
            for name in FOLLOW_MODEL:
                if name not in entries:
                    new[name] = back[name]
        self._loss_problem(new)
        return left

    @staticmethod
    def _loss_problem(entries: dict) -> None:
        loss, model = entries["loss"], entries["model"]
        if not isinstance(loss, Invalid) and loss not in MODEL_LOSSES[model]:
            raise ValueError(
                f"Loss: {LOSS_LABELS[loss]} is not a loss of {MODEL_LABELS[model]}; choose "
                f"one of {', '.join(LOSS_LABELS[k] for k in MODEL_LOSSES[model])}.")

    def _checked(self, entries: dict) -> dict:
        """``entries`` in the description's order, each value checked (ValueError for the
        first that cannot be taken) and a float setting's value a float."""
        unknown = set(entries) - set(BY_NAME)
        if unknown:
            raise ValueError(f"Unknown settings: {', '.join(sorted(unknown))}.")
        out = {}
        for s in SETTINGS:
            if s.name not in entries:
                continue
            entry = entries[s.name]
            if not isinstance(entry, Invalid):
                problem = self.check(s.name, entry)
                if problem:
                    raise ValueError(problem)
                if s.kind == "float" and entry is not None:
                    entry = float(entry)
            out[s.name] = entry
        return out

    def _commit(self, entries: dict, random_init: bool) -> None:
        if entries != self._entries or random_init != self._random:
            self._entries, self._random = entries, random_init
            self._changed()

    def set_maximum(self, name: str, high: int) -> None:
        """The largest value whole-number setting ``name`` may take here (the epochs'
        memory cap); a value above it comes down to it."""
        high = int(high)
        if high == self._maxima[name]:
            return
        self._maxima[name] = high
        self.limitsChanged.emit()
        entry = self._entries[name]
        if not isinstance(entry, Invalid) and entry > high:
            self._entries = {**self._entries, name: high}
            self._changed()

    def _changed(self) -> None:
        settings = self.settings
        if settings is not None:
            self._last_valid = settings
        self.settingsChanged.emit()
