"""Puts the classroom's tools into the main window (which only builds :class:`Classroom`):
Edit ▸ Paste points and the spray brush, and Run ▸ Predict mode with
its marks on the landscape and its tally in the status bar.

In predict mode the landscape's dashed preview is hidden (it would show where the steps
land before the class guesses), but the view holds the box it spans (with the start and
the optimum), so where the next step lands is in view and can be clicked; and the status
bar holds one line at a time: the tally steps aside while a message is shown and comes
back when it goes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolButton

from gdstudio.core.data.paste import parse_points
from gdstudio.core.errors import DataError
from gdstudio.core.models.line.landscape import framable
from gdstudio.ui.classroom.predict_mode import PredictMode
from gdstudio.ui.classroom.spray import SprayTool
from gdstudio.ui.numbers.line_loss import model_of
from gdstudio.ui.studio.palette import GUESS_COLOR


def paste_points(controller, text: str) -> bool:
    """Add the points of ``text`` (as a spreadsheet copies them, see
    :mod:`gdstudio.core.data.paste`) as one undoable edit; one message and no change if the text
    is not points or the data is locked."""
    if not controller.edit_allowed("paste_points"):
        return False
    try:
        points = parse_points(text, controller.model.dataset.dtype,
                              labels=model_of(controller) == "logistic")
    except DataError as exc:
        controller.report("Cannot paste the points", f"{exc}\n\nThe data was not changed.")
        return False
    n = len(points)
    words = f"{n:,} point{'s' if n != 1 else ''}"
    if controller.add_points(points, f"Paste {words}", "paste_points"):
        controller.status(f"Pasted {words}; Ctrl+Z takes {'it' if n == 1 else 'them'} out "
                          "again.", 5000)
        return True
    return False


class Classroom(QObject):
    """The paste, the spray brush and predict mode of ``window``."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        c, acts = window.controller, window.actions_by_name
        acts["paste_points"].triggered.connect(lambda *_: self.paste())
        self.spray = SprayTool(c, window.plot, self)
        acts["spray"].toggled.connect(self.spray.set_active)
        self._add_buttons(window.data_panel, acts)

        self.predict = PredictMode(c, self)
        acts["predict"].toggled.connect(self._on_predict_action_toggled)
        self.predict.toggled.connect(self._on_predict_toggled)
        self.predict.guessChanged.connect(self._on_predict_guessChanged)
        self.predict.revealed.connect(self._on_predict_revealed)
        c.preview_model.previewChanged.connect(self._on_preview_previewChanged)
        landscape = window.landscape_plot
        self.guess_mark = pg.ScatterPlotItem(size=14, symbol="o", pen=pg.mkPen(GUESS_COLOR,
                                             width=2.5), brush=pg.mkBrush(None))
        self.miss_line = pg.PlotDataItem(pen=pg.mkPen(GUESS_COLOR, width=2,
                                                      style=Qt.PenStyle.DashLine))
        for item in (self.miss_line, self.guess_mark):
            item.setZValue(20)
            landscape.addItem(item, ignoreBounds=True)
        self.tally_label = QLabel()
        self.tally_label.setVisible(False)
        self.tally_label.setMinimumWidth(80)  # (its text never widens the window)
        self.tally_label.setMaximumWidth(620)
        window.statusBar().addPermanentWidget(self.tally_label)
        window.statusBar().messageChanged.connect(self._on_status_messageChanged)

    def _add_buttons(self, panel, acts) -> None:
        grid = panel.layout()
        row = grid.rowCount()
        for column, name in enumerate(("spray", "paste_points")):
            button = QToolButton()
            button.setDefaultAction(acts[name])
            button.setAccessibleName(acts[name].text().replace("&", ""))
            button.setAccessibleDescription(acts[name].whatsThis() or acts[name].statusTip())
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            grid.addWidget(button, row, column)
        grid.setRowStretch(row - 1, 0)
        grid.setRowStretch(row + 1, 1)

    def paste(self) -> bool:
        """Edit ▸ Paste points: the clipboard's text as points (see :func:`paste_points`)."""
        return paste_points(self.window.controller, QGuiApplication.clipboard().text())

    # -------------------------------------------------------------- predict mode
    @Slot(bool)
    def _on_predict_action_toggled(self, on: bool) -> None:
        if not self.predict.set_on(on):  # refused (locked): the action shows it off again
            self.window.actions_by_name["predict"].setChecked(self.predict.on)

    @Slot(bool)
    def _on_predict_toggled(self, on: bool) -> None:
        signal = self.window.landscape_plot.startRequested
        to_start = self.window.landscape_view._on_plot_startRequested
        old, new = (to_start, self._on_landscape_startRequested) if on else (
            self._on_landscape_startRequested, to_start)
        try:  # while on, a click on the landscape is a guess, no longer the start
            signal.disconnect(old)
        except (RuntimeError, TypeError):
            pass  # (not connected)
        signal.connect(new)
        if not on:
            self.guess_mark.setData([], [])
            self.miss_line.setData([], [])
        # no hint: the preview shows where the steps land, so it is hidden while the class
        # guesses them (each guess is answered by the step's end and the miss line)
        self.window.landscape_plot.preview.setVisible(not on)
        self._hold_preview_box()
        self._on_status_messageChanged(self.window.statusBar().currentMessage())
        self._show_tally()

    @Slot(object)
    def _on_preview_previewChanged(self, _points) -> None:
        if self.predict.on:
            self._hold_preview_box()

    def _hold_preview_box(self) -> None:
        """In predict mode the landscape keeps the box of the previewed run in view (its
        corners, not its points: nothing of the steps is drawn or hinted)."""
        path = self.window.controller.preview_model.path if self.predict.on else None
        box = None
        if path is not None:
            p = np.asarray(path, dtype=np.float64).reshape(-1, 2)
            p = p[framable(p)]
            if len(p):
                box = np.array([p.min(axis=0), p.max(axis=0)])
        self.window.landscape_view.set_held(box)

    @Slot(str)
    def _on_status_messageChanged(self, message: str) -> None:
        """One line at a time: the tally is shown while no message is."""
        self.tally_label.setVisible(self.predict.on and not message)

    @Slot(float, float)
    def _on_landscape_startRequested(self, w: float, b: float) -> None:
        self.predict.set_guess(w, b)

    @Slot(object)
    def _on_predict_guessChanged(self, guess) -> None:
        if guess is None:
            self.guess_mark.setData([], [])
        else:
            self.guess_mark.setData([guess[0]], [guess[1]])
            self.miss_line.setData([], [])

    @Slot(object)
    def _on_predict_revealed(self, result) -> None:
        points = self.predict.points()
        if result.counted:
            self.guess_mark.setData(points[:1, 0], points[:1, 1])
            self.miss_line.setData(points[:, 0], points[:, 1])
        self._show_tally()

    def _show_tally(self) -> None:
        last, text = self.predict.last, self.predict.tally.words()
        tip = text if last is None else f"{last.words()}\n{text}"
        if last is not None and last.counted and last.relative is not None:
            text = (f"Predict: off by {last.distance:.3g} ({last.relative:.0%} of the step) · "
                    + text.removeprefix("Predict: "))
        self.tally_label.setText(text)
        self.tally_label.setToolTip(tip)

    def tally_text(self) -> str:
        return self.tally_label.text()
