"""What the studio's actions may do now: one snapshot of the state, one rule (no Qt here).

:class:`StudioController` takes a :class:`StudioSnapshot` of itself after every change and
announces :func:`enabled_actions` of it; the window only applies the result to its actions,
buttons and panels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from gdstudio.core.training.runstate import RunState

#: Every action whose enabled state :func:`enabled_actions` decides, and ``settings`` (the
#: training settings panel).
ACTION_NAMES = (
    "train", "pause", "stop", "step", "reset", "import", "save", "generate", "clear", "delete",
    "undo", "redo", "keep", "remove", "export_params", "export_history", "settings",
    "paste_points", "spray",
    "continue",
    "presets",
)


class MessageLevel(Enum):
    """How a message to the user is shown."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True)
class StudioSnapshot:
    """The state the enabled actions depend on, taken at one moment."""

    state: RunState = RunState.IDLE
    #: Every training setting is valid.
    settings_valid: bool = True
    #: Points in the data set.
    points: int = 0
    can_undo: bool = False
    can_redo: bool = False
    #: Some points are selected (Delete removes them).
    points_selected: bool = False
    #: Epochs in the current run's history.
    epochs: int = 0
    #: The current run has ended and has a summary.
    has_result: bool = False
    #: The current run's result is already among the kept runs.
    result_kept: bool = False
    kept_runs: int = 0
    #: Some kept runs are selected (Remove removes them).
    runs_selected: bool = False
    #: A history export is being written.
    exporting: bool = False
    #: A CSV file is being imported (editing and starting a run wait for it).
    importing: bool = False
    #: The current run has ended (done, stopped or converged) and can be continued.
    continuable: bool = False


def enabled_actions(s: StudioSnapshot) -> dict[str, bool]:
    """Which actions are enabled in the state ``s`` (a key for each of :data:`ACTION_NAMES`).

    Editing the data and the settings is locked while a run is active (running or paused);
    Train and Step resume a paused run, or start one on some data (with an invalid setting
    they stay enabled, and pressing them says which setting is invalid and why); a run
    can be kept once, when it has ended with at least one epoch.
    """
    idle = s.state is RunState.IDLE
    active = not idle
    edit = idle and not s.importing  # (an import starts only when idle)
    # Train with an invalid field is not greyed: pressing it says which field and why.
    can_start = edit and s.points > 0
    return {
        "train": s.state is RunState.PAUSED or can_start,
        "pause": s.state is RunState.RUNNING,
        "stop": active,
        "step": s.state is RunState.PAUSED or can_start,
        "reset": active or s.epochs > 0 or s.has_result,  # (a run stopped in its first epoch)
        "import": edit,
        "save": True,
        "generate": edit,
        "clear": edit,
        "delete": edit and s.points_selected,
        "undo": edit and s.can_undo,
        "redo": edit and s.can_redo,
        "keep": idle and s.has_result and not s.result_kept and s.epochs > 0,
        "remove": s.runs_selected,
        "export_params": s.kept_runs > 0 or s.has_result,
        "export_history": idle and s.epochs > 0 and not s.exporting,
        "settings": idle,
        "paste_points": edit,
        "spray": edit,
        "continue": edit and s.continuable,
        "presets": edit,  # File ▸ Open preset replaces the data
    }


#: Why a disabled action cannot be used: the tooltip of its button and its status tip.
_LOCKED = "The data is locked while a run is active: stop the run first."
_IMPORTING = "A CSV file is being imported: wait for it, or cancel it."


def _start_reason(s: StudioSnapshot) -> str:
    if s.importing:
        return _IMPORTING
    if s.state is RunState.RUNNING:
        return "A run is going: pause or stop it first."
    return "No data: click the plot to add points, or generate or import some."


def disabled_reasons(s: StudioSnapshot) -> dict[str, str]:
    """Why each action that :func:`enabled_actions` disables in the state ``s`` is
    disabled, by name (only disabled actions; ``settings`` is not an action)."""
    active = s.state is not RunState.IDLE or s.importing
    locked = _IMPORTING if s.importing else _LOCKED
    unended = "Wait for the run to end (or stop it)."
    reasons = {
        "train": _start_reason(s),
        "step": _start_reason(s),
        "pause": ("The run is already paused." if s.state is RunState.PAUSED
                  else "No run is going."),
        "stop": "No run is going.",
        "reset": "Nothing to reset: no run yet.",
        "import": locked,
        "presets": locked,
        "generate": locked,
        "clear": locked,
        "paste_points": locked,
        "spray": locked,
        "delete": locked if active else "No point selected: click a point (Shift-click "
                                         "for more) to select it.",
        "undo": locked if active else "Nothing to undo.",
        "redo": locked if active else "Nothing to redo.",
        "keep": (unended if active else
                 "This run is already kept." if s.result_kept else
                 "Train a run first." if not s.has_result else
                 "A run with no epoch cannot be kept."),
        "remove": "No kept run selected: select one in the list.",
        "export_params": "Nothing to export yet: train a run first.",
        "continue": (_IMPORTING if s.importing else unended if active else
                     "No run to continue: train one first (a diverged run, or one opened "
                     "from a session file, cannot continue)."),
        "export_history": ("A history export is being written." if s.exporting else
                           unended if active else "No epochs to export yet: train a run "
                                                  "first."),
    }
    enabled = enabled_actions(s)
    return {name: reason for name, reason in reasons.items() if not enabled[name]}
