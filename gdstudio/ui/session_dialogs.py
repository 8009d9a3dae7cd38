"""The session's dialogs: Save / Discard / Cancel before unsaved changes are lost, the offer
to restore a recovered session, and the file dialogs of session files."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

SESSION_FILTER = "Gradient Descent Studio sessions (*.gdstudio);;All files (*)"


def ask_save(messages, title: str, text: str, discard_text: str,
             on_save: Callable[[], object], on_discard: Callable[[], object]) -> None:
    """Ask ``text`` without blocking: Save, ``discard_text`` or Cancel (asked once at a time;
    asking again brings the open question forward). ``messages`` is the window's
    :class:`MessageBoxes` (so the box closes with the window's messages)."""
    for box in messages.boxes:
        if box.windowTitle() == title:
            box.raise_()
            box.activateWindow()
            return
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.NoButton, messages.parent)
    save = box.addButton("Save", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton(discard_text, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def answered(*_):
        if box in messages.boxes:
            messages.boxes.remove(box)
        clicked = box.clickedButton()
        if clicked is save:
            on_save()
        elif clicked is discard:
            on_discard()

    box.finished.connect(answered)
    messages.boxes.append(box)
    box.open()


def offer_restore(messages, text: str, on_restore: Callable[[], object],
                  on_discard: Callable[[], object]) -> None:
    """Offer to restore a recovered session (Restore or Discard), without blocking."""
    box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved session?", text,
                      QMessageBox.StandardButton.NoButton, messages.parent)
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(restore)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def answered(*_):
        if box in messages.boxes:
            messages.boxes.remove(box)
        clicked = box.clickedButton()
        if clicked is restore:
            on_restore()
        elif clicked is discard:
            on_discard()  # (closed unanswered: offered again at the next launch)

    box.finished.connect(answered)
    messages.boxes.append(box)
    box.open()


def ask_open_path(parent, folder: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open session", folder, SESSION_FILTER)
    return path


def ask_save_path(parent, suggested: str, title: str = "Save session as") -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, SESSION_FILTER)
    if path and "." not in path.rsplit("/", 1)[-1]:
        path += ".gdstudio"
    return path
