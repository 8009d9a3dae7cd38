"""What the studio's actions may do now: one snapshot of the state, one rule (no Qt here).

:class:`StudioController` takes a :class:`StudioSnapshot` of itself after every change and
announces :func:`enabled_actions` of it; the window only applies the result to its actions,
buttons and panels.

The locks are one rule too, :func:`lock_refusal`: a run in progress, a CSV file being
imported and a lesson's locks each refuse some of the ways to change the data
(:data:`DATA_WAYS`), and a lesson's locks refuse the requests of every other control it
locks (:data:`CONTROL_WAYS`: Train, Step, the exports, a view option, a setting...). The
controller asks it before every request (its ``allowed``), and :func:`enabled_actions` greys
every action it would refuse, so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from gdstudio.core.files.lesson_rules import CONTROL_WORDS, OTHER_CONTROLS
from gdstudio.core.settings.description import BY_NAME, SETTINGS
from gdstudio.core.training.runstate import RunState

#: Every action whose enabled state :func:`enabled_actions` decides, and ``settings`` (the
#: training settings panel).
ACTION_NAMES = (
    "train", "pause", "stop", "step", "reset", "import", "save", "generate", "clear", "delete",
    "undo", "redo", "keep", "remove", "export_params", "export_history", "settings",
    "paste_points", "spray",
    "continue",
    "presets",
    "open_session",
    "export_notebook",
)

#: Every way to change the data, and the lesson controls whose lock refuses it (see
#: :data:`gdstudio.core.files.lesson_rules.OTHER_CONTROLS`). Adding, moving and deleting
#: points are point editing however they are asked for: a click or a drag on the plot, the
#: Delete key, the spray brush, a paste. ``replace`` is a whole data set the studio puts in
#: (a session being opened, a generated line once its dialog is accepted); opening a session
#: replaces the lesson itself, so no lesson locks it (a run or an import does).
DATA_WAYS: dict[str, tuple[str, ...]] = {
    "add": ("point_editing",),
    "move": ("point_editing",),
    "delete": ("point_editing", "delete"),
    "spray": ("point_editing", "spray"),
    "paste_points": ("point_editing", "paste_points"),
    "generate": ("generate",),
    "clear": ("clear",),
    "import": ("import",),
    "presets": ("presets",),
    "undo": ("undo",),
    "redo": ("redo",),
    "replace": (),
    "open_session": (),
}
#: Every other request a lesson may lock, and the lesson controls whose lock refuses it: each
#: training setting (by its name; the whole settings panel locks them all), the random start
#: (turning it on or off changes the start, so a lock of the start refuses it too), and each
#: other control of :data:`~gdstudio.core.files.lesson_rules.OTHER_CONTROLS` by its own name.
#: Export notebook is locked by its own name and by Export PyTorch script's: the notebook is
#: the script's code with words around it, so a lesson that keeps the code in the studio
#: (every lesson written before notebooks existed, too) keeps the notebook there as well;
#: a lesson may still lock the notebook alone. A run or an import refuses none of these.
CONTROL_WAYS: dict[str, tuple[str, ...]] = {
    **{s.name: (s.name, "settings_panel") for s in SETTINGS},
    "random_init": ("random_init", "init_w", "init_b", "settings_panel"),
    **{name: (name,) for name in OTHER_CONTROLS
       if name not in DATA_WAYS and name != "random_init"},
    "export_notebook": ("export_notebook", "export_script"),
}
#: Every request the rule knows: the data's ways, then the other controls'.
LOCKED_BY: dict[str, tuple[str, ...]] = {**DATA_WAYS, **CONTROL_WAYS}

#: The refusals of :func:`lock_refusal`: said in the status bar when a change is refused,
#: and the tip of each action it greys.
RUN_LOCKED = "The data is locked while training runs: stop it (Shift+F5) to edit."
IMPORTING = "A CSV file is being imported: wait for it, or cancel it."


def lesson_refusal(name: str) -> str:
    """The refusal of a request that the lesson's lock of control ``name`` forbids."""
    if name in BY_NAME:
        return f"The setting '{BY_NAME[name].label}' is locked by the lesson."
    return f"{CONTROL_WORDS[name]} is locked by the lesson."


def lesson_lock(lesson_locks, way: str) -> str | None:
    """The lesson control among ``lesson_locks`` that locks ``way`` (a key of
    :data:`LOCKED_BY`), or None."""
    return next((name for name in LOCKED_BY[way] if name in lesson_locks), None)


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
    #: The lesson controls the lesson locks (or hides): see :data:`DATA_WAYS`.
    lesson_locks: frozenset[str] = frozenset()


def lock_refusal(s: StudioSnapshot, way: str) -> str | None:
    """Why the request ``way`` (a key of :data:`LOCKED_BY`: a way to change the data, or a
    request of another control a lesson may lock) is refused in the state ``s``, or None (it
    may go on): the lesson's lock first (it outlasts the run), then, for a change of the
    data, a CSV file being imported, then an active run (running or paused)."""
    name = lesson_lock(s.lesson_locks, way)
    if name is not None:
        return lesson_refusal(name)
    if way not in DATA_WAYS:
        return None
    if s.importing:
        return IMPORTING
    if s.state is not RunState.IDLE:
        return RUN_LOCKED
    return None


def enabled_actions(s: StudioSnapshot) -> dict[str, bool]:
    """Which actions are enabled in the state ``s`` (a key for each of :data:`ACTION_NAMES`).

    Editing the data and the settings is locked while a run is active (running or paused),
    and every action that :func:`lock_refusal` refuses is disabled (a way to change the
    data, or an action a lesson locks); Train
    and Step resume a paused run, or start one on some data (with an invalid setting they
    stay enabled, and pressing them says which setting is invalid and why); a run can be
    kept once, when it has ended with at least one epoch.
    """
    idle = s.state is RunState.IDLE
    active = not idle
    edit = idle and not s.importing  # (an import starts only when idle)
    free = {way: lock_refusal(s, way) is None for way in DATA_WAYS}
    # Train with an invalid field is not greyed: pressing it says which field and why.
    can_start = edit and s.points > 0
    enabled = {
        "train": s.state is RunState.PAUSED or can_start,
        "pause": s.state is RunState.RUNNING,
        "stop": active,
        "step": s.state is RunState.PAUSED or can_start,
        "reset": active or s.epochs > 0 or s.has_result,  # (a run stopped in its first epoch)
        "import": free["import"],
        "save": True,
        "generate": free["generate"],
        "clear": free["clear"],
        "delete": free["delete"] and s.points_selected,
        "undo": free["undo"] and s.can_undo,
        "redo": free["redo"] and s.can_redo,
        "keep": idle and s.has_result and not s.result_kept and s.epochs > 0,
        "remove": s.runs_selected,
        "export_params": s.kept_runs > 0 or s.has_result,
        "export_history": idle and s.epochs > 0 and not s.exporting,
        "settings": idle,
        "paste_points": free["paste_points"],
        "spray": free["spray"],
        "continue": edit and s.continuable,
        "presets": free["presets"],  # File ▸ Open preset replaces the data
        "open_session": free["open_session"],
        # (greyed by its own name or by Export script's: see CONTROL_WAYS)
        "export_notebook": True,
    }
    for name in CONTROL_WAYS.keys() & enabled.keys():
        enabled[name] = enabled[name] and lesson_lock(s.lesson_locks, name) is None
    return enabled


def _start_reason(s: StudioSnapshot) -> str:
    if s.importing:
        return IMPORTING
    if s.state is RunState.RUNNING:
        return "A run is going: pause or stop it first."
    return "No data: click the plot to add points, or generate or import some."


def disabled_reasons(s: StudioSnapshot) -> dict[str, str]:
    """Why each action that :func:`enabled_actions` disables in the state ``s`` is
    disabled, by name (only disabled actions; ``settings`` is not an action). A way to
    change the data that is locked, or an action a lesson locks, says the lock's refusal
    (:func:`lock_refusal`)."""
    active = s.state is not RunState.IDLE or s.importing
    unended = "Wait for the run to end (or stop it)."
    reasons = {
        "train": _start_reason(s),
        "step": _start_reason(s),
        "pause": ("The run is already paused." if s.state is RunState.PAUSED
                  else "No run is going."),
        "stop": "No run is going.",
        "reset": "Nothing to reset: no run yet.",
        "delete": "No point selected: click a point (Shift-click for more) to select it.",
        "undo": "Nothing to undo.",
        "redo": "Nothing to redo.",
        "keep": (unended if active else
                 "This run is already kept." if s.result_kept else
                 "Train a run first." if not s.has_result else
                 "A run with no epoch cannot be kept."),
        "remove": "No kept run selected: select one in the list.",
        "export_params": "Nothing to export yet: train a run first.",
        "continue": (IMPORTING if s.importing else unended if active else
                     "No run to continue: train one first (a diverged run, or one opened "
                     "from a session file, cannot continue)."),
        "export_history": ("A history export is being written." if s.exporting else
                           unended if active else "No epochs to export yet: train a run "
                                                  "first."),
    }
    for way in LOCKED_BY:
        refusal = lock_refusal(s, way)
        if refusal is not None and way in ACTION_NAMES:
            reasons[way] = refusal  # (before "Nothing to undo.": the lock is why)
    enabled = enabled_actions(s)
    return {name: reason for name, reason in reasons.items() if not enabled[name]}
