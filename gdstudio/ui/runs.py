"""The kept-runs list: one entry per run kept for comparison, with Keep and Remove."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def run_text(run) -> tuple[str, str]:
    """A kept run's list entry and its tooltip."""
    s = run.summary
    text = f"{run.title}\nw={s.w:.5g}, b={s.b:.5g}, {s.status}"
    tip = (f"{run.title}\nw={s.w!r}\nb={s.b!r}\nloss={s.loss!r}\n"
           f"{s.epochs_done} epochs, {s.status}")
    return text, tip


class RunsPanel(QWidget):
    """The list of kept runs (several can be selected) and its Keep and Remove buttons."""

    def __init__(self, parent=None):
        super().__init__(parent)
        v = QVBoxLayout(self)
        self.runs_list = QListWidget()
        self.runs_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.runs_list.setWordWrap(True)
        v.addWidget(self.runs_list, 1)
        row = QHBoxLayout()
        self.btn_keep = QPushButton("Keep run")
        self.btn_remove = QPushButton("Remove")
        row.addWidget(self.btn_keep)
        row.addWidget(self.btn_remove)
        v.addLayout(row)
        self.setMinimumWidth(200)
        self.setMaximumWidth(250)

    def buttons(self) -> dict[str, QPushButton]:
        """The buttons by the name of the action each one triggers."""
        return {"keep": self.btn_keep, "remove": self.btn_remove}

    def selected_keys(self) -> set[int]:
        return {it.data(Qt.ItemDataRole.UserRole) for it in self.runs_list.selectedItems()}

    def sync(self, runs) -> None:
        """Show these kept runs, in order: entries of removed runs go, new ones are added,
        and the text of the others follows their run (selection is kept)."""
        keys = {run.key for run in runs}
        for i in reversed(range(self.runs_list.count())):
            if self.runs_list.item(i).data(Qt.ItemDataRole.UserRole) not in keys:
                self.runs_list.takeItem(i)
        shown = {self.runs_list.item(i).data(Qt.ItemDataRole.UserRole): self.runs_list.item(i)
                 for i in range(self.runs_list.count())}
        for run in runs:
            text, tip = run_text(run)
            item = shown.get(run.key)
            if item is None:
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, run.key)
                self.runs_list.addItem(item)
            item.setText(text)
            item.setToolTip(tip)
