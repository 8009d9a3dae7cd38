"""Room in presentation mode, at 1024×768 too: nothing clipped, nothing jumps.

In both modes, the status message keeps its room (outside presentation mode too, where the
progress bar shows the last run's also while no run is active):

- the status message keeps its room: the run's progress bar, a permanent widget on the
  right of the status bar, is hidden (in presentation mode) while no run is active, and
  (in both) while a message is shown that would not fit beside it and the other permanent
  widgets (the import's and the epoch's progress, predict mode's tally, the lesson's badge
  with its title given up, "Lesson: …"); the lesson's badge gives up the end of its title
  (the whole title is its tooltip) for the message and the progress bar, down to
  "Lesson: …"; a message wider than all that room has its full text as the status bar's
  tooltip;
- the lesson's badge has the window's font (presentation mode's larger text too).

With presentation mode's larger text:

- the progress bar is as wide as its text for the run's number of epochs
  ("1,000 / 1,000 epochs"), so its text never spills;
- the readout's parts each take a line of their own (the run, its start, the optima), and
  its text is as large as fits :data:`READOUT_CHARS` characters a line in the window's
  width (never larger than presentation mode's scale), so its lines do not wrap;
  its height never shrinks while presenting, so the plots above do not jump;
- the timeline's words go on a line of their own below its slider, in a size that fits the
  longest ones (:data:`TIMELINE_TEMPLATE`) in the window's width, so the slider keeps its
  length and the words their line while the numbers change;
- the toolbar's Train button is as wide as "Resume" (its words while a run is paused), so
  the buttons after it stay where they are (in both modes).

These are decided when the mode is entered, when the window or the readout is resized, and
when the
status message, the run's state or its number of epochs change; outside presentation mode
the readout and the timeline are as made, and the progress bar :data:`NORMAL_WIDTH`
wide.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QSizeGrip

from gdstudio.core.training.runstate import RunState
from gdstudio.ui.classroom.presentation import FONT_SCALE
from gdstudio.ui.panels.readout import FONT_POINTS

#: The run's progress bar's widest, outside presentation mode, and its narrowest in it.
NORMAL_WIDTH = 260
PRESENTATION_WIDTH = 170
#: Room around the progress bar's text (its frame and chunk), pixels.
PROGRESS_PADDING = 28
#: The status bar's own margins around its message (pixels).
MARGIN = 24
#: The readout's lines that fit the window's width in presentation mode (characters): its
#: longest usual lines, stacked (where a run is, with w and b: a run stopped at epoch
#: 100,000; the start drawn from a seed; the least-squares line).
READOUT_CHARS = 64
#: The longest words of the timeline (a moment inside a long epoch; its line fits them in
#: presentation mode).
TIMELINE_TEMPLATE = ("in epoch 100,000, update 1,000,000/1,000,000: w -1.23457e-05, "
                     "b -1.23457e-05, loss 1.23457e-05")
#: The lesson's badge gives up its title down to this.
BADGE_SHORTEST = "Lesson: …"


def readout_scale(width: int) -> float:
    """The readout's scale in presentation mode for a readout ``width`` pixels wide (less
    its margins): at most :data:`FONT_SCALE`, and small enough for :data:`READOUT_CHARS`
    characters a line."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    font.setFixedPitch(True)
    font.setPointSizeF(FONT_POINTS)
    line = QFontMetrics(font).horizontalAdvance("0" * READOUT_CHARS)
    return max(0.5, min(FONT_SCALE, 0.98 * width / max(line, 1)))


class StatusRoom(QObject):
    """Keeps ``window``'s status bar, readout and timeline readable and still in
    presentation mode (see the module)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self._timeline_width: int | None = None  # the timeline words' own, to restore
        bar = window.statusBar()
        bar.messageChanged.connect(self.update)
        window.controller.runStateChanged.connect(self.update)
        window.presentation.toggled.connect(self._on_presentation_toggled)
        window.presentation.leaving.connect(self._on_presentation_leaving)
        self._progress_wired = False  # (the status bar is built after this)
        window.installEventFilter(self)
        window.readout.installEventFilter(self)
        self._fit_soon = QTimer(self)
        self._fit_soon.setSingleShot(True)
        self._fit_soon.setInterval(0)
        self._fit_soon.timeout.connect(self._on_fit_soon_timeout)

    def _badge(self):
        files = getattr(self.window, "session_files", None)
        return None if files is None else files.lesson_view.indicator

    def _coming_and_going(self) -> tuple:
        """The status bar's widgets shown only while something is under way: a CSV import's
        and a session file's progress, and an epoch's."""
        w = self.window
        files = getattr(w, "session_files", None)
        return (getattr(w, "import_progress", None), getattr(w, "epoch_progress", None),
                None if files is None else files.progress)

    def _timeline_label(self):
        views = getattr(self.window, "line_views", None)
        return None if views is None else views.timeline.bar.label

    # ------------------------------------------------------------------ events
    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.Type.Show, QEvent.Type.Hide) and watched in (
                x for x in self._coming_and_going() if x is not None):
            self._fit_soon.start()  # (the message's room changed)
            return False
        if not self.window.presentation.active:
            if watched is self.window and event.type() == QEvent.Type.Resize:
                self._fit_soon.start()  # (the status bar's room, in both modes)
            return False
        if watched is self.window and event.type() == QEvent.Type.Resize:
            self._fit_soon.start()  # (once the window's layout has its new size)
        elif watched is self.window.readout and event.type() == QEvent.Type.Resize:
            readout = self.window.readout
            if event.size().width() != event.oldSize().width():
                self._fit_soon.start()  # (the docks beside it came or went)
            elif readout.height() > readout.minimumHeight():  # never shrinks back
                readout.setMinimumHeight(readout.height())
        return False

    @Slot(bool)
    def _on_presentation_toggled(self, on: bool) -> None:
        self.fit()
        if on:
            self._fit_soon.start()  # (again once the layout has folded the docks away)

    @Slot()
    def _on_presentation_leaving(self) -> None:
        self._fit_soon.stop()
        self.fit()  # (not active any more: the widths as made, before the layout returns)
        button = self.window.toolbar.widgetForAction(self.window.act_train)
        if button is not None:
            button.setMinimumWidth(0)  # (sized again in the normal font once it is back)

    @Slot()
    def _on_fit_soon_timeout(self) -> None:
        self.fit()

    def fit(self) -> None:
        """Size the readout's text and the timeline's words for the window's width now (in
        presentation mode; back as made outside it), then the status bar."""
        w = self.window
        label = self._timeline_label()
        if w.presentation.active:
            central = w.centralWidget()
            margins = central.layout().contentsMargins()
            readout_margins = w.readout.contentsMargins()
            width = (central.width() - margins.left() - margins.right()
                     - readout_margins.left() - readout_margins.right())
            w.readout.set_scale(readout_scale(width), stacked=True)
            if label is not None:
                self._fit_timeline(label, width)
        elif label is not None and self._timeline_width is not None:
            label.setFont(QFont())  # (the window's font again)
            label.setMinimumSize(self._timeline_width, 0)
            label.parentWidget().set_stacked(False)
            self._timeline_width = None
        self._hold_train_button()
        self.update()

    def _fit_timeline(self, label, width: int) -> None:
        """The timeline's words on their own line below its slider, as large as the window's
        text but small enough for :data:`TIMELINE_TEMPLATE` in ``width`` pixels (never
        smaller than outside presentation mode: longer words end in "…", the whole of them
        in the tooltip), and the line's height kept (so nothing moves as the words
        change)."""
        if self._timeline_width is None:
            self._timeline_width = label.minimumWidth()
        label.parentWidget().set_stacked(True)
        label.setFont(QFont())
        font = QFont(label.font())
        room = 0.98 * (width - 8)
        needed = QFontMetrics(font).horizontalAdvance(TIMELINE_TEMPLATE)
        if needed > room:
            font.setPointSizeF(max(font.pointSizeF() / FONT_SCALE,
                                   font.pointSizeF() * room / needed))
        label.setFont(font)
        label.setMinimumSize(0, label.fontMetrics().lineSpacing())

    def _hold_train_button(self) -> None:
        """The toolbar's Train button as wide as its longest words, "Resume"."""
        w = self.window
        toolbar = getattr(w, "toolbar", None)
        button = None if toolbar is None else toolbar.widgetForAction(w.act_train)
        if button is None:
            return
        button.setMinimumWidth(0)
        metrics = button.fontMetrics()
        shown = w.act_train.iconText()
        padding = button.sizeHint().width() - metrics.horizontalAdvance(shown)
        button.setMinimumWidth(padding + max(metrics.horizontalAdvance(t)
                                             for t in ("Train", "Resume", shown)))

    # ------------------------------------------------------------------ the status bar
    def _progress_width(self) -> int:
        """The progress bar's width in presentation mode: its text for the run's number of
        epochs, and some room around it."""
        progress = self.window.progress
        total = max(progress.maximum(), 1)
        text = f"{total:,} / {total:,} epochs"
        return max(PRESENTATION_WIDTH,
                   progress.fontMetrics().horizontalAdvance(text) + PROGRESS_PADDING)

    @Slot()
    def update(self, *_) -> None:
        w = self.window
        bar, progress, badge = w.statusBar(), w.progress, self._badge()
        if not self._progress_wired:  # its number of epochs is set at a run's start
            progress.valueChanged.connect(self.update)
            for other in self._coming_and_going():  # (they come and go)
                if other is not None:
                    other.installEventFilter(self)
            self._progress_wired = True
            self._hold_train_button()
        presenting = w.presentation.active
        if presenting:
            width = self._progress_width()
            progress.setMinimumWidth(width)
        else:  # (NORMAL_WIDTH, whatever bar comes or goes beside it)
            width = NORMAL_WIDTH
        progress.setMinimumWidth(width)
        progress.setMaximumWidth(width)
        if badge is not None:
            badge.setFont(w.font())  # (its style sheet would keep the font it was made with)
        message = bar.currentMessage()
        needed = bar.fontMetrics().horizontalAdvance(message) + MARGIN if message else 0
        tally = getattr(getattr(w, "classroom", None), "tally_label", None)
        # each widget shown takes its width and the gap before it; the size grip, if shown,
        # its own (the message is drawn left of them all)
        gap = bar.layout().spacing() if bar.layout() is not None else 6
        grip = bar.findChild(QSizeGrip)
        room = bar.width() - (grip.width() + gap if grip is not None and grip.isVisible()
                              else 0)
        room -= sum(x.width() + gap for x in (*self._coming_and_going(), tally)
                    if x is not None and x.isVisible())
        with_badge = badge is not None and badge.isVisible()
        shortest = self._badge_shortest(badge) + gap if with_badge else 0
        # outside presentation mode the bar also shows the last run's progress when idle;
        # it stays beside the message if the badge's title can give way for it
        wanted = not presenting or w.controller.state is not RunState.IDLE
        shown = wanted and needed + width + gap + shortest <= room
        progress.setVisible(shown)
        if shown:
            room -= width + gap
        if with_badge:
            room -= self._fit_badge(badge, room - needed - gap) + gap
        bar.setToolTip(message if needed > room else "")

    @staticmethod
    def _badge_shortest(badge) -> int:
        """The lesson's badge's width with its title given up (:data:`BADGE_SHORTEST`)."""
        metrics = badge.fontMetrics()
        padding = badge.sizeHint().width() - metrics.horizontalAdvance(badge.text())
        return metrics.horizontalAdvance(BADGE_SHORTEST) + padding

    def _fit_badge(self, badge, room: int) -> int:
        """Show the lesson's badge in ``room`` pixels (its title cut at the end if it must,
        down to :data:`BADGE_SHORTEST`); its width."""
        full = badge.toolTip().split("\n", 1)[0] or badge.text()  # "Lesson: <title>"
        metrics = badge.fontMetrics()
        padding = badge.sizeHint().width() - metrics.horizontalAdvance(badge.text())
        shortest = metrics.horizontalAdvance(BADGE_SHORTEST)
        text = metrics.elidedText(full, Qt.TextElideMode.ElideRight,
                                  max(room - padding, shortest))
        if metrics.horizontalAdvance(text) < shortest:
            text = BADGE_SHORTEST
        badge.setText(text)
        return metrics.horizontalAdvance(text) + padding
