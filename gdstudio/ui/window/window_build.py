"""The main window's parts: plots, docks, toolbar and status bar, built onto the window.

Each function sets the parts as attributes of the window (the names tests and the window's
wiring read), so :mod:`gdstudio.ui.window.main_window` only calls them in order and wires.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFrame,
    QMainWindow,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gdstudio.ui.panels import DataPanel, ReadoutPanel, SettingsPanel
from gdstudio.ui.panels.compare_list import RunsPanel
from gdstudio.ui.panels.epoch_bar import EpochProgressBar
from gdstudio.ui.panels.import_bar import ImportProgress
from gdstudio.ui.panels.settings_panel import TrainStrip
from gdstudio.ui.plots import DataPlot, LossPlot
from gdstudio.ui.studio.memory import apply_epoch_cap
from gdstudio.ui.views.landscape_view import landscape_column
from gdstudio.ui.window import actions
from gdstudio.ui.window.actions import SPEEDS


def add_dock(window: QMainWindow, title: str, name: str, widget: QWidget,
             area=Qt.DockWidgetArea.LeftDockWidgetArea) -> QDockWidget:
    """A movable, floatable, closable dock named ``name`` (for the saved layout)."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(area, dock)
    return dock


class PanelScroll(QScrollArea):
    """A vertically scrolling panel, never narrower than the panel (whose width follows
    its font: presentation mode's larger text widens it), so nothing is cut on the right."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        widget = self.widget()
        if widget is None:
            return hint
        width = (widget.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
                 + 2 * self.frameWidth() + 4)
        return QSize(max(hint.width(), width), hint.height())

    def event(self, event) -> bool:
        if event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.FontChange):
            self.updateGeometry()  # the panel's minimum width may have changed
        return super().event(event)


#: What each plot shows, for screen readers and test automation: its accessible name and
#: description.
PLOT_NAMES = {
    "plot": ("Data plot", "The points, the current fit and the least-squares line. Click to "
                          "add a point, drag to move one, right-click to delete one."),
    "landscape_plot": ("Loss landscape", "The loss over the slope w and the intercept b, "
                                         "with the path of the run from its start to where "
                                         "it is now, and the optimum."),
    "loss_plot": ("Loss curve", "The loss after each epoch of the current run and of the "
                                "kept runs."),
}


def build_plots(window) -> None:
    """The data plot | the landscape over the loss, with the readout under them."""
    window.plot = DataPlot()
    window.loss_plot = LossPlot()
    window.readout = ReadoutPanel()
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(window.plot)
    window.landscape_plot, window.right_splitter = landscape_column(window.loss_plot)
    splitter.addWidget(window.right_splitter)
    splitter.setSizes([560, 560])
    window.splitter = splitter
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(0, 2, 4, 0)
    layout.setSpacing(0)
    layout.addWidget(splitter, 1)
    layout.addWidget(window.readout)
    window.setCentralWidget(central)
    for attr, (name, description) in PLOT_NAMES.items():
        getattr(window, attr).setAccessibleName(name)
        getattr(window, attr).setAccessibleDescription(description)


def build_panels(window) -> None:
    """The Data and Compare runs tabs above the scrolling Training settings, on the left."""
    window.data_panel = DataPanel()
    window.count_label = window.data_panel.count_label
    window.show_optimum = window.data_panel.show_optimum
    window.data_dock = add_dock(window, "Data", "dataDock", window.data_panel)

    settings = window.controller.settings_model
    window.panel = SettingsPanel(settings)  # a view of the controller's settings
    window.panel.set_more_shown(False)  # a first launch: the basics (the store may open it)
    settings.set_maximum("epochs", apply_epoch_cap(window.panel.epochs))
    scroll = PanelScroll()
    scroll.setWidget(window.panel)
    # Train under the (scrolling) settings, always in view and in the Tab order after them
    window.train_strip = TrainStrip()
    column = QWidget()
    column_layout = QVBoxLayout(column)
    column_layout.setContentsMargins(0, 0, 0, 0)
    column_layout.setSpacing(0)
    column_layout.addWidget(scroll, 1)
    column_layout.addWidget(window.train_strip)
    window.settings_dock = add_dock(window, "Training", "trainingDock", column)
    # Tab: the basics, Train, then More settings and what it holds
    QWidget.setTabOrder(window.panel.epochs, window.train_strip.train_button)
    QWidget.setTabOrder(window.train_strip.train_button, window.panel.more_button)

    # One column on the left, so the plots keep most of a laptop's width: the data and
    # the kept runs share a tabbed dock above the (scrolling) training settings.
    window.runs_panel = RunsPanel()
    window.runs_panel.setMaximumWidth(16_777_215)  # as wide as the column it shares
    window.runs_list = window.runs_panel.runs_list
    window.runs_list.setAccessibleName("Kept runs")
    window.runs_list.setAccessibleDescription(
        "The runs kept for comparison, each with its label and colour; tick one to show it on "
        "the plots, select runs to remove them.")
    window.runs_dock = add_dock(window, "Compare runs", "runsDock", window.runs_panel)
    window.tabifyDockWidget(window.data_dock, window.runs_dock)
    window.data_dock.raise_()


def build_toolbar(window) -> None:
    """The run toolbar, with the speed box (a view of the speed view option)."""
    window.speed = QComboBox()
    for label, seconds in SPEEDS:
        window.speed.addItem(label, seconds)
    window.speed.setCurrentIndex(window.controller.view_options.value("speed"))
    window.speed.setAccessibleName("Speed")
    window.speed.setAccessibleDescription("How fast a run goes: the epochs shown per second.")
    window.toolbar = actions.build_toolbar(window.actions_by_name, {"speed": window.speed})
    window.addToolBar(window.toolbar)


def build_status_bar(window) -> None:
    """The status line with the import's, the epoch's and the run's progress bars (the
    run's on the right of the others, which come and go: it does not move when they do)."""
    window.progress = QProgressBar()
    window.progress.setMaximumWidth(260)
    window.progress.setFormat("%v / %m epochs")
    window.import_progress = ImportProgress(window.controller)
    window.statusBar().addPermanentWidget(window.import_progress)
    window.epoch_progress = EpochProgressBar(window.controller)  # inside a long epoch
    window.statusBar().addPermanentWidget(window.epoch_progress)
    window.statusBar().addPermanentWidget(window.progress)
    window.statusBar().showMessage("Ready: press F5 to train.")
