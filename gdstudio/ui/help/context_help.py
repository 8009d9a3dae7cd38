"""Help ▸ User guide (F1) and Help ▸ Help on this panel (Shift+F1), put into the main window
(which only builds one :class:`GuideHelp`).

Shift+F1 opens the guide at the section about the panel or view under the mouse pointer, or,
with the pointer elsewhere (on a menu, outside the window), the one with the keyboard focus.
Help is never locked by a lesson: it is not one of the lesson's controls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication, QWidget

from gdstudio.ui.help import guide_pages

if TYPE_CHECKING:
    from gdstudio.ui.help.guide_window import GuideWindow

#: The property naming the guide's section about a widget ("page.md#section").
TOPIC = "guideTopic"
#: The window's panels and views (their attribute paths on the main window) and the guide's
#: section about each. A widget inside several gets the innermost one's.
PANEL_TOPICS = (
    ("data_dock", "using-the-studio.md#data"),
    ("settings_dock", "using-the-studio.md#training-settings"),
    ("panel.lr_gauge", "using-the-studio.md#the-learning-rate-gauge"),
    ("runs_dock", "using-the-studio.md#compare-runs"),
    ("line_views.your_dock", "views.md#your-line"),
    ("plot", "using-the-studio.md#plots"),
    ("loss_plot", "using-the-studio.md#plots"),
    ("readout", "using-the-studio.md#plots"),
    ("landscape_plot", "views.md#the-loss-landscape"),
    ("line_views.timeline.bar", "views.md#one-timeline"),
    ("toolbar", "using-the-studio.md#run-controls"),
)


def find_part(window, path: str):
    """The window's part at attribute ``path`` ("line_views.timeline.bar"), or None."""
    part = window
    for name in path.split("."):
        part = getattr(part, name, None)
        if part is None:
            return None
    return part


class GuideHelp(QObject):
    """The guide window of ``window`` (made when first asked for), opened by the actions
    ``user_guide`` and ``context_help``."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.guide: GuideWindow | None = None
        actions = window.actions_by_name
        actions["user_guide"].triggered.connect(lambda *_: self.open())
        actions["context_help"].triggered.connect(lambda *_: self.open_context())

    def open(self, topic: str = guide_pages.INDEX) -> GuideWindow:
        """Show the guide at ``topic`` ("page.md#section"), in front."""
        if self.guide is None:  # (its module is loaded then, not with the window)
            from gdstudio.ui.help.guide_window import CloseWith, GuideWindow

            self.guide = GuideWindow(guide_pages.guide_folder(), self.window)
            CloseWith(self.window, self.guide)
        self.guide.show()
        self.guide.raise_()
        self.guide.activateWindow()
        if self.guide.pages:
            self.guide.show_topic(topic)
        else:
            self.window.statusBar().showMessage(guide_pages.missing_text())
        return self.guide

    def topic_for(self, widget: QWidget | None) -> str | None:
        """The section about ``widget``'s panel or view, or None."""
        for path, topic in PANEL_TOPICS:
            part = find_part(self.window, path)
            if isinstance(part, QWidget) and part.property(TOPIC) != topic:
                part.setProperty(TOPIC, topic)
        while widget is not None:
            topic = widget.property(TOPIC)
            if topic:
                return str(topic)
            widget = widget.parentWidget()
        return None

    @Slot()
    def open_context(self, widget: QWidget | None = None) -> GuideWindow:
        """Show the section about ``widget`` (by default the one under the pointer, else the
        one with the focus); the guide's first page when there is none."""
        if widget is None:
            widget = QApplication.widgetAt(QCursor.pos())
            if self.topic_for(widget) is None:
                widget = QApplication.focusWidget()
        return self.open(self.topic_for(widget) or guide_pages.INDEX)
