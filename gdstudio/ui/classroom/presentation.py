"""Presentation mode: the studio as a classroom sees it on a projector.

Full screen, text :data:`FONT_SCALE` times larger (the window's and the text drawn on the
plots: the equation and R², the condition number), lines and points :data:`LINE_SCALE`
times thicker, the side panels and the menu bar folded away; the run toolbar (Train,
Pause, Stop, Step...) stays. The settings a lesson leaves open stay too: their dock stays,
showing only them (:meth:`Presentation.keep_settings`), so the one control a class may
change is on the projector. Leaving restores the previous layout exactly: the window's
geometry, its docks and toolbars (``saveState``), and whether it was maximized.
"""

from __future__ import annotations

import weakref

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar

#: Text size, times the normal size.
FONT_SCALE = 1.6
#: Line widths and point sizes, times the normal ones.
LINE_SCALE = 2.0
#: Axis tick labels and titles in presentation mode (points).
TICK_POINTS = 15
TITLE_POINTS = 20
#: Axis and title text in presentation mode: darker than pyqtgraph's grey, for a projector.
TEXT_COLOR = "#202020"


class Presentation(QObject):
    """Enters and leaves presentation mode for ``window``, whose ``plots`` (pyqtgraph
    PlotWidgets) are drawn large and whose ``readout`` has a ``set_scale``."""

    #: Presentation mode was entered (True) or left (False).
    toggled = Signal(bool)
    #: Presentation mode is being left: the window's normal layout comes back next (what
    #: was sized for the mode goes back first, so that it fits as it was).
    leaving = Signal()

    def __init__(self, window: QMainWindow, plots, readout, parent=None):
        super().__init__(parent if parent is not None else window)
        self.window = window
        self.plots = list(plots)
        self.readout = readout
        self._saved: tuple | None = None
        self._kept: tuple | None = None  # (dock, panel, open_settings), see keep_settings
        self._features = None  # the kept dock's own (closable, floatable...)
        self._dock_sizes: list = []  # (dock, size) shown when entering
        self._fit_titles = QTimer(self)
        self._fit_titles.setSingleShot(True)
        self._fit_titles.setInterval(0)
        self._fit_titles.timeout.connect(self._on_fit_titles_timeout)
        for plot in self.plots:  # a narrow plot's title gives way, not the plot
            release_title_width(plot)
            plot.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if (self.active and event.type() == QEvent.Type.Resize
                and watched in self.plots):
            self._fit_titles.start()  # (once the plot has laid out its new size)
        return False

    @Slot()
    def _on_fit_titles_timeout(self) -> None:
        if self.active:
            for plot in self.plots:
                fit_title(plot, TITLE_POINTS)

    @property
    def active(self) -> bool:
        return self._saved is not None

    def bind(self, leave: QAction) -> None:
        """``leave`` (Esc) leaves the mode and is enabled only in the mode, so Esc is free
        the rest of the time. (The window's presentation view option enters and leaves it:
        see :class:`~gdstudio.ui.studio.view_model.ViewOptions`.)"""
        self.toggled.connect(leave.setEnabled)
        leave.setEnabled(self.active)
        leave.triggered.connect(lambda: self.set_active(False))

    def keep_settings(self, dock: QDockWidget, panel, open_settings) -> None:
        """In presentation mode, keep ``dock`` (holding the settings ``panel``) on screen
        while ``open_settings()`` names settings (those a lesson leaves open; None or
        empty: no lesson, or none open), with ``panel`` showing only them
        (its ``show_only``), and without its close and float buttons (given back on
        leaving)."""
        self._kept = (dock, panel, open_settings)
        self.update_kept()

    def _kept_names(self):
        if self._kept is None or not self.active:
            return None
        names = self._kept[2]()
        return frozenset(names) if names else None

    @Slot()
    def update_kept(self) -> None:
        """Show or fold the kept settings as the lesson now says (a lesson was opened or
        cleared while presenting)."""
        if self._kept is None:
            return
        dock, panel, _ = self._kept
        names = self._kept_names()
        panel.show_only(names)
        if self._features is None:
            self._features = dock.features()
        # kept on the projector, it can be neither closed nor floated away by the class
        dock.setFeatures(self._features if names is None
                         else QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        if self.active:
            dock.setVisible(names is not None and panel.showing_any())

    def set_active(self, on: bool) -> None:
        """Enter (True) or leave (False) presentation mode; nothing if already so."""
        if on and not self.active:
            self.enter()
        elif not on and self.active:
            self.leave()

    def enter(self) -> None:
        w = self.window
        self._saved = (w.saveGeometry(), w.saveState(), w.windowState(), w.font(),
                       w.menuBar().isVisible())
        self._dock_sizes = [(d, d.size()) for d in w.findChildren(QDockWidget)
                            if d.isVisible() and not d.isFloating()]
        for dock in w.findChildren(QDockWidget):
            dock.hide()
        w.menuBar().hide()
        for bar in w.findChildren(QToolBar):  # Train, Pause, Stop, Step... stay at hand
            bar.show()
        font = QFont(w.font())
        font.setPointSizeF(font.pointSizeF() * FONT_SCALE)
        w.setFont(font)
        self.readout.set_scale(FONT_SCALE)
        for plot in self.plots:
            style_plot(plot, LINE_SCALE, TICK_POINTS, TITLE_POINTS)
        self.update_kept()  # (after the larger font: the panel's width follows it)
        w.showFullScreen()
        self.toggled.emit(True)

    def leave(self) -> None:
        w = self.window
        geometry, state, window_state, font, menu_visible = self._saved
        self._saved = None
        self.update_kept()  # every setting again (the dock: as saved, just below)
        self.leaving.emit()
        for plot in self.plots:
            style_plot(plot, 1.0, None, None)
        self.readout.set_scale(1.0)
        w.setFont(font)
        w.menuBar().setVisible(menu_visible)
        w.setWindowState(window_state)
        w.restoreGeometry(geometry)
        w.restoreState(state)
        self.toggled.emit(False)
        # once the normal text has been laid out (the docks' smallest sizes follow it),
        # the docks' sizes as they were, exactly
        QTimer.singleShot(0, lambda: self._restore_docks(state))

    def _restore_docks(self, state) -> None:
        if self.active:
            return
        w = self.window
        w.restoreState(state)
        docks = [(d, size) for d, size in self._dock_sizes if d.isVisible()]
        for orientation, side in ((Qt.Orientation.Vertical, QSize.height),
                                  (Qt.Orientation.Horizontal, QSize.width)):
            w.resizeDocks([d for d, _ in docks], [side(size) for _, size in docks],
                          orientation)

    def refresh(self) -> None:
        """Draw curves added since entering (a kept run) as thick as the others."""
        if self.active:
            for plot in self.plots:
                style_plot(plot, LINE_SCALE, TICK_POINTS, TITLE_POINTS)


def style_plot(plot: pg.PlotWidget, scale: float, tick_points: int | None,
               title_points: int | None) -> None:
    """Draw ``plot``'s curves and points ``scale`` times as thick as made, and its axes'
    ticks and title at these sizes (None: the normal ones)."""
    item = plot.getPlotItem()
    for data in item.listDataItems():
        _scale_item(data, scale)
    for child in item.items:
        if isinstance(child, pg.ScatterPlotItem):
            _scale_item(child, scale)
    big = tick_points is not None
    scale_lines = getattr(plot, "scale_lines", None)  # curves that are not data items
    if scale_lines is not None:
        scale_lines(scale)
    scale_texts(plot, FONT_SCALE if big else 1.0)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        if not hasattr(axis, "gd_base_label_style"):
            axis.gd_base_label_style = dict(axis.labelStyle)
        font = None
        if big:
            font = QFont()
            font.setPointSize(tick_points)
        axis.setTickFont(font)
        axis.labelStyle = ({**axis.gd_base_label_style, "font-size": f"{tick_points}pt"}
                           if big else dict(axis.gd_base_label_style))
        if big:
            axis.setTextPen(TEXT_COLOR)
        else:
            axis.setTextPen()  # pyqtgraph's foreground colour
        axis.setLabel(axis.labelText, axis.labelUnits or None, axis.labelUnitPrefix or None)
    title = item.titleLabel
    if not hasattr(title, "gd_base_size"):
        title.gd_base_size = title.opts.get("size", "11pt")
        title.gd_base_color = title.opts.get("color")
    title.setText(title.text, size=f"{title_points}pt" if title_points else title.gd_base_size,
                  color=TEXT_COLOR if title_points else title.gd_base_color)
    if title_points:
        fit_title(plot, title_points)


#: Room left beside a plot's title (pixels).
TITLE_MARGIN = 16


def fit_title(plot: pg.PlotWidget, points: float) -> None:
    """``plot``'s title (its legend, on the data and loss plots) at ``points``, or smaller
    where the plot is too narrow for it (a lesson's settings beside the plots at 1024×768)."""
    item = plot.getPlotItem()
    title = item.titleLabel
    title.setText(title.text, size=f"{points}pt")
    # centred over the plot's area, beside the axis: as wide as that area
    room = min(plot.width(), item.vb.width()) - TITLE_MARGIN
    width = title.item.boundingRect().width()
    if 0 < room < width:
        title.setText(title.text, size=f"{max(6.0, points * room / width):.1f}pt")


def release_title_width(plot: pg.PlotWidget) -> None:
    """Let ``plot`` be narrower than its title: pyqtgraph makes a title's width the plot's
    least, so a long title at a projector's size pushed the plot past its place (its axes
    and the plot beside it were cut)."""
    title = plot.getPlotItem().titleLabel
    label = weakref.ref(title)  # (no cycle through the label: it is freed with its plot)

    def update_min():
        item = label()
        if item is None:
            return
        pg.LabelItem.updateMin(item)
        height = item.item.boundingRect().height()
        item.setMinimumWidth(0)
        item._sizeHint[Qt.SizeHint.MinimumSize] = (0, height)
        item.updateGeometry()

    title.updateMin = update_min
    update_min()


def scale_texts(plot: pg.PlotWidget, scale: float) -> None:
    """Draw the text items on ``plot`` (``pg.TextItem``: the scene's text does not follow
    the window's font) ``scale`` times their size as made."""
    for item in plot.scene().items():
        if isinstance(item, pg.TextItem):
            if not hasattr(item, "gd_base_font"):
                item.gd_base_font = QFont(item.textItem.font())
            base = item.gd_base_font
            font = QFont(base)
            if base.pointSizeF() > 0:
                font.setPointSizeF(base.pointSizeF() * scale)
            elif base.pixelSize() > 0:  # (a font given in pixels)
                font.setPixelSize(max(1, round(base.pixelSize() * scale)))
            item.setFont(font)


def _scale_item(item, scale: float) -> None:
    """Scale a curve's pen or a scatter's point size and pen, from what they were made
    with (remembered on the item the first time)."""
    if isinstance(item, pg.ScatterPlotItem):
        if not hasattr(item, "gd_base_size"):
            item.gd_base_size = item.opts["size"]
        item.setSize(item.gd_base_size * scale)
        return
    if not hasattr(item, "gd_base_pen"):
        item.gd_base_pen = pg.mkPen(item.opts["pen"])
    pen = pg.mkPen(item.gd_base_pen)
    pen.setWidthF(max(pen.widthF(), 1.0) * scale)
    item.setPen(pen)
