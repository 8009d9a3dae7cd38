"""What the studio's actions may do now: one snapshot of the state, one rule (no Qt here).

:class:`StudioController` takes a :class:`StudioSnapshot` of itself after every change and
announces :func:`enabled_actions` of it; the window only applies the result to its actions,
buttons and panels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..core.runstate import RunState

#: Every action whose enabled state :func:`enabled_actions` decides, and ``settings`` (the
#: training settings panel).
ACTION_NAMES = (
    "train", "pause", "stop", "step", "reset", "import", "save", "generate", "clear", "delete",
    "undo", "redo", "keep", "remove", "export_params", "export_history", "settings",
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


def enabled_actions(s: StudioSnapshot) -> dict[str, bool]:
    """Which actions are enabled in the state ``s`` (a key for each of :data:`ACTION_NAMES`).

    Editing the data and the settings is locked while a run is active (running or paused);
    Train and Step resume a paused run, or start one from valid settings on some data; a run
    can be kept once, when it has ended with at least one epoch.
    """
    idle = s.state is RunState.IDLE
    active = not idle
    can_start = idle and s.settings_valid and s.points > 0
    return {
        "train": s.state is RunState.PAUSED or can_start,
        "pause": s.state is RunState.RUNNING,
        "stop": active,
        "step": s.state is RunState.PAUSED or can_start,
        "reset": active or s.epochs > 0 or s.has_result,  # (a run stopped in its first epoch)
        "import": idle,
        "save": True,
        "generate": idle,
        "clear": idle,
        "delete": idle and s.points_selected,
        "undo": idle and s.can_undo,
        "redo": idle and s.can_redo,
        "keep": idle and s.has_result and not s.result_kept and s.epochs > 0,
        "remove": s.runs_selected,
        "export_params": s.kept_runs > 0 or s.has_result,
        "export_history": idle and s.epochs > 0 and not s.exporting,
        "settings": idle,
    }
