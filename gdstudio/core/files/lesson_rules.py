"""Lessons: which controls a session file locks (shown, greyed) or hides, and whether it opens
in presentation mode. No Qt here: the window applies a :class:`Lesson` (``ui/lesson.py``).

A lesson names controls by the names in :data:`LESSON_CONTROLS`: every training setting by
its name in the settings description (``learning_rate``, ``optimizer``...), and the studio's
other controls by the names below. An unknown name is refused with a message naming it, so
a typo never leaves a control open that the teacher meant to lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from gdstudio.core.settings.description import BY_NAME, SETTINGS
from gdstudio.core.settings.view_description import VIEW_OPTIONS

#: The window's controls a lesson can lock or hide, besides the settings, and what each is.
OTHER_CONTROLS: dict[str, str] = {
    "random_init": "the 'Random start from the seed' box",
    "point_editing": "adding, moving and deleting points: on the data plot, with the Delete "
                     "key, the spray brush or Paste points",
    "generate": "Generate noisy line",
    "clear": "Clear points",
    "import": "Import CSV",
    "save": "Save data as CSV",
    "presets": "File ▸ Open preset",
    "undo": "Undo",
    "redo": "Redo",
    "delete": "Delete selected points",
    "train": "Train",
    "pause": "Pause",
    "stop": "Stop",
    "step": "Step one epoch",
    "continue": "Continue a finished run",
    "predict": "Predict mode",
    "reset": "Reset",
    "speed": "the speed box",
    "keep": "Keep run",
    "remove": "Remove kept run",
    "export_params": "Export parameters",
    "export_history": "Export history",
    "export_figure": "Export figure",
    "export_script": "Export PyTorch script",
    "export_notebook": "Export notebook",
    "pytorch_code": "View ▸ PyTorch code",
    "paste_points": "Paste points",
    "spray": "Spray brush",
    "log": "Log-scale loss",
    "optimum": "Show least-squares line",
    "landscape": "the loss landscape",
    "curvature": "Landscape curvature",
    "other_landscape": "Landscape of the other loss",
    "residuals": "View ▸ residuals",
    "log_odds": "View ▸ Log-odds line (logistic regression)",
    "jitter": "View ▸ Jitter the classes' points",
    "presentation": "Presentation mode (F11)",
    "data_panel": "the Data tab",
    "runs_panel": "the Compare runs tab",
    "settings_panel": "the training settings",
}
#: Every name a lesson may lock or hide: the settings, then :data:`OTHER_CONTROLS`.
LESSON_CONTROLS: tuple[str, ...] = (*(s.name for s in SETTINGS), *OTHER_CONTROLS)
#: How each other control is named in a sentence ("Point editing is locked by the lesson")
#: and, without its article, in a list (:func:`control_label`).
CONTROL_WORDS: dict[str, str] = {
    "point_editing": "Point editing",
    "delete": "Deleting points",
    "spray": "The spray brush",
    "paste_points": "Paste points",
    "generate": "Generate noisy line",
    "clear": "Clear points",
    "import": "Import CSV",
    "presets": "Open preset",
    "undo": "Undo",
    "redo": "Redo",
    "random_init": "The random start",
    "save": "Save data as CSV",
    "train": "Train",
    "pause": "Pause",
    "stop": "Stop",
    "step": "Step one epoch",
    "continue": "Continue",
    "predict": "Predict mode",
    "reset": "Reset",
    "speed": "The speed",
    "keep": "Keep run",
    "remove": "Remove kept run",
    "export_params": "Export parameters",
    "export_history": "Export history",
    "export_figure": "Export figure",
    "export_script": "Export PyTorch script",
    "export_notebook": "Export notebook",
    "pytorch_code": "The PyTorch code view",
    "log": "The log-scale loss",
    "optimum": "The least-squares line",
    "landscape": "The loss landscape",
    "curvature": "The landscape's curvature",
    "other_landscape": "The landscape of the other loss",
    "residuals": "The residuals view",
    "log_odds": "The log-odds line",
    "jitter": "The classes' jitter",
    "presentation": "Presentation mode",
    "data_panel": "The Data tab",
    "runs_panel": "The Compare runs tab",
    "settings_panel": "The training settings panel",
}


def control_label(name: str) -> str:
    """Lesson control ``name`` in a list: the setting's label, or its words without the
    article ("Spray brush")."""
    if name in BY_NAME:
        return BY_NAME[name].label
    words = CONTROL_WORDS[name].removeprefix("The ")
    return words[0].upper() + words[1:]


#: The lesson controls by what they are about, each exactly once (File ▸ Save as lesson
#: shows them so): the data; the method (the settings that choose what a run does: its
#: choices and switches, from the settings description, and the whole panel); its
#: hyperparameters (the numbers among the settings, and the random start); the run; the
#: views (the view options of the view description, and the PyTorch code); the tools.
LESSON_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Data", ("point_editing", "delete", "spray", "paste_points", "generate", "clear",
              "import", "presets", "undo", "redo", "save", "data_panel")),
    ("Method", ("settings_panel",
                *(s.name for s in SETTINGS if s.kind in ("choice", "bool")))),
    ("Hyperparameters", (*(s.name for s in SETTINGS if s.kind in ("float", "int")),
                         "random_init")),
    ("Run", ("train", "pause", "stop", "step", "continue", "reset", "keep", "remove",
             "runs_panel")),
    ("Views", (*(v.control for v in VIEW_OPTIONS), "pytorch_code")),
    ("Tools", ("predict", "export_params", "export_history", "export_figure",
               "export_script", "export_notebook")),
)
#: The longest lesson title (characters).
MAX_TITLE = 200


class LessonError(ValueError):
    """A lesson block that cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class Lesson:
    """A session's lesson: its ``title``, the controls ``locked`` (shown, greyed) and
    ``hidden``, and whether the session opens in ``presentation`` mode."""

    title: str = "Lesson"
    locked: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    presentation: bool = False

    def to_json(self) -> dict:
        return {"title": self.title, "locked": list(self.locked), "hidden": list(self.hidden),
                "presentation": self.presentation}


def _names(raw, key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise LessonError(f"'{key}' must be a list of control names.")
    names = []
    for i, name in enumerate(value):
        if not isinstance(name, str):
            raise LessonError(f"'{key}'[{i}] must be a control name (text).")
        if name not in LESSON_CONTROLS:
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise LessonError(f"'{key}' names an unknown control {shown!r}; the controls are "
                              f"listed in the user guide (Sessions and lessons).")
        if name not in names:
            names.append(name)
    return tuple(names)


def lesson_from_json(raw) -> Lesson:
    """The :class:`Lesson` of a decoded ``lesson`` block; :class:`LessonError` says what is
    wrong (its keys: ``title``, ``locked``, ``hidden``, ``presentation``)."""
    if not isinstance(raw, dict):
        raise LessonError("must be an object with 'title', 'locked', 'hidden' and "
                          "'presentation'.")
    unknown = sorted(set(raw) - {"title", "locked", "hidden", "presentation"})
    if unknown:
        raise LessonError(f"unknown key {unknown[0][:40]!r}.")
    title = raw.get("title", "Lesson")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        raise LessonError(f"'title' must be a text of 1 to {MAX_TITLE} characters.")
    if any(ch in title for ch in "<>") or not title.isprintable():
        raise LessonError("'title' must be plain text (no '<', '>' or control characters).")
    presentation = raw.get("presentation", False)
    if not isinstance(presentation, bool):
        raise LessonError("'presentation' must be true or false.")
    locked, hidden = _names(raw, "locked"), _names(raw, "hidden")
    return Lesson(" ".join(title.split()), locked, hidden, presentation)
