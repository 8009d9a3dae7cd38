"""The compare list: one entry per kept run, with its colour, a check box to show or hide it,
its label, and Keep and Remove; and :class:`CompareView`, which draws the kept runs.

The list is the legend of the kept runs (the loss plot has none inside it): each entry's
swatch is its curve's colour. Selecting entries highlights their curves on the loss plot and
draws their final lines on the data plot.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, QSignalBlocker, Qt, Slot
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gdstudio.ui.numbers.landscape_feed import model_of
from gdstudio.ui.studio.kept_runs import MODEL_WORDS, STALE_NOTE, drawn_with, run_model

#: The size of a swatch (pixels).
SWATCH = 14
KEY_ROLE = Qt.ItemDataRole.UserRole
#: The colour of an entry's swatch (a str such as ``'#1f77b4'``).
COLOR_ROLE = Qt.ItemDataRole.UserRole + 1


#: A space the list never wraps a line at.
NO_BREAK = "\u00a0"


def unbroken(label: str) -> str:
    """``label`` with the spaces inside a value of several numbers, such as a start
    ``(1, 0)``, and before it made non-breaking: the narrow list wraps
    ``'… · start (1, 0)'`` between its settings, never as ``'start (1,'`` and ``'0)'``
    (``'SGD (momentum 0.9, nesterov)'`` may still wrap between its settings)."""
    return re.sub(r"( ?)(\((?:[^()\s,]+, )+[^()\s,]+\))",
                  lambda m: (NO_BREAK if m.group(1) else "") + m.group(2).replace(" ", NO_BREAK),
                  label)


def run_text(run, model: str | None = None) -> tuple[str, str]:
    """A kept run's list entry and its tooltip; a run of another ``model`` than the one
    shown says it is drawn with its own."""
    s = run.summary
    title = unbroken(run.label) + run.title[len(run.label):]  # (and the stale note)
    text = f"{title}\nw={s.w:.5g}, b={s.b:.5g}, {s.status}"
    tip = (f"{run.title}\nw={s.w!r}\nb={s.b!r}\nloss={s.loss!r}\n"
           f"{s.epochs_done} epochs, {s.status}")
    if s.w_std is not None:  # trained on standardized data: its line in those units too
        text += f"\nstandardized: w_std={s.w_std:.5g}, b_std={s.b_std:.5g}"
        tip += f"\nstandardized: w_std={s.w_std!r}, b_std={s.b_std!r}"
    if run.stale:
        tip += (f"\n{STALE_NOTE.capitalize()}: trained on data that has changed since "
                "(its curve and line are dashed).")
    if not run.visible:
        tip += "\nHidden: check it to show its curve and line."
    if model is not None and run_model(run) != model:
        other = MODEL_WORDS.get(run_model(run), run_model(run))
        text += f"\n({other}: drawn when it is the model)"
        tip += (f"\nA run of {other}: its curve, path and fit are drawn when {other} is "
                "the model again.")
    return text, tip


def swatch(color: str) -> QIcon:
    """A square of ``color``."""
    pixmap = QPixmap(SWATCH, SWATCH)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


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
        return {it.data(KEY_ROLE) for it in self.runs_list.selectedItems()}

    def item_of(self, key: int) -> QListWidgetItem | None:
        """The entry of kept run ``key``, or None."""
        for i in range(self.runs_list.count()):
            if self.runs_list.item(i).data(KEY_ROLE) == key:
                return self.runs_list.item(i)
        return None

    def sync(self, runs, model: str | None = None) -> None:
        """Show these kept runs, in order: entries of removed runs go, new ones are added,
        and the text, colour and check box of the others follow their run (selection is
        kept). Changes made here emit no ``itemChanged``."""
        keys = {run.key for run in runs}
        for i in reversed(range(self.runs_list.count())):
            if self.runs_list.item(i).data(KEY_ROLE) not in keys:
                self.runs_list.takeItem(i)
        shown = {self.runs_list.item(i).data(KEY_ROLE): self.runs_list.item(i)
                 for i in range(self.runs_list.count())}
        with QSignalBlocker(self.runs_list):
            for run in runs:
                text, tip = run_text(run, model)
                item = shown.get(run.key)
                if item is None:
                    item = QListWidgetItem()
                    item.setData(KEY_ROLE, run.key)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    self.runs_list.addItem(item)
                item.setText(text)
                item.setToolTip(tip)
                if item.data(COLOR_ROLE) != run.color:
                    item.setData(COLOR_ROLE, run.color)
                    item.setIcon(swatch(run.color))
                font = item.font()
                font.setItalic(run.stale)
                item.setFont(font)
                other = model is not None and run_model(run) != model
                item.setForeground(QColor("#888888") if other else QBrush())
                item.setCheckState(Qt.CheckState.Checked if run.visible
                                   else Qt.CheckState.Unchecked)
        self.runs_list.viewport().update()


class CompareView(QObject):
    """Draws ``controller``'s kept runs: the compare list, their curves on the loss plot
    (selected ones highlighted, hidden ones not drawn) and the final lines of the selected
    ones on the data plot; and sends the list's selection and check boxes to the
    controller."""

    def __init__(self, controller, panel: RunsPanel, loss_plot, data_plot, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.panel, self.loss_plot, self.data_plot = panel, loss_plot, data_plot
        controller.keptRunsChanged.connect(self._on_controller_keptRunsChanged)
        controller.keptSelectionChanged.connect(self._on_controller_keptSelectionChanged)
        model_changed = getattr(controller, "modelChanged", None)
        if model_changed is not None:  # (the other model's runs go, this one's come back)
            model_changed.connect(self._on_controller_modelChanged)
        panel.runs_list.itemSelectionChanged.connect(self._on_runs_list_itemSelectionChanged)
        panel.runs_list.itemChanged.connect(self._on_runs_list_itemChanged)

    def _draw_selection(self) -> None:
        c = self.controller
        self.loss_plot.set_highlight(c.selected_runs)
        self.data_plot.set_run_lines(
            [run for run in self._drawn() if run.key in c.selected_runs and run.visible])

    def _drawn(self) -> list:
        """The kept runs of the model shown (see :func:`~gdstudio.ui.studio.kept_runs.
        drawn_with`)."""
        return drawn_with(self.controller.kept_runs, model_of(self.controller))

    @Slot()
    def _on_controller_keptRunsChanged(self) -> None:
        c = self.controller
        self.panel.sync(c.kept_runs, model_of(c))
        self.loss_plot.sync_kept(self._drawn(), c.selected_runs)
        self._draw_selection()

    @Slot(str)
    def _on_controller_modelChanged(self, _model) -> None:
        self._on_controller_keptRunsChanged()

    @Slot(object)
    def _on_controller_keptSelectionChanged(self, keys) -> None:
        self._draw_selection()

    @Slot()
    def _on_runs_list_itemSelectionChanged(self) -> None:
        self.controller.select_runs(self.panel.selected_keys())

    @Slot(QListWidgetItem)
    def _on_runs_list_itemChanged(self, item: QListWidgetItem) -> None:
        self.controller.set_run_visible(item.data(KEY_ROLE),
                                        item.checkState() == Qt.CheckState.Checked)
