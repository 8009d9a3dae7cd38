"""How the studio shows its runs now: :class:`ViewOptions` (no widgets).

One value for every view option of the description
(:data:`gdstudio.core.settings.view_description.VIEW_OPTIONS`): the least-squares line, the
log-scale loss, the landscape and its curvature, the residuals, presentation mode and the
speed. The View menu's actions, the residuals menu, the speed box and presentation mode are
views of it (each shows its value and sends the user's choice); sessions and the settings
store read and write it.

A change from the window (:meth:`ViewOptions.set`, :meth:`ViewOptions.update`) asks the
model's :attr:`~ViewOptions.gate` first, with the option's control (a lesson may lock it);
:meth:`ViewOptions.restore` (a session being opened, the settings store, the mode as it is
now) may set every option.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from gdstudio.core.settings.view_description import SPEEDS, VIEW_BY_NAME, VIEW_DEFAULTS


class ViewOptions(QObject):
    """The value of every view option, checked by its description."""

    #: A view option changed: its name and its new value.
    changed = Signal(str, object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._values = dict(VIEW_DEFAULTS)
        #: Asked before a change from the window, with the control of each option it
        #: changes (its description's ``control``): False refuses the change (None: every
        #: change goes on). The controller's :meth:`~StudioController.allowed`.
        self.gate = None

    def value(self, name: str):
        return self._values[name]

    def values(self) -> dict:
        """Every view option's value, by name (in the description's order)."""
        return dict(self._values)

    def changes(self) -> dict:
        """The values of the view options whose change is a change a session would save."""
        return {name: v for name, v in self._values.items() if VIEW_BY_NAME[name].change}

    @property
    def seconds(self) -> float:
        """The seconds between epochs of the speed chosen (0: as fast as possible)."""
        return SPEEDS[self._values["speed"]][1]

    def check(self, name: str, value) -> str | None:
        """What is wrong with ``value`` for view option ``name``, or None."""
        if name not in VIEW_BY_NAME:
            return f"Unknown view option {name!r}."
        return VIEW_BY_NAME[name].problem(value)

    def set(self, name: str, value) -> bool:
        """Set one view option (raises ValueError, changing nothing, for a value it cannot
        take); :attr:`changed` if it changed; False if the gate refused it."""
        return self.update({name: value})

    def update(self, values: dict) -> bool:
        """Set several view options, in the order given; every value is checked first (a
        ValueError changes nothing); the gate is asked for each option that would change,
        and a refusal changes nothing and returns False."""
        self._check(values)
        if self.gate is not None and not all(
                self.gate(VIEW_BY_NAME[name].control) for name, value in values.items()
                if self._values[name] != value):
            return False
        self._set(values)
        return True

    def restore(self, values: dict) -> None:
        """Set several view options as :meth:`update` does, without asking the gate (a
        session being opened, the settings store, the mode the window is in now)."""
        self._check(values)
        self._set(values)

    def _check(self, values: dict) -> None:
        for name, value in values.items():
            problem = self.check(name, value)
            if problem:
                raise ValueError(problem)

    def _set(self, values: dict) -> None:
        for name, value in values.items():
            if self._values[name] != value:
                self._values[name] = value
                self.changed.emit(name, value)
