"""The session's dialogs: Save / Discard / Cancel before unsaved changes are lost, the offer
to restore a recovered session, and the file dialogs of session files."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QMessageBox

SESSION_FILTER = "Gradient Descent Studio sessions (*.gdstudio);;All files (*)"


def ask_save(messages, title: str, text: str, discard_text: str,
             on_save: Callable[[], object], on_discard: Callable[[], object],
             save_text: str = "Save") -> None:
    """Ask ``text`` without blocking: ``save_text``, ``discard_text`` or Cancel (asked once
    at a time; asking again brings the open question forward). ``messages`` is the window's
    :class:`MessageBoxes` (so the box closes with the window's messages)."""
    messages.ask(title, text, [(save_text, QMessageBox.ButtonRole.AcceptRole, on_save),
                               (discard_text, QMessageBox.ButtonRole.DestructiveRole,
                                on_discard),
                               (QMessageBox.StandardButton.Cancel, None, None)], escape=2)


def offer_restore(messages, text: str, on_restore: Callable[[], object],
                  on_discard: Callable[[], object]) -> None:
    """Offer to restore a recovered session (Restore or Discard), without blocking; closed
    unanswered, it is offered again at the next launch."""
    messages.ask("Restore unsaved session?", text,
                 [("Restore", QMessageBox.ButtonRole.AcceptRole, on_restore),
                  ("Discard", QMessageBox.ButtonRole.DestructiveRole, on_discard)])


def ask_open_path(parent, folder: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open session", folder, SESSION_FILTER)
    return path


def ask_save_path(parent, suggested: str, title: str = "Save session as") -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, SESSION_FILTER)
    if path and "." not in path.rsplit("/", 1)[-1]:
        path += ".gdstudio"
    return path
