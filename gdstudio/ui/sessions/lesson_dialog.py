"""File ▸ Save as lesson…: the teacher names the lesson, ticks the controls to lock or hide,
and chooses whether it opens in presentation mode.

The controls come in their groups (:data:`~gdstudio.core.files.lesson_rules.LESSON_GROUPS`:
data, method, hyperparameters, run, views, tools); a group's box ticks all of it. *Lock
everything except the selected* locks every control but those selected (and the ones whose
lock would lock them too: the settings panel for a setting, point editing for the spray
brush). What the class will see is shown as it is ticked: each control's state in the
class's window (a control locked with another says which) and a summary by group.
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Slot
from PySide6.QtGui import QFont, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from gdstudio.core.files.lesson_rules import (
    LESSON_CONTROLS,
    LESSON_GROUPS,
    MAX_TITLE,
    OTHER_CONTROLS,
    Lesson,
    control_label,
)
from gdstudio.core.settings.description import BY_NAME
from gdstudio.ui.studio.action_state import LOCKED_BY, lesson_lock

LOCK, HIDE, SEEN = 1, 2, 3
#: The controls on the training settings panel: hiding the panel hides them.
ON_SETTINGS_PANEL = frozenset((*BY_NAME, "random_init"))


def control_text(name: str) -> str:
    """What a lesson control is, in words."""
    if name in BY_NAME:
        return f"{BY_NAME[name].label} (setting)"
    return OTHER_CONTROLS[name][0].upper() + OTHER_CONTROLS[name][1:]


def class_view(lesson: Lesson) -> dict[str, tuple[str, str | None]]:
    """What the class's window does with each lesson control under ``lesson``: ``("open",
    None)``, ``("locked", by)`` or ``("hidden", by)``, where ``by`` is the other control whose
    lock or hiding takes this one along (None: its own tick)."""
    locks = {*lesson.locked, *lesson.hidden}
    out: dict[str, tuple[str, str | None]] = {}
    for name in LESSON_CONTROLS:
        if name in lesson.hidden:
            out[name] = ("hidden", None)
        elif name in ON_SETTINGS_PANEL and "settings_panel" in lesson.hidden:
            out[name] = ("hidden", "settings_panel")
        elif name in locks:
            out[name] = ("locked", None)
        elif name in LOCKED_BY and lesson_lock(locks, name) is not None:
            out[name] = ("locked", lesson_lock(locks, name))
        else:
            out[name] = ("open", None)
    return out


def locked_except(keep) -> tuple[str, ...]:
    """The controls to lock so that every control is locked but those of ``keep``: not the
    kept ones, nor any whose lock would refuse a kept one's own requests (the settings panel
    for a setting, point editing for the spray brush or for Paste points)."""
    keep = set(keep)
    ways = {way for way, lockers in LOCKED_BY.items()
            if way in keep or any(lockers == (k,) for k in keep)}
    needed = {name for way in ways for name in LOCKED_BY[way]}
    return tuple(n for n in LESSON_CONTROLS if n not in keep and n not in needed)


def _names(names) -> str:
    return ", ".join(control_label(n) for n in names)


def summary_lines(lesson: Lesson) -> list[str]:
    """What the class will see, group by group, in words."""
    seen = class_view(lesson)
    lines = ["Opens in presentation mode (full screen, large text)." if lesson.presentation
             else "Opens in the normal window."]
    for title, names in LESSON_GROUPS:
        by_state = {state: [n for n in names if seen[n][0] == state]
                    for state in ("open", "locked", "hidden")}
        if len(by_state["open"]) == len(names):
            lines.append(f"{title}: all open.")
            continue
        parts = [f"open: {_names(by_state['open'])}" if by_state["open"] else "none open"]
        if not by_state["open"] and len(by_state["locked"]) in (0, len(names)):
            parts = []  # ("all locked", "all hidden")
        for state in ("locked", "hidden"):
            some = by_state[state]
            if not some:
                continue
            if len(some) == len(names):
                parts.append(f"all {state}")
            elif len(some) > 4:
                parts.append(f"{len(some)} {state}")
            else:
                parts.append(f"{state}: {_names(some)}")
        lines.append(f"{title}: " + "; ".join(parts) + ".")
    return lines


class LessonDialog(QDialog):
    """The lesson's title, presentation mode, a Lock and a Hide box per control in its
    group, and what the class will see."""

    def __init__(self, parent=None, lesson: Lesson | None = None):
        super().__init__(parent)
        self.setWindowTitle("Save as lesson")
        lesson = lesson or Lesson()
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.title = QLineEdit(lesson.title)
        self.title.setMaxLength(MAX_TITLE)
        self.title.setValidator(QRegularExpressionValidator(  # plain text (see core.lesson)
            QRegularExpression(r"[^<>\x00-\x1f\x7f]*"), self.title))
        form.addRow("Title", self.title)
        self.presentation = QCheckBox("Open in presentation mode")
        self.presentation.setChecked(lesson.presentation)
        form.addRow(self.presentation)
        layout.addLayout(form)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Control", "Lock", "Hide", "The class sees"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setAccessibleName("Lesson controls")
        self.tree.setAccessibleDescription(
            "Each control the lesson can lock or hide, by group, and what the class sees.")
        self.items: dict[str, QTreeWidgetItem] = {}
        self.groups: dict[str, QTreeWidgetItem] = {}
        self._build_tree(lesson)
        layout.addWidget(self.tree, 1)
        row = QHBoxLayout()
        self.lock_except = QPushButton("Lock everything except the selected")
        self.lock_except.setToolTip(
            "Select the controls the class may use (Ctrl+click for more; a group selects "
            "all of it), then lock every other control.")
        self.lock_except.clicked.connect(self._on_lock_except_clicked)
        self.lock_nothing = QPushButton("Lock nothing")
        self.lock_nothing.clicked.connect(self._on_lock_nothing_clicked)
        row.addWidget(self.lock_except)
        row.addWidget(self.lock_nothing)
        row.addStretch(1)
        layout.addLayout(row)
        heading = QLabel("What the class will see")
        bold = QFont(heading.font())
        bold.setBold(True)
        heading.setFont(bold)
        layout.addWidget(heading)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.tree.itemSelectionChanged.connect(self._on_tree_itemSelectionChanged)
        self.tree.itemChanged.connect(self._on_tree_itemChanged)
        self.presentation.toggled.connect(self._on_tree_itemChanged)
        self._on_tree_itemSelectionChanged()
        self._show_class_view()
        self.resize(760, 660)

    def _build_tree(self, lesson: Lesson) -> None:
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for title, names in LESSON_GROUPS:
            group = QTreeWidgetItem([title, "", "", ""])
            group.setFont(0, bold)
            group.setFlags(group.flags() | Qt.ItemFlag.ItemIsAutoTristate
                           | Qt.ItemFlag.ItemIsUserCheckable)
            self.tree.addTopLevelItem(group)
            self.groups[title] = group
            for name in names:
                item = QTreeWidgetItem([control_label(name), "", "", ""])
                item.setToolTip(0, f"{control_text(name)} ({name})")
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                for column, ticked in ((LOCK, lesson.locked), (HIDE, lesson.hidden)):
                    item.setCheckState(column, Qt.CheckState.Checked if name in ticked
                                       else Qt.CheckState.Unchecked)
                group.addChild(item)
                self.items[name] = item
            # a group with some of its controls ticked opens, to show which
            group.setExpanded(any(group.checkState(c) == Qt.CheckState.PartiallyChecked
                                  for c in (LOCK, HIDE)))
        self.tree.setColumnWidth(0, 300)
        for column in (LOCK, HIDE):
            self.tree.resizeColumnToContents(column)

    # ------------------------------------------------------------------ ticking
    def set_checked(self, name: str, column: int, on: bool = True) -> None:
        self.items[name].setCheckState(column, Qt.CheckState.Checked if on
                                       else Qt.CheckState.Unchecked)

    def selected(self) -> list[str]:
        """The controls selected in the list (a selected group: all of its controls)."""
        names = set()
        for title, group in self.groups.items():
            for i, name in enumerate(dict(LESSON_GROUPS)[title]):
                if group.isSelected() or group.child(i).isSelected():
                    names.add(name)
        return [n for n in LESSON_CONTROLS if n in names]

    def lock_everything_except(self, keep) -> None:
        """Lock every control but those of ``keep`` (see :func:`locked_except`); those left
        open are no longer hidden either."""
        locked = set(locked_except(keep))
        for name in LESSON_CONTROLS:
            self.set_checked(name, LOCK, name in locked)
            if name not in locked:  # (hidden, it would be locked, and take others along)
                self.set_checked(name, HIDE, False)

    @Slot()
    def _on_lock_except_clicked(self) -> None:
        self.lock_everything_except(self.selected())

    @Slot()
    def _on_lock_nothing_clicked(self) -> None:
        for name in LESSON_CONTROLS:
            self.set_checked(name, LOCK, False)
            self.set_checked(name, HIDE, False)

    @Slot()
    def _on_tree_itemSelectionChanged(self) -> None:
        self.lock_except.setEnabled(bool(self.selected()))

    # ------------------------------------------------------------------ the class's view
    @Slot()
    def _on_tree_itemChanged(self, *_) -> None:
        self._show_class_view()

    def _show_class_view(self) -> None:
        lesson = self.lesson()
        seen = class_view(lesson)
        self.tree.blockSignals(True)  # (the texts below are no ticks)
        try:
            for title, names in LESSON_GROUPS:
                for name in names:
                    state, by = seen[name]
                    text = state if by is None else f"{state} (with {control_label(by)})"
                    self.items[name].setText(SEEN, text)
                opened = sum(seen[n][0] == "open" for n in names)
                self.groups[title].setText(SEEN, f"{opened} of {len(names)} open")
        finally:
            self.tree.blockSignals(False)
        self.tree.viewport().update()
        self.summary.setText("\n".join(summary_lines(lesson)))

    def lesson(self) -> Lesson:
        """The lesson as ticked (a control both locked and hidden is hidden)."""
        def ticked(column):
            return tuple(n for n in LESSON_CONTROLS
                         if self.items[n].checkState(column) == Qt.CheckState.Checked)

        hidden = ticked(HIDE)
        locked = tuple(n for n in ticked(LOCK) if n not in hidden)
        title = " ".join(self.title.text().split()) or "Lesson"
        return Lesson(title, locked, hidden, self.presentation.isChecked())


def ask_lesson(parent, lesson: Lesson | None = None) -> Lesson | None:
    """The lesson the teacher sets up, or None (cancelled)."""
    dialog = LessonDialog(parent, lesson)
    return dialog.lesson() if dialog.exec() else None
