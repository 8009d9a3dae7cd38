"""The status bar's part for an import under way: a progress bar and a Cancel button."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QSizePolicy, QWidget


class ImportProgress(QWidget):
    """Shown while ``controller`` imports a CSV file on its worker thread; Cancel stops it."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setMaximumWidth(200)
        self.bar.setFormat("Importing %p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the import; the data stays as it was.")
        self.cancel_button.setAccessibleName("Cancel the import")
        self.cancel_button.setAccessibleDescription(self.cancel_button.toolTip())
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.hide()
        importer = controller.csv_import
        importer.started.connect(self._on_import_started)
        importer.progressed.connect(self._on_import_progressed)
        importer.finished.connect(self._on_import_finished)
        self.cancel_button.clicked.connect(controller.cancel_import)

    @Slot(str)
    def _on_import_started(self, _path: str) -> None:
        self.bar.setValue(0)
        self.show()

    @Slot(int, int)
    def _on_import_progressed(self, done: int, total: int) -> None:
        if self.controller.csv_import.busy:  # (a last report may arrive after the end)
            self.bar.setValue(round(1000 * done / total) if total else 0)

    @Slot(str, object, str, bool)
    def _on_import_finished(self, *_) -> None:
        self.hide()
