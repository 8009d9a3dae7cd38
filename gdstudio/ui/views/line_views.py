"""Puts the timeline, the line's residuals, equation and R² and "your line" into
the main window (which only calls :class:`LineViews`).

The residuals, equation and R² on the data plot are those of your line while it is shown,
else those of the timeline's moment (or, with no run, of the start line). For logistic
regression (the settings' model) the data plot shows the two classes and sigmoids, and the
overlay is the sigmoid's boundary, misclassified points, equation and accuracy
(:mod:`gdstudio.ui.plots.sigmoid_overlay`), with the log-odds line and the jitter as View
items (view options); the data panel's class chooser says which class a click adds.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup

from gdstudio.core.settings.view_description import RESIDUAL_MODES
from gdstudio.core.training.runstate import RunState
from gdstudio.ui.numbers.line_loss import model_of
from gdstudio.ui.plots.line_overlay import LineOverlay
from gdstudio.ui.plots.sigmoid_overlay import LogisticOverlay
from gdstudio.ui.views.landscape_hover import LandscapeHover
from gdstudio.ui.views.timeline import Timeline
from gdstudio.ui.views.your_line import YourLine, YourLinePanel


class LineViews(QObject):
    """The timeline bar (above the readout), the overlay on the data plot, the "Your line"
    dock (tabbed with the data) and the View ▸ residuals menu."""

    #: The landscape's marker: the point (w, b) to show (the timeline's moment, or your line
    #: while it is shown), or None. Connect to ``LandscapePlot.set_moment``.
    markerMoved = Signal(object)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        c = window.controller
        self.timeline = Timeline(c, window.plot, window.loss_plot, window.readout, self)
        window.landscape_plot.installEventFilter(self.timeline)  # its arrows step it too
        layout = window.centralWidget().layout()
        layout.insertWidget(layout.indexOf(window.readout), self.timeline.bar)
        self.overlay = LineOverlay(window.plot, lambda: c.landscape_model.landscape)
        self.logistic = LogisticOverlay(window.plot)
        self.model = "line"
        self.your_panel = YourLinePanel()
        self.your_line = YourLine(c, window.plot, self.your_panel, self)
        self.your_dock = window._dock("Your line", "yourLineDock", self.your_panel,
                                      Qt.DockWidgetArea.LeftDockWidgetArea)
        window.tabifyDockWidget(window.data_dock, self.your_dock)
        window.data_dock.raise_()
        self.residual_actions = self._residual_menu(window)
        self.view_actions = self._logistic_menu(window)
        window.data_panel.classChosen.connect(c.editing.set_add_class)
        window.data_panel.choose_class(c.editing.add_class)
        c.modelChanged.connect(self._on_model_changed)
        c.optimumChanged.connect(self._on_optimum_changed)  # (after the window's own)
        self._on_model_changed()
        self.timeline.momentChanged.connect(self._follow)
        self.your_line.lineChanged.connect(self._follow)
        c.dataChanged.connect(self._follow)
        c.startChanged.connect(self._follow)  # with no run, the start line's numbers
        self.markerMoved.connect(window.landscape_plot.set_moment)  # the same moment there
        self.landscape_hover = LandscapeHover(self.timeline, window.landscape_plot, self)
        self._follow()

    def _residual_menu(self, window) -> dict[str, QAction]:
        """View's residual items: a view of the ``residuals`` view option."""
        options = window.controller.view_options
        view = next(a.menu() for a in window.menuBar().actions() if "View" in a.text())
        view.addSeparator()
        group = self.residual_group = QActionGroup(self)
        actions = {}
        for mode, text in RESIDUAL_MODES:
            action = QAction(text, window, checkable=True)
            action.setChecked(mode == options.value("residuals"))
            action.triggered.connect(lambda *_, mode=mode: self.set_residuals(mode))
            group.addAction(action)
            view.addAction(action)
            actions[mode] = action
        self.overlay.set_mode(options.value("residuals"))
        options.changed.connect(self._on_view_options_changed)
        return actions

    def _logistic_menu(self, window) -> dict[str, QAction]:
        """View's logistic regression items (``log_odds``, ``jitter``): the window binds them
        to their view options as it binds every View item (a refused change puts the item
        back); here the data plot starts as they say."""
        options = window.controller.view_options
        self.logistic.set_log_odds(options.value("log_odds"))
        window.plot.set_jitter(options.value("jitter"))
        return {name: window.actions_by_name[name] for name in ("log_odds", "jitter")}

    @Slot(str, object)
    def _on_view_options_changed(self, name: str, value) -> None:
        if name == "residuals":
            self.residual_actions[value].setChecked(True)
            self.overlay.set_mode(value)
        elif name in ("log_odds", "jitter"):
            self.view_actions[name].setChecked(value)
            if name == "log_odds":
                self.logistic.set_log_odds(value)
            else:
                self.window.plot.set_jitter(value)
                self.logistic.redraw()  # the rings sit where the points are drawn

    @Slot()
    def _on_optimum_changed(self) -> None:
        """Logistic regression's best fit on the data plot: the dashed sigmoid of the
        maximum-likelihood optimum (none when the classes are separable: there is none)."""
        if self.model != "logistic":
            return
        optimum = getattr(self.window.controller.numbers, "logistic", None)
        w, b = getattr(optimum, "w", None), getattr(optimum, "b", None)
        if w is None or b is None:
            self.window.plot.set_optimum(None, label="maximum likelihood: none")
        else:
            self.window.plot.set_optimum(w, b, label="maximum likelihood")

    @Slot()
    @Slot(str)
    def _on_model_changed(self, *_) -> None:
        """The model switched (its data already in): the data plot, its overlay, the data
        panel and your line show that model."""
        model = model_of(self.window.controller)
        if model == self.model:
            return
        self.model = model
        logistic = model == "logistic"
        self.window.plot.set_model(model)
        self.overlay.set_active(not logistic)
        self.logistic.set_active(logistic)
        # residuals are the line's: greyed for the sigmoid (the group's state keeps each
        # item's own, which a lesson's lock sets)
        self.residual_group.setEnabled(not logistic)
        self.window.data_panel.set_model(model)
        self.your_line.set_model(model)
        self._on_optimum_changed()
        self._follow()

    def set_residuals(self, mode: str) -> None:
        """Residuals 'off', as 'segments' or as 'squares' (as View's items do); refused
        (the view options' gate), the menu shows the mode again."""
        options = self.window.controller.view_options
        if not options.set("residuals", mode):
            self.residual_actions[options.value("residuals")].setChecked(True)

    def _no_run(self) -> bool:
        c = self.window.controller
        return c.state is RunState.IDLE and not c.history.count

    @Slot()
    def _follow(self, *_) -> None:
        """The overlay and the landscape's marker follow your line, else the moment."""
        if self.your_line.active:
            line = (self.your_line.w, self.your_line.b)
        elif self.timeline.moment is not None:
            line = (self.timeline.moment.w, self.timeline.moment.b)
        elif self._no_run() and self.window.controller.start_point is not None:
            line = self.window.controller.start_point  # the start line the plot shows
        else:
            line = self.window.plot.fit
        self.overlay.set_line(*(line if line is not None else (None,)))
        self.logistic.set_line(*(line if line is not None else (None,)))
        self.markerMoved.emit(line)
