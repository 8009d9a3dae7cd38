"""Messages to the user in non-blocking boxes: the window stays live while one is open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from .state import MessageLevel

ICONS = {MessageLevel.INFO: QMessageBox.Icon.Information,
         MessageLevel.WARNING: QMessageBox.Icon.Warning,
         MessageLevel.CRITICAL: QMessageBox.Icon.Critical}


class MessageBoxes:
    """The message boxes open over ``parent``."""

    def __init__(self, parent: QWidget):
        self.parent = parent
        self.boxes: list[QMessageBox] = []

    def show(self, title: str, text: str, level=MessageLevel.WARNING) -> None:
        box = QMessageBox(ICONS[level], title, text, QMessageBox.StandardButton.Ok,
                          self.parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda *_: self.boxes.remove(box) if box in self.boxes else None)
        self.boxes.append(box)
        box.open()

    def close_all(self) -> None:
        for box in list(self.boxes):
            box.close()
        self.boxes.clear()
