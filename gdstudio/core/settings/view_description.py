"""The studio's view options, described once.

A view option is how the studio shows a run, never what the run does: the least-squares
line, the loss's log scale, the landscape and its curvature, the residuals, presentation
mode and the speed of a run. Each is one :class:`ViewOption` in :data:`VIEW_OPTIONS`: its
name, kind, default, allowed values, label, its control in the window (the View menu's
action, which is also the name a lesson locks it by), its key in the settings store (if the
studio remembers it between launches) and whether changing it is a change a session file
would save. That one description gives the studio's view model
(:class:`gdstudio.ui.studio.view_model.ViewOptions`) its values, the session file its
``view`` object and the settings store its keys. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The speeds of a run: the speed box's label and the seconds between epochs.
SPEEDS: tuple[tuple[str, float], ...] = (
    ("As fast as possible", 0.0),
    ("200 epochs/s", 1 / 200),
    ("50 epochs/s", 1 / 50),
    ("10 epochs/s", 1 / 10),
    ("5 epochs/s", 1 / 5),
    ("2 epochs/s", 1 / 2),
    ("1 epoch/s", 1.0),
)
#: The speed of a first launch: slow enough to watch the fit move (20 epochs: 2 s).
DEFAULT_SPEED = 3
#: The residuals on the data plot: the mode and the View menu's words for it.
RESIDUAL_MODES: tuple[tuple[str, str], ...] = (
    ("off", "No residuals"), ("segments", "Residuals as segments"),
    ("squares", "Residuals as squares (area = squared error)"))


@dataclass(frozen=True)
class ViewOption:
    """One view option.

    ``kind`` is ``"bool"``, ``"choice"`` (one of ``choices``' keys) or ``"index"`` (a whole
    number from 0 below ``len(choices)``: the speed). ``control`` is its control's name in the
    window and in a lesson (``log`` for ``log_scale``). ``store`` is its key in the settings
    store (None: not remembered between launches). ``change``: changing it is a change a
    session would save (the speed and presentation mode are saved with a session but are no
    change to save). ``file_high``: the largest index a session file may hold (a file of a
    studio with more speeds is read, its speed taken as the nearest one here).
    """

    name: str
    kind: str
    default: Any
    label: str
    control: str
    choices: tuple[tuple[str, Any], ...] = ()
    store: str | None = None
    change: bool = True
    file_high: int | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.choices)

    def problem(self, value) -> str | None:
        """What is wrong with ``value`` for this option, or None."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else f"{self.name} must be true or false"
        if self.kind == "choice":
            if isinstance(value, str) and value in self.keys:
                return None
            return f"{self.name} must be one of {', '.join(self.keys)}"
        whole = isinstance(value, int) and not isinstance(value, bool)
        if whole and 0 <= value < len(self.choices):
            return None
        return f"{self.name} must be a whole number from 0 to {len(self.choices) - 1}"

    def nearest(self, value):
        """``value`` (checked) as this studio can show it: an index beyond the last (from a
        session file, see ``file_high``) is the last."""
        if self.kind == "index":
            return min(value, len(self.choices) - 1)
        return value


#: Every view option, in the order a session file writes them.
VIEW_OPTIONS: tuple[ViewOption, ...] = (
    ViewOption("log_scale", "bool", False, "Log-scale loss", "log", store="logScale"),
    ViewOption("show_optimum", "bool", True, "Show least-squares line", "optimum",
               store="showOptimum"),
    ViewOption("landscape", "bool", True, "Loss landscape", "landscape"),
    ViewOption("curvature", "bool", False, "Landscape curvature", "curvature"),
    ViewOption("other_landscape", "bool", False, "Landscape of the other loss",
               "other_landscape"),
    ViewOption("residuals", "choice", "off", "Residuals", "residuals",
               choices=RESIDUAL_MODES),
    ViewOption("log_odds", "bool", False, "Log-odds line (logistic regression)", "log_odds",
               store="logOdds"),
    ViewOption("jitter", "bool", False, "Jitter the classes' points", "jitter",
               store="jitter"),
    ViewOption("presentation", "bool", False, "Presentation", "presentation", change=False),
    ViewOption("speed", "index", DEFAULT_SPEED, "Speed", "speed", choices=SPEEDS,
               store="speed", change=False, file_high=99),
)

VIEW_BY_NAME: dict[str, ViewOption] = {v.name: v for v in VIEW_OPTIONS}
#: The default of every view option, by name.
VIEW_DEFAULTS: dict[str, Any] = {v.name: v.default for v in VIEW_OPTIONS}
