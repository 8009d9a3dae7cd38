"""The data panel: the number of points, how to edit them, and the data buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QPushButton, QWidget


class DataPanel(QWidget):
    """Point count, editing hint, Generate/Clear/Import/Save/Undo/Redo buttons and the
    least-squares line's check box. The buttons are bound to the window's actions."""

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("font-weight: bold;")
        grid.addWidget(self.count_label, 0, 0, 1, 2)
        hint = QLabel("Click: add · drag: move · right-click: delete · Shift-click: select")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        hint.setMinimumHeight(hint.fontMetrics().lineSpacing() * 2)  # it wraps in a narrow dock
        grid.addWidget(hint, 1, 0, 1, 2)
        self.btn_generate = QPushButton("Generate noisy line…")
        self.btn_clear = QPushButton("Clear")
        self.btn_import = QPushButton("Import CSV…")
        self.btn_save = QPushButton("Save data as CSV…")
        self.btn_undo = QPushButton("Undo")
        self.btn_redo = QPushButton("Redo")
        for i, b in enumerate((self.btn_generate, self.btn_clear, self.btn_import,
                               self.btn_save, self.btn_undo, self.btn_redo)):
            grid.addWidget(b, 2 + i // 2, i % 2)
        self.show_optimum = QCheckBox("Show least-squares line")
        self.show_optimum.setChecked(True)
        self.show_optimum.setAccessibleName("Show least-squares line")
        self.show_optimum.setAccessibleDescription(
            "Draw the exact best line (least squares) on the data plot.")
        grid.addWidget(self.show_optimum, 5, 0, 1, 2)
        grid.setRowStretch(6, 1)

    def buttons(self) -> dict[str, QPushButton]:
        """The buttons by the name of the action each one triggers."""
        return {"generate": self.btn_generate, "clear": self.btn_clear,
                "import": self.btn_import, "save": self.btn_save, "undo": self.btn_undo,
                "redo": self.btn_redo}

    def set_count(self, n: int, shown: int) -> None:
        """Show that there are ``n`` points, of which the plot shows ``shown``."""
        extra = f" (showing {shown:,})" if shown < n else ""
        self.count_label.setText(f"{n:,} point{'s' if n != 1 else ''}{extra}")
