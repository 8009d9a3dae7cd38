"""The window's actions: one table of names, texts, shortcuts and tips, and where they sit.

The window connects each action to a request of the controller; which ones are enabled comes
from :func:`gdstudio.ui.studio.action_state.enabled_actions`. Buttons are bound to actions
(:func:`bind_button`), so a button and its menu entry are always enabled alike.
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QLabel, QMenuBar, QToolBar, QWidget

from gdstudio.core.settings.view_description import VIEW_BY_NAME


class ActionSpec(NamedTuple):
    name: str
    text: str
    shortcut: str | tuple | QKeySequence.StandardKey | None = None
    tip: str | None = None
    checkable: bool = False
    #: The toolbar button's shorter text (None: the text).
    short: str | None = None


ACTIONS = (
    ActionSpec("open_session", "&Open session…", "Ctrl+Shift+O",
               "Open a .gdstudio session: data, settings, kept runs and view"),
    ActionSpec("save_session", "Save sessio&n", "Ctrl+Shift+S",
               "Save the data, settings, kept runs and view to the session's file"),
    ActionSpec("save_session_as", "Save session &as…", "Ctrl+Alt+S",
               "Save the data, settings, kept runs and view to a new session file"),
    ActionSpec("save_lesson", "Save as &lesson…", None,
               "Save the session with controls locked or hidden for a class"),
    ActionSpec("clear_lesson", "Clear lesson loc&ks", None,
               "Give back every control the lesson locked or hid"),
    ActionSpec("import", "&Import CSV…", "Ctrl+O", "Load x,y points"),
    ActionSpec("save", "&Save data as CSV…", "Ctrl+S", "Save the points"),
    ActionSpec("export_params", "&Export parameters…", "Ctrl+E",
               "Learned w, b, loss and settings, one row per run"),
    ActionSpec("export_history", "Export &history…", "Ctrl+Shift+E",
               "epoch, loss, w, b of the current run"),
    ActionSpec("export_figure", "Export &figure…", None,
               "The data, the landscape or the loss curve, or all three, as PNG or SVG"),
    ActionSpec("export_script", "Export P&yTorch script…", None,
               "The plain PyTorch script of the current data and settings; it prints the "
               "run's history"),
    ActionSpec("export_notebook", "Export no&tebook…", None,
               "A Jupyter notebook of the current data and settings: each step explained, "
               "the run's history printed, the loss and the fit plotted"),
    ActionSpec("quit", "&Quit", "Ctrl+Q", "Close the studio"),
    ActionSpec("undo", "&Undo", "Ctrl+Z", "Undo the last change of the points"),
    ActionSpec("redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y"),
               "Redo the change of the points last undone"),
    ActionSpec("delete", "&Delete selected points",
               (QKeySequence.StandardKey.Delete, "Backspace"),
               "Delete the points selected on the data plot (Shift-click selects)"),
    ActionSpec("generate", "&Generate noisy line…", "Ctrl+G",
               "Replace the points with a noisy line: slope, intercept, noise and range"),
    ActionSpec("clear", "&Clear points", "Ctrl+Shift+Del", "Remove every point"),
    ActionSpec("paste_points", "&Paste points", "Ctrl+V",
               "Add x, y points copied from a spreadsheet or a CSV file (tab-, comma- or "
               "semicolon-separated)"),
    ActionSpec("spray", "&Spray brush", None,
               "Press and drag on the data plot to spray points with noise around the cursor",
               checkable=True, short="Spray"),
    ActionSpec("train", "&Train", "F5", "Start, or resume a paused run"),
    ActionSpec("pause", "&Pause", "F6", "Hold the run where it is; Train resumes it"),
    ActionSpec("stop", "&Stop", "Shift+F5", "End the run here; what it did stays shown"),
    ActionSpec("step", "Step one &epoch", "F10", "Train one epoch and pause", short="Step"),
    ActionSpec("continue", "&Continue", "Ctrl+F5",
               "Train the Epochs field's number of epochs more, from where the run ended"),
    ActionSpec("reset", "&Reset", "Ctrl+R", "Forget the current run"),
    ActionSpec("predict", "Pre&dict mode", "Ctrl+P",
               "Before each step (F10), click the landscape where you expect it to land",
               checkable=True, short="Predict"),
    ActionSpec("keep", "&Keep run for comparison", "Ctrl+K",
               "Keep the current run's curves on the plots, to compare the next runs with it",
               short="Keep run"),
    ActionSpec("remove", "Re&move kept run", None,
               "Remove the kept runs selected in the Compare runs list"),
    ActionSpec("log", "&Log-scale loss", "Ctrl+L", "Draw the loss curve on a log scale",
               checkable=True, short="Log scale"),
    ActionSpec("optimum", "&Show least-squares line", None,
               "Draw the exact best line (least squares) on the data plot", checkable=True),
    ActionSpec("fit_view", "&Fit to data", ("Ctrl+0", "Home"),
               "Show all the data, the whole loss curve and the landscape's start, path and "
               "optimum again after zooming", short="Fit"),
    ActionSpec("landscape", "Loss l&andscape", "Ctrl+3", "The loss over (w, b) with the path",
               checkable=True),
    ActionSpec("curvature", "Landscape &curvature", None,
               "The Hessian's eigen-directions through the optimum and the condition number",
               checkable=True),
    ActionSpec("other_landscape", "Landscape of the &other loss", None,
               "Logistic regression: the landscape of the other loss (cross-entropy \u2194 "
               "squared error on \u03c3) than the run's, on the same data",
               checkable=True),
    ActionSpec("log_odds", "Lo&g-odds line z = w·x + b", None,
               "Logistic regression: the log-odds line z = w·x + b on its own axis, right of "
               "the data plot", checkable=True),
    ActionSpec("jitter", "&Jitter the classes' points", None,
               "Logistic regression: spread each class's points a little off its row, so "
               "that points at the same x can be told apart", checkable=True),
    ActionSpec("pytorch_code", "P&yTorch code", None,
               "The plain PyTorch script of the current data and settings, in a window"),
    ActionSpec("presentation", "&Presentation", "F11",
               "Full screen, large text and thick lines, side panels folded away",
               checkable=True, short="Present"),
    ActionSpec("leave_presentation", "Leave presentation", "Esc",
               "Back to the normal layout"),
    ActionSpec("user_guide", "&User guide", "F1",
               "The guide to the studio, in a window of its own"),
    ActionSpec("context_help", "&Help on this panel", "Shift+F1",
               "The guide's section about the panel or view under the mouse pointer"),
    ActionSpec("shortcuts", "&Keyboard shortcuts", None, "Every keyboard shortcut, listed"),
    ActionSpec("about", "&About", None, "The studio's version"),
)

SPECS = {spec.name: spec for spec in ACTIONS}

#: The menus: a title and its actions by name (None: a separator; "docks": the docks'
#: show/hide actions).
MENUS = (
    ("&File", ("open_session", "save_session", "save_session_as", None, "save_lesson",
               "clear_lesson", None, "import", "save", None, "export_params",
               "export_history", "export_figure", "export_script", "export_notebook", None,
               "quit")),
    ("&Edit", ("undo", "redo", None, "delete", "generate", "clear", None, "paste_points",
               "spray")),
    ("&Run", ("train", "pause", "stop", "step", "continue", "reset", None, "predict", None,
              "keep", "remove")),
    ("&View", ("fit_view", "presentation", None, "log", "optimum", None, "landscape",
               "curvature", "other_landscape", None, "log_odds", "jitter", None, "pytorch_code",
               None, "docks")),
    ("&Help", ("user_guide", "context_help", None, "shortcuts", "about")),
)

#: The run toolbar: actions by name, None for a separator and "speed" for the speed box.
TOOLBAR = ("train", "pause", "stop", "step", "reset", None, "speed", None, "keep", "log",
           "fit_view", "presentation")
#: The speed box's choices (a label and the seconds between epochs) and the speed of a first
#: launch: the speed view option's description.
SPEEDS = VIEW_BY_NAME["speed"].choices
DEFAULT_SPEED = VIEW_BY_NAME["speed"].default
#: Labels in front of the toolbar's widgets.
TOOLBAR_LABELS = {"speed": " Speed "}


def _key_sequences(shortcut) -> list[QKeySequence]:
    if shortcut is None:
        return []
    if not isinstance(shortcut, tuple):
        shortcut = (shortcut,)
    return [QKeySequence(s) for s in shortcut]


def build_actions(owner: QWidget) -> dict[str, QAction]:
    """Make the actions of :data:`ACTIONS`, added to ``owner`` (so their shortcuts work in
    all of it), by name."""
    actions = {}
    for spec in ACTIONS:
        action = QAction(spec.text, owner)
        keys = _key_sequences(spec.shortcut)
        if len(keys) == 1:
            action.setShortcut(keys[0])
        elif keys:
            action.setShortcuts(keys)
        if spec.tip:
            action.setStatusTip(spec.tip)
        action.setWhatsThis(spec.tip or plain_text_of(spec.text))  # (what it is)
        action.setCheckable(spec.checkable)
        if spec.short:
            action.setIconText(spec.short)
        owner.addAction(action)
        actions[spec.name] = action
    return actions


def build_menus(bar: QMenuBar, actions: dict[str, QAction], docks=()) -> None:
    """Fill the menu bar as :data:`MENUS` says; ``docks`` are the dock widgets."""
    for title, names in MENUS:
        menu = bar.addMenu(title)
        for name in names:
            if name is None:
                menu.addSeparator()
            elif name == "docks":
                for dock in docks:
                    menu.addAction(dock.toggleViewAction())
            else:
                menu.addAction(actions[name])


def build_toolbar(actions: dict[str, QAction], widgets: dict[str, QWidget]) -> QToolBar:
    """The run toolbar as :data:`TOOLBAR` says; ``widgets`` by name (the speed box)."""
    bar = QToolBar("Run")
    bar.setObjectName("runToolbar")
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for name in TOOLBAR:
        if name is None:
            bar.addSeparator()
        elif name in widgets:
            bar.addWidget(QLabel(TOOLBAR_LABELS[name]))
            bar.addWidget(widgets[name])
        else:
            bar.addAction(actions[name])
            describe(bar.widgetForAction(actions[name]), actions[name])
    return bar


def describe(widget: QWidget, action: QAction) -> None:
    """Name ``widget`` (a button of ``action``) for screen readers and test automation: the
    action's text, and its tip (or its text) as the description."""
    widget.setAccessibleName(plain_text(action))
    widget.setAccessibleDescription(action.whatsThis() or plain_text(action))


def bind_button(button: QAbstractButton, action: QAction) -> None:
    """Clicking ``button`` triggers ``action``, and it is enabled when the action is (with
    the action's tooltip, which says why when it is disabled)."""
    def follow():
        button.setEnabled(action.isEnabled())
        button.setToolTip(action.toolTip())

    button.clicked.connect(action.trigger)
    action.changed.connect(follow)
    follow()
    describe(button, action)


def plain_text(action: QAction) -> str:
    """An action's text without its mnemonic '&'."""
    return plain_text_of(action.text())


def plain_text_of(text: str) -> str:
    """A menu text without its mnemonic '&'."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def explain(actions: dict[str, QAction], reasons: dict[str, str]) -> None:
    """Set each action's tooltip and status tip: why it is disabled (``reasons``, by name,
    see :func:`gdstudio.ui.studio.action_state.disabled_reasons`), else its text and its tip."""
    for name, action in actions.items():
        spec = SPECS.get(name)
        if spec is None:
            continue
        reason = reasons.get(name)
        if reason is not None:
            tip = status = f"{plain_text(action)}: {reason}"
        else:  # (the tip as the action now says it: a model's own, see main_window)
            status = action.whatsThis() if spec.tip else ""
            tip = plain_text(action) + (f": {status}" if status else "")
        if action.toolTip() != tip:
            action.setToolTip(tip)
        if action.statusTip() != status:
            action.setStatusTip(status)


def disabled_shortcut(actions: dict[str, QAction], names, event) -> str | None:
    """The name, among ``names``, of the disabled action whose shortcut the key ``event``
    is (a disabled action's shortcut does nothing: its key press comes to the window), or
    None."""
    keys = QKeySequence(event.keyCombination())
    for name in names:
        action = actions.get(name)
        if action is not None and not action.isEnabled() and any(
                k.matches(keys) == QKeySequence.SequenceMatch.ExactMatch
                for k in action.shortcuts()):
            return name
    return None


def shortcut_lines(actions) -> list[str]:
    """'Text: keys' for every action with a shortcut, sorted."""
    lines = []
    for act in actions:
        keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                         for k in act.shortcuts())
        if keys and act.text():
            lines.append(f"{act.text().replace('&', '')}: {keys}")
    return sorted(lines)

