"""The file requests of the window: ask the user for a path, then pass it to the controller.

Each request takes the path when it is known (tests, the command line) and asks with a file
dialog otherwise; a cancelled dialog changes nothing. When there is nothing to export, or
the data is locked, the controller says so before any dialog opens.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from gdstudio.ui.studio.controller import StudioController

CSV_FILTER = "CSV files (*.csv);;All files (*)"


class FileRequests:
    """Import, save and export for ``controller``, with dialogs over ``parent``."""

    def __init__(self, controller: StudioController, parent: QWidget):
        self.controller = controller
        self.parent = parent

    def default_path(self, name: str) -> str:
        """``name`` in the folder of the last import (the home folder before one)."""
        return str(Path(self.controller.last_dir or Path.home()) / name)

    def _ask_save(self, title: str, name: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self.parent, title, self.default_path(name),
                                              CSV_FILTER)
        return path

    def import_csv(self, path: str | None = None) -> bool:
        """Load points from CSV (asks for the file when ``path`` is None); undoable."""
        if not path:
            if not self.controller.edit_allowed("import"):
                return False
            path, _ = QFileDialog.getOpenFileName(self.parent, "Import CSV",
                                                  self.controller.last_dir, CSV_FILTER)
            if not path:
                return False
        return self.controller.import_csv(path)

    def save_data(self, path: str | None = None) -> bool:
        if not path and not self.controller.allowed("save"):
            return False
        path = path or self._ask_save("Save data as CSV", "data.csv")
        return bool(path) and self.controller.save_data(path)

    def export_parameters(self, path: str | None = None) -> bool:
        if not path:
            if not (self.controller.allowed("export_params")
                    and self.controller.can_export_parameters()):
                return False
            path = self._ask_save("Export parameters", "parameters.csv")
        return bool(path) and self.controller.export_parameters(path)

    def export_history(self, path: str | None = None) -> bool:
        if not path:
            if not (self.controller.allowed("export_history")
                    and self.controller.can_export_history()):
                return False
            path = self._ask_save("Export history", "history.csv")
        return self.controller.export_history(path)  # "" (cancelled): says it ended
