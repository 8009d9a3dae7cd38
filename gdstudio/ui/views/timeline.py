"""One timeline for every view: a scrubber over the history of the current run (or of the one
kept run selected in the compare list).

A moment is "after N epochs" (see :mod:`gdstudio.core.models.line.linefit`): moving the scrubber
sets the line on the data plot, a marker on the loss curve (its point at x = N) and the readout
to that moment, and emits :attr:`Timeline.momentChanged` for the line's equation and the
landscape's marker. At the end of the history the scrubber follows the live run: its end is
the moment every view shows (the controller's ``shown_moment``, which moves on at most every
:data:`~gdstudio.ui.numbers.moment_feed.FRAME` seconds, inside a long epoch too), never a
newer one. Left and Right step it while a plot has focus; hovering the loss curve shows the
moment of the epoch under the pointer.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QSlider, QWidget

from gdstudio.core.models.line.linefit import Moment, moment_at
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.numbers.logistic_numbers import LOSS_WORDS

#: A hover within this many pixels (vertically) of a point of the loss curve shows it.
HOVER_PX = 14.0
#: The moment's longest usual words (a moment inside an epoch of a stochastic run): beside
#: the slider, the words' width is this one's at their font (less in a narrow window, down
#: to :data:`FEWEST_CHARS` characters), whatever they say, so the slider keeps its length
#: as they change; longer words end in "…" and say it all in their tooltip.
USUAL_WORDS = "in epoch 20, update 100/100: w -5.00317, b -0.216671, loss 0.221526"
FEWEST_CHARS = 44


class MomentLabel(QLabel):
    """The moment's words: a width of their own beside the slider (see
    :data:`USUAL_WORDS`), or as wide as the bar below it (``stacked``); words longer than
    the room end in "…" (its ``text()`` is the whole), their tooltip says them whole."""

    def __init__(self, text: str, parent=None):
        super().__init__(text, parent)
        self.stacked = False
        self.set_stacked(False)

    def set_stacked(self, stacked: bool) -> None:
        self.stacked = stacked
        self.setSizePolicy(QSizePolicy.Policy.Ignored if stacked
                           else QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.stacked:
            return hint
        return QSize(self.fontMetrics().horizontalAdvance(USUAL_WORDS) + 4, hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        if self.stacked:
            return QSize(0, hint.height())
        return QSize(self.fontMetrics().horizontalAdvance("x" * FEWEST_CHARS), hint.height())

    def setText(self, text: str) -> None:
        super().setText(text)
        self._tip()

    def _tip(self) -> None:
        cut = self.fontMetrics().horizontalAdvance(self.text()) > self.contentsRect().width()
        self.setToolTip(self.text() if cut else "")

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._tip()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()

    def paintEvent(self, event):
        rect = self.contentsRect()
        words = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                              rect.width())
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(),
                                  self.isEnabled(), words, self.foregroundRole())


class TimelineBar(QWidget):
    """The scrubber: a slider over the moments and the moment's words (beside it, or on a
    line of their own below it: :meth:`set_stacked`)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = self.grid = QGridLayout(self)
        grid.setContentsMargins(4, 0, 4, 0)
        self.title = QLabel("Timeline")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Scrub through the run: every view shows the line after that "
                               "many epochs (Left/Right on a plot step; the end follows the "
                               "run).")
        self.slider.setAccessibleName("Timeline")
        self.slider.setAccessibleDescription(self.slider.toolTip())
        self.label = MomentLabel("no run yet")
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.slider, 0, 1)
        grid.setColumnStretch(1, 1)
        self.stacked = False
        self.set_stacked(False)

    def set_stacked(self, stacked: bool) -> None:
        """The moment's words beside the slider, or (``stacked``) on a line of their own
        below it, as wide as the bar."""
        self.grid.removeWidget(self.label)
        if stacked:
            self.grid.addWidget(self.label, 1, 0, 1, 2)
        else:
            self.grid.addWidget(self.label, 0, 2)
        self.label.set_stacked(stacked)
        self.stacked = stacked


def _end(summary) -> tuple:
    """A finished run's last moment for :func:`moment_at`: (w, b, loss, the epoch it
    stopped inside or 0)."""
    partial = getattr(summary, "partial", None)
    return (summary.w, summary.b, summary.loss if summary.loss != "" else None,
            0 if partial is None else partial.epoch + 1)


class Timeline(QObject):
    """Keeps every view at one moment of one run (see the module's docstring)."""

    #: The moment shown changed: a :class:`~gdstudio.core.models.line.linefit.Moment` (epochs, w, b,
    #: loss, end). The landscape's marker follows it (``LandscapePlot.set_moment``).
    momentChanged = Signal(object)
    #: The hover text over the loss curve ('' when the pointer left the curve).
    hoverChanged = Signal(str)

    def __init__(self, controller, plot, loss_plot, readout, parent=None):
        super().__init__(parent)
        self.controller, self.plot, self.loss_plot, self.readout = (
            controller, plot, loss_plot, readout)
        self.bar = TimelineBar()
        self.slider = self.bar.slider
        self.moment: Moment | None = None
        self.hover_text = ""
        self.marker = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=11,
                                      symbolBrush=pg.mkBrush(255, 140, 0), symbolPen="k")
        self.marker.setZValue(20)
        loss_plot.addItem(self.marker, ignoreBounds=True)
        self.hover_item = pg.TextItem("", color="k", fill=pg.mkBrush(255, 255, 230, 230),
                                      anchor=(0, 1))
        self.hover_item.setZValue(30)
        self.hover_item.hide()
        loss_plot.addItem(self.hover_item, ignoreBounds=True)
        loss_plot.scene().sigMouseMoved.connect(self._on_loss_scene_mouseMoved)
        for view in (plot, loss_plot):
            view.installEventFilter(self)
        self.slider.valueChanged.connect(self._on_slider_valueChanged)
        c = controller
        # the current run at the moment every view shows (its start, each frame, its pause,
        # its end and its reset are such moments), and the kept run selected
        for signal in (c.momentShown, c.keptRunsChanged, c.keptSelectionChanged):
            signal.connect(self.refresh)
        # the loss axis names logistic regression's loss (the run's, or the next run's)
        for signal in (c.optimumChanged, c.runStarted, c.runReset):
            signal.connect(self._name_loss)
        self._name_loss()

    @Slot()
    def _name_loss(self, *_) -> None:
        c = self.controller
        config = c.session.config if c.session.init is not None else c.settings
        if config is None or getattr(config, "model", "line") != "logistic":
            self.loss_plot.set_loss_name("")
        else:
            self.loss_plot.set_loss_name(LOSS_WORDS.get(config.loss, config.loss))

    # --------------------------------------------------------------- the run shown
    def source(self):
        """The kept run shown (the one selected, if exactly one is), or None: the current."""
        c = self.controller
        if len(c.selected_runs) == 1:
            key = next(iter(c.selected_runs))
            for run in c.kept_runs:
                if run.key == key and run.w is not None:
                    return run
        return None

    def columns(self):
        """(loss, w, b, init, end, live_loss) of the run shown, or None if it has no moment:
        for the current run, its history up to the moment shown, and that moment as its
        end ((w, b, loss, the epoch it is inside or 0))."""
        run = self.source()
        if run is not None:
            s = run.summary
            return (run.loss, run.w, run.b, (s.init_w, s.init_b), _end(s), None)
        c = self.controller
        shown, h = c.shown_moment, c.history
        last = shown.last
        if last is None:
            return None
        n = shown.epochs
        inside = last.stopped_in or (0 if last.updates is None else n + 1)
        return (h.loss[:n], h.w[:n], h.b[:n], c.session.init, (last.w, last.b, last.loss,
                                                                 inside), None)

    @property
    def count(self) -> int:
        """The moments there are (0 without a run)."""
        columns = self.columns()
        return 0 if columns is None else len(columns[0]) + 1

    @property
    def following(self) -> bool:
        """The scrubber is at the end of the current run's history: it follows the run."""
        return self.source() is None and self.slider.value() == self.slider.maximum()

    def moment_at(self, n: int) -> Moment | None:
        columns = self.columns()
        if columns is None:
            return None
        loss, w, b, init, end, live = columns
        if self.source() is None and n >= len(loss):  # the current run's moment shown
            return self.controller.shown_moment.last
        return moment_at(n, loss, w, b, init, end, live)

    # --------------------------------------------------------------- requests
    def set_epoch(self, n: int) -> None:
        """Show the moment after ``n`` epochs (clamped to the history)."""
        self.slider.setValue(int(n))

    def step(self, delta: int) -> None:
        self.slider.setValue(self.slider.value() + int(delta))

    @Slot()
    def refresh(self, *_) -> None:
        """Follow the run: the range grows with the history; at its end the scrubber stays
        at the end; a moment scrubbed to stays on every view while the run goes on."""
        count = self.count
        was_end = self.slider.value() >= self.slider.maximum()
        source_changed = self.source() is not getattr(self, "_last_source", None)
        self._last_source = self.source()
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(count - 1, 0))
        if was_end or source_changed:
            self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self.bar.setEnabled(count > 1)
        self._show(live=self.following and self.controller.state is RunState.RUNNING)

    @Slot(int)
    def _on_slider_valueChanged(self, value: int) -> None:
        self._show()

    def _show(self, live: bool = False) -> None:
        moment = self.moment_at(self.slider.value()) if self.count else None
        self.moment = moment
        if moment is None:
            self.bar.label.setText("no run yet")
            self.marker.setData([], [])
            self.readout.moment_line = None
            self.readout.update_readout(self.controller)
            self.momentChanged.emit(None)
            return
        self.bar.label.setText(moment.text())
        loss = moment.loss
        if loss is not None and loss > 0:  # (a log axis, now or toggled later, has no 0)
            self.marker.setData([moment.epochs], [loss])
        else:
            self.marker.setData([], [])
        self.plot.set_fit(moment.w, moment.b, exact=not live)
        self.readout.moment_line = None if self.following else (
            ("kept run: " if self.source() is not None else "") + moment.text())
        self.readout.update_readout(self.controller)
        self.momentChanged.emit(moment)

    # --------------------------------------------------------------- keys and hover
    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and self.count > 1 and not (
                event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                self.step(-1 if event.key() == Qt.Key.Key_Left else 1)
                return True
        return False

    def hover_at(self, x: float, y: float) -> str:
        """The hover text for the loss plot's point (x, y) in view coordinates (as drawn,
        so log10 of the loss on a log axis): the moment of the nearest epoch, if the curve
        passes within :data:`HOVER_PX` pixels; else ''."""
        columns = self.columns()
        text = ""
        if columns is not None and len(columns[0]):
            loss = columns[0]
            n = int(np.clip(round(x), 0, len(loss) - 1))
            value = float(loss[n])
            shown = np.log10(value) if self.loss_plot.log and value > 0 else value
            _, py = self.loss_plot.getViewBox().viewPixelSize()
            if py and abs(shown - y) <= HOVER_PX * py and abs(x - n) <= 0.5 + 1e-9:
                text = self.moment_at(n).text()
                self.hover_item.setPos(n, shown)
        self._set_hover(text)
        return text

    def _set_hover(self, text: str) -> None:
        self.hover_item.setText(text)
        self.hover_item.setVisible(bool(text))
        if text != self.hover_text:
            self.hover_text = text
            self.hoverChanged.emit(text)

    @Slot(object)
    def _on_loss_scene_mouseMoved(self, scene_pos) -> None:
        vb = self.loss_plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            self._set_hover("")
            return
        point = vb.mapSceneToView(scene_pos)
        self.hover_at(point.x(), point.y())
