"""The data panel: the number of points, how to edit them, the class a click adds (logistic
regression), and the data buttons."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QWidget,
)

LINE_HINT = "Click: add · drag: move · right-click: delete · Shift-click: select"
LOGISTIC_HINT = ("Click: add (chosen class) · drag: move, to the other row: relabel · "
                 "right-click: delete")


class DataPanel(QWidget):
    """Point count, editing hint, the class chooser (logistic regression only),
    Generate/Clear/Import/Save/Undo/Redo buttons and the optimum's check box. The buttons
    are bound to the window's actions."""

    #: The user chose the class a click adds (0 or 1).
    classChosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("font-weight: bold;")
        grid.addWidget(self.count_label, 0, 0, 1, 2)
        self.hint = hint = QLabel(LINE_HINT)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        hint.setMinimumHeight(hint.fontMetrics().lineSpacing() * 2)  # it wraps in a narrow dock
        grid.addWidget(hint, 1, 0, 1, 2)
        self.class_row = self._class_chooser()
        grid.addWidget(self.class_row, 2, 0, 1, 2)
        self.btn_generate = QPushButton("Generate noisy line…")
        self.btn_clear = QPushButton("Clear")
        self.btn_import = QPushButton("Import CSV…")
        self.btn_save = QPushButton("Save data as CSV…")
        self.btn_undo = QPushButton("Undo")
        self.btn_redo = QPushButton("Redo")
        for i, b in enumerate((self.btn_generate, self.btn_clear, self.btn_import,
                               self.btn_save, self.btn_undo, self.btn_redo)):
            grid.addWidget(b, 3 + i // 2, i % 2)
        self.show_optimum = QCheckBox("Show least-squares line")
        self.show_optimum.setChecked(True)
        self.show_optimum.setAccessibleName("Show least-squares line")
        self.show_optimum.setAccessibleDescription(
            "Draw the exact best line (least squares) on the data plot.")
        grid.addWidget(self.show_optimum, 6, 0, 1, 2)
        grid.setRowStretch(7, 1)
        self.set_model("line")

    def _class_chooser(self) -> QWidget:
        """'Add class: ○ 0  ○ 1': two radio buttons (Tab reaches them, the arrows or the
        keys 0 and 1 choose)."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Add class:")
        layout.addWidget(label)
        self.class_group = QButtonGroup(self)
        self.class_buttons = {}
        for label_value in (0, 1):
            button = QRadioButton(f"&{label_value}")
            button.setAccessibleName(f"Add points of class {label_value}")
            button.setAccessibleDescription(
                f"A click on the data plot, the spray brush and Paste points add points of "
                f"class {label_value} (at y = {label_value}).")
            self.class_group.addButton(button, label_value)
            self.class_buttons[label_value] = button
            layout.addWidget(button)
        label.setBuddy(self.class_buttons[0])
        layout.addStretch(1)
        self.class_buttons[0].setChecked(True)
        self.class_group.idClicked.connect(self.classChosen)
        return row

    def choose_class(self, label: int) -> None:
        """Show ``label`` (0 or 1) as the class a click adds."""
        self.class_buttons[int(label)].setChecked(True)

    @property
    def chosen_class(self) -> int:
        return self.class_group.checkedId()

    def set_model(self, model: str) -> None:
        """Show the controls of ``model``: the class chooser for logistic regression."""
        logistic = model == "logistic"
        self.class_row.setVisible(logistic)
        self.hint.setText(LOGISTIC_HINT if logistic else LINE_HINT)
        name = "Show best fit (maximum likelihood)" if logistic else "Show least-squares line"
        self.show_optimum.setText(name)
        self.show_optimum.setAccessibleName(name)
        self.show_optimum.setAccessibleDescription(
            "Draw the exact best sigmoid (maximum likelihood; none when the classes are "
            "separable) on the data plot." if logistic else
            "Draw the exact best line (least squares) on the data plot.")

    def buttons(self) -> dict[str, QPushButton]:
        """The buttons by the name of the action each one triggers."""
        return {"generate": self.btn_generate, "clear": self.btn_clear,
                "import": self.btn_import, "save": self.btn_save, "undo": self.btn_undo,
                "redo": self.btn_redo}

    def set_count(self, n: int, shown: int) -> None:
        """Show that there are ``n`` points, of which the plot shows ``shown``."""
        extra = f" (showing {shown:,})" if shown < n else ""
        self.count_label.setText(f"{n:,} point{'s' if n != 1 else ''}{extra}")
