"""File ▸ Save as lesson…: the teacher names the lesson, ticks the controls to lock or hide,
and chooses whether it opens in presentation mode."""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from gdstudio.core.files.lesson_rules import LESSON_CONTROLS, MAX_TITLE, OTHER_CONTROLS, Lesson
from gdstudio.core.settings.description import BY_NAME

LOCK, HIDE = 1, 2


def control_text(name: str) -> str:
    """What a lesson control is, in words."""
    if name in BY_NAME:
        return f"{BY_NAME[name].label} (setting)"
    return OTHER_CONTROLS[name][0].upper() + OTHER_CONTROLS[name][1:]


class LessonDialog(QDialog):
    """The lesson's title, presentation mode, and a Lock and a Hide box per control."""

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
        self.tree.setHeaderLabels(["Control", "Lock", "Hide"])
        self.tree.setRootIsDecorated(False)
        self.items: dict[str, QTreeWidgetItem] = {}
        for name in LESSON_CONTROLS:
            item = QTreeWidgetItem([control_text(name), "", ""])
            item.setToolTip(0, name)
            for column, names in ((LOCK, lesson.locked), (HIDE, lesson.hidden)):
                item.setCheckState(column, Qt.CheckState.Checked if name in names
                                   else Qt.CheckState.Unchecked)
            self.tree.addTopLevelItem(item)
            self.items[name] = item
        self.tree.resizeColumnToContents(0)
        layout.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 560)

    def set_checked(self, name: str, column: int, on: bool = True) -> None:
        self.items[name].setCheckState(column, Qt.CheckState.Checked if on
                                       else Qt.CheckState.Unchecked)

    def lesson(self) -> Lesson:
        """The lesson as ticked (a control both locked and hidden is hidden)."""
        def ticked(column):
            return tuple(n for n, item in self.items.items()
                         if item.checkState(column) == Qt.CheckState.Checked)

        hidden = ticked(HIDE)
        locked = tuple(n for n in ticked(LOCK) if n not in hidden)
        title = " ".join(self.title.text().split()) or "Lesson"
        return Lesson(title, locked, hidden, self.presentation.isChecked())


def ask_lesson(parent, lesson: Lesson | None = None) -> Lesson | None:
    """The lesson the teacher sets up, or None (cancelled)."""
    dialog = LessonDialog(parent, lesson)
    return dialog.lesson() if dialog.exec() else None
