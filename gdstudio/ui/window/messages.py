"""Messages to the user in non-blocking boxes: the window stays live while one is open."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from gdstudio.ui.studio.action_state import MessageLevel

ICONS = {MessageLevel.INFO: QMessageBox.Icon.Information,
         MessageLevel.WARNING: QMessageBox.Icon.Warning,
         MessageLevel.CRITICAL: QMessageBox.Icon.Critical}


class MessageBoxes:
    """The message boxes open over ``parent``."""

    def __init__(self, parent: QWidget):
        self.parent = parent
        self.boxes: list[QMessageBox] = []
        #: The last message shown (title, text), or None.
        self.last: tuple[str, str] | None = None

    def show(self, title: str, text: str, level=MessageLevel.WARNING) -> None:
        self.last = (title, text)
        box = QMessageBox(ICONS[level], title, text, QMessageBox.StandardButton.Ok,
                          self.parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda *_: self.boxes.remove(box) if box in self.boxes else None)
        self.boxes.append(box)
        box.open()

    def ask(self, title: str, text: str, buttons, escape: int | None = None) -> None:
        """Ask ``text`` without blocking, asked once at a time (asking again brings the open
        question forward). ``buttons``: ``(label or standard button, role, callback or
        None)``, the first one the default; ``escape``: the index of the button Esc means.
        The callback of the button clicked is called; closing the box calls none."""
        for box in self.boxes:
            if box.windowTitle() == title:
                box.raise_()
                box.activateWindow()
                return
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.NoButton, self.parent)
        made = [box.addButton(label) if role is None else box.addButton(label, role)
                for label, role, _ in buttons]
        box.setDefaultButton(made[0])
        if escape is not None:
            box.setEscapeButton(made[escape])
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(*_):
            if box in self.boxes:
                self.boxes.remove(box)
            clicked = box.clickedButton()
            for button, (_, _, callback) in zip(made, buttons, strict=True):
                if clicked is button and callback is not None:
                    callback()

        box.finished.connect(answered)
        self.boxes.append(box)
        box.open()

    def close_all(self) -> None:
        for box in list(self.boxes):
            box.close()
        self.boxes.clear()
