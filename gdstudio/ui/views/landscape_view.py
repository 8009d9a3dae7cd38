"""The landscape view in the window: the controller's landscape, start, preview, the current
run's path and the kept runs' paths drawn on a :class:`LandscapePlot`, and a click or drag
on it setting the start (the Initial w and b fields).

:class:`LandscapeView` only draws the controller's facts and forwards the plot's requests;
the landscape, the start and the preview are the controller's (see :mod:`landscape_feed`).
While a run goes, its path is redrawn at most every :data:`PATH_REDRAW_MS`, and only what is
new is drawn: the path is thinned by a stride that doubles (:func:`stride_indices`), so
between two doublings the points drawn only grow at the end, and the epoch-end markers are
set again only when an epoch has ended.

The view follows the run: when a run starts it frames its start and the optimum, and while
it goes it widens whenever the start, the path drawn or the optimum would leave it (so a new
run after a diverged one is not a dot in a view zoomed out to its path). Once the user pans
or zooms, the view stays where they put it until View ▸ Fit to data (or until the landscape
frames new data). Values beyond what a view can frame (±:data:`~gdstudio.core.models.line.
landscape.VIEW_LIMIT`, about 1.1e307) are left out, and a start there is said in the status
bar.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Slot
from PySide6.QtWidgets import QSplitter

from gdstudio.core.drawing.landscape_frame import outside_view, within_reach
from gdstudio.core.models.line.landscape import VIEW_LIMIT, framable
from gdstudio.ui.numbers.landscape_feed import model_of
from gdstudio.ui.plots.landscape_plot import LandscapePlot
from gdstudio.ui.studio.kept_runs import run_model, run_path
from gdstudio.ui.studio.palette import RUN_COLORS

#: The current run's path is redrawn at most this often while training (milliseconds).
PATH_REDRAW_MS = 33
#: At most this many points of a path are drawn: a stochastic run's recorded path (thinned
#: to as many by the training thread) in full, a batch run's epoch ends thinned evenly; and
#: at most this many epoch-end markers.
DRAWN_POINTS = 20_000
EPOCH_MARKERS = 5_000


def landscape_column(loss_plot) -> tuple[LandscapePlot, QSplitter]:
    """A new landscape plot above ``loss_plot``, in a vertical splitter (the window's right
    column: both read well at half a laptop screen's width)."""
    landscape = LandscapePlot()
    column = QSplitter(Qt.Orientation.Vertical)
    column.addWidget(landscape)
    column.addWidget(loss_plot)
    column.setSizes([330, 270])
    return landscape, column


def thinned(points: np.ndarray, most: int) -> np.ndarray:
    """At most ``most`` rows of ``points``, evenly spaced, the first and last kept."""
    n = len(points)
    if n <= most:
        return points
    return points[np.unique(np.linspace(0, n - 1, most).round().astype(np.int64))]


def stride_indices(count: int, most: int) -> np.ndarray:
    """Indices of at most ``most`` + 1 of ``count`` rows: every ``s``-th from the first, ``s``
    the least power of two that keeps at most ``most``, and the last. Thinned this way a
    growing path keeps the rows it drew until ``s`` doubles."""
    if count <= most:
        return np.arange(count)
    stride = 1 << max(0, math.ceil(math.log2(count / most)))
    while -(-count // stride) > most:
        stride *= 2
    picked = np.arange(0, count, stride)
    return picked if picked[-1] == count - 1 else np.append(picked, count - 1)


def start_text(value: float, span: float) -> str:
    """``value`` as typed into the Initial w or b field: to a thousandth of ``span`` (the
    view's width), so a click gives a short, readable number."""
    if not (span > 0 and math.isfinite(span) and math.isfinite(value)):
        return f"{value:.6g}"
    decimals = max(0, 3 - math.floor(math.log10(span)))
    if decimals > 15 or abs(value) >= 1e15:  # tiny or huge data: significant digits, not
        if abs(value) < span / 2000:  # hundreds of zeros
            return "0"
        digits = math.floor(math.log10(abs(value))) - math.floor(math.log10(span)) + 4
        return f"{value:.{min(max(digits, 1), 17)}g}"
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


class LandscapeView(QObject):
    """Draws ``controller``'s landscape facts on ``plot``; a click sets the start in
    ``panel`` (the settings panel). ``actions`` holds the View menu's ``landscape`` (show
    or hide the plot) and ``curvature`` actions."""

    def __init__(self, controller, plot, panel, actions, parent=None):
        super().__init__(parent)
        self.controller, self.plot, self.panel = controller, plot, panel
        self._kept_paths: dict[int, np.ndarray] = {}
        self._kept_boxes: dict[int, np.ndarray] = {}  # their framable points' corners
        self._clicking = False  # a click on the landscape is setting the start
        self._ends_drawn = None  # epochs whose ends are marked (None: draw them again)
        self._user_view = None  # the ranges the user panned or zoomed to (kept until Fit)
        self._ranges = None  # the landscape's ranges drawn
        self._asked = None  # the ranges the view last chose to follow the run
        self._frame_preview = True  # the next preview drawn widens the frame to hold it
        self._held = np.empty((0, 2))  # more points the view keeps in sight (set_held)
        self._run_start = None  # where the ring of the run's start is drawn
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PATH_REDRAW_MS)
        self._timer.timeout.connect(self.draw_path)
        c, lm = controller, controller.landscape_model
        lm.landscapeChanged.connect(self._on_model_landscapeChanged)
        c.preview_model.previewChanged.connect(self._on_preview_previewChanged)
        c.startChanged.connect(self._on_controller_startChanged)
        c.runStarted.connect(self._on_controller_runStarted)
        c.epochsAppended.connect(self._schedule)
        c.pathChanged.connect(self._schedule)
        c.runFinished.connect(self._on_controller_runFinished)
        c.runReset.connect(self._on_controller_runReset)
        c.keptRunsChanged.connect(self._on_controller_keptRunsChanged)
        c.keptSelectionChanged.connect(self._on_controller_keptSelectionChanged)
        plot.startRequested.connect(self._on_plot_startRequested)
        plot.viewChanged.connect(self._on_plot_viewChanged)
        shown, curvature = actions["landscape"], actions["curvature"]
        shown.setChecked(True)
        shown.toggled.connect(plot.setVisible)
        curvature.toggled.connect(plot.curvature_action.setChecked)
        plot.curvature_action.toggled.connect(curvature.setChecked)
        c.view_options.changed.connect(self._on_view_options_changed)
        if hasattr(c, "modelChanged"):
            c.modelChanged.connect(self._on_controller_modelChanged)
        lm.set_other_landscape(c.view_options.value("other_landscape"))
        plot.set_frame(lm.frame)
        self._on_controller_startChanged(c.start_point)

    # ------------------------------------------------------------------ the current run
    def current_path(self) -> np.ndarray:
        """The current run's path, rows (w, b): the recorded updates of a stochastic or
        mini-batch run, the start and every epoch's end of a full-batch run."""
        return run_path(self.controller.session)

    def epoch_ends(self) -> np.ndarray:
        """The current run's epoch ends, rows (w, b) (marked when an epoch has several
        updates; a full-batch run's path is its epoch ends)."""
        s = self.controller.session
        if s.path is None:
            return np.empty((0, 2))
        return np.column_stack([s.history.w, s.history.b])

    def drawn_path(self) -> np.ndarray:
        """The current run's path as drawn: a stochastic or mini-batch run's recorded path
        (at most the training thread's 20,000 points), a batch run's start and epoch ends
        thinned by :func:`stride_indices` to at most :data:`DRAWN_POINTS` (+1)."""
        s = self.controller.session
        if s.path is not None:
            return s.path
        if s.init is None:
            return np.empty((0, 2))
        h = s.history
        picked = stride_indices(h.count + 1, DRAWN_POINTS)  # row 0 is the start
        later = picked[1:] - 1
        return np.column_stack([np.r_[s.init[0], h.w[later]], np.r_[s.init[1], h.b[later]]])

    @Slot()
    def draw_path(self) -> None:
        path = self.drawn_path()
        s = self.controller.session
        self.plot.set_path(path, updates=s.path is not None)
        ends = s.history.count if s.path is not None else 0
        if ends != self._ends_drawn:  # the markers change only when an epoch ends
            self._ends_drawn = ends
            ends = self.epoch_ends()
            marked = ends[stride_indices(len(ends), EPOCH_MARKERS)]  # (grows at its end)
            self.plot.set_epoch_ends(marked, trail=s.path is not None)
        run_start = tuple(s.init) if s.init is not None and len(path) else None
        if run_start != self._run_start:  # (its own marker: the start may move on)
            self._run_start = run_start
            self.plot.set_run_start(run_start)
        self._follow(path)

    @Slot(str, object)
    def _on_view_options_changed(self, name: str, value) -> None:
        if name == "other_landscape":  # (logistic regression: the other loss's landscape)
            self.controller.landscape_model.set_other_landscape(bool(value))

    # ------------------------------------------------------------------ following the run
    @property
    def user_framed(self) -> bool:
        """True while the view shows where the user panned or zoomed to (until Fit)."""
        return self._user_view is not None

    def _shown_kept(self) -> list[np.ndarray]:
        """The boxes of the paths of the kept runs shown (ticked in Compare runs): two
        corners each, all a frame needs of them (a path may have 20,000 points, and the
        view asks while a run goes)."""
        shown = {k.key for k in self.controller.kept_runs if self._drawn(k)}
        return [self._kept_boxes[key] for key in self._kept_paths if key in shown]

    def _starts(self) -> list:
        """The run's start and (before a run, or after one) the next run's."""
        s = self.controller.session
        return [p for p in (s.init, None if s.active else self.controller.start_point)
                if p is not None]

    def _optimum(self) -> list:
        frame = self.controller.landscape_model.frame
        return [frame.optimum] if frame is not None and frame.optimum is not None else []

    def _shown_preview(self) -> np.ndarray:
        """The preview drawn, as far as a frame chosen by itself shows it
        (:func:`within_reach` of the start and the optimum); none while it is not drawn."""
        xs, ys = self.plot.preview.getData()
        if xs is None or not len(xs) or not self.plot.preview.isVisible():
            return np.empty((0, 2))
        anchors = np.array([*self._starts(), *self._optimum()], dtype=np.float64)
        return within_reach(np.column_stack([xs, ys]), anchors)

    def _kept_in_view(self, path, preview: bool = False) -> np.ndarray:
        """What a frame chosen by itself keeps in view besides the start and the optimum:
        ``path`` (the current run's, as drawn), the kept runs' paths shown, the points held
        (:meth:`set_held`) and, with ``preview``, the preview drawn."""
        return np.vstack([np.asarray(path, dtype=np.float64).reshape(-1, 2),
                          *self._shown_kept(), self._held,
                          self._shown_preview() if preview else np.empty((0, 2))])

    def set_held(self, points) -> None:
        """Keep ``points`` (rows ``(w, b)``; None: none) in sight too, from now on (unless
        the user's view holds): predict mode holds the box of the previewed run, so the
        next step lands in view without the preview being drawn."""
        self._held = (np.empty((0, 2)) if points is None
                      else np.asarray(points, dtype=np.float64).reshape(-1, 2))
        self._follow(self.drawn_path())

    def _run_points(self, path, preview: bool = False) -> np.ndarray:
        """The points the view keeps in sight: the run's start (and the next run's, when no
        run goes), ``path`` (as drawn), the kept runs' paths shown, the optimum drawn and,
        with ``preview``, the preview drawn."""
        return np.vstack([self._kept_in_view(path, preview),
                          np.array([*self._starts(), *self._optimum()],
                                   dtype=np.float64).reshape(-1, 2)])

    def _follow(self, path, fresh: bool = False, preview: bool = False) -> None:
        """Frame the run's start, ``path``, the kept paths shown and the optimum (and with
        ``preview`` the preview drawn): always when ``fresh`` (a new run), else when one of
        them has left the view; never while the user's view holds."""
        lm = self.controller.landscape_model
        if self._user_view is not None or lm.w_range is None:
            return
        points = self._run_points(path, preview)
        if fresh or outside_view(points, lm.w_range, lm.b_range):
            lm.set_path_points(self._kept_in_view(path, preview))  # (what a later fit to
            # new data keeps in view)
            w_range, b_range = lm.bounds(points)
            if (w_range, b_range) != (lm.w_range, lm.b_range):
                self._asked = (w_range, b_range)
                lm.set_ranges(w_range, b_range)
                self.plot.show_ranges(w_range, b_range)  # now (a sampled MAE or Huber
                # landscape arrives later)

    @Slot()
    def _schedule(self, *_) -> None:
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _on_controller_runReset(self, *_) -> None:
        self._ends_drawn = None
        self._draw_preview(self.controller.preview_model.path)  # (no run shows it now)
        self.controller.landscape_model.set_path_points(self._kept_in_view(np.empty((0, 2))))
        self.draw_path()

    @Slot(object)
    def _on_controller_runStarted(self, _config) -> None:
        self._ends_drawn = None
        init = self.controller.session.init
        if init is not None:
            self.plot.set_start(*init)
        self.plot.set_preview(None)
        self._frame_preview = False
        self._follow(self.drawn_path(), fresh=True)  # a new run frames itself
        self.draw_path()

    @Slot(object, object)
    def _on_controller_runFinished(self, *_) -> None:
        self._timer.stop()
        self._ends_drawn = None
        self.draw_path()
        self._draw_preview(self.controller.preview_model.path)

    # ------------------------------------------------------------------ start and preview
    @Slot(object)
    def _on_model_landscapeChanged(self, frame) -> None:
        if frame is not None:
            ranges = (frame.w_range, frame.b_range)
            if self._user_view is not None and ranges != self._user_view:
                self._user_view = None  # the landscape framed something else (new data)
            if ranges not in (self._ranges, self._asked, self._user_view):
                self._frame_preview = True  # framed by itself (new data): the next preview
                # drawn is framed too
            self._ranges = ranges
        self.plot.set_frame(frame)

    @Slot(object)
    def _on_controller_startChanged(self, start) -> None:
        if start is not None and not self.controller.session.active:
            self.plot.set_start(*start)
            if not framable([start])[0]:
                self.controller.status(
                    f"The landscape cannot show the start (w = {start[0]:.4g}, b = "
                    f"{start[1]:.4g}): it shows values within ±{VIEW_LIMIT:.2g}.", 10_000)
                return
            lm = self.controller.landscape_model
            if not self._clicking and lm.w_range is not None and outside_view(
                    [start], lm.w_range, lm.b_range):  # typed (or restored) out of view
                self.fit()

    @Slot(object)
    def _on_preview_previewChanged(self, points) -> None:
        if not self.controller.session.active:
            self._draw_preview(points)
            if self._frame_preview and points is not None and not self._clicking:
                self._frame_preview = False  # (the frame just chosen by itself holds it)
                self._follow(self.drawn_path(), preview=True)

    def _preview_shows_run(self) -> bool:
        """Whether the preview is the beginning of the run on screen: the same start and
        settings (but for the number of epochs). It is not drawn then: the run's own path
        says what it said, and the dashed line would hide a stochastic run's thin updates."""
        s, pm = self.controller.session, self.controller.preview_model
        if s.init is None or s.config is None or pm.start is None or pm.config is None:
            return False
        if s.history.count == 0 and s.path is None:
            return False
        same_start = (float(s.init[0]), float(s.init[1])) == pm.start
        return same_start and dataclasses.replace(pm.config, epochs=s.config.epochs) == s.config

    def _draw_preview(self, points) -> None:
        self.plot.set_preview(None if self._preview_shows_run() else points)

    @Slot(float, float)
    def _on_plot_startRequested(self, w: float, b: float) -> None:
        if self.controller.session.active:
            self.controller.status("The start is set before a run: stop it (Shift+F5) first.",
                                   5000)
            return
        (w0, w1), (b0, b1) = self.plot.getViewBox().viewRange()
        self._clicking = True
        try:
            # (refused while a lesson locks the start: the controller's gate says why)
            self.panel.set_start(start_text(w, w1 - w0), start_text(b, b1 - b0))
        finally:
            self._clicking = False

    @Slot(float, float, float, float)
    def _on_plot_viewChanged(self, w0: float, w1: float, b0: float, b1: float) -> None:
        if w1 > w0 and b1 > b0 and math.isfinite(w1 - w0) and math.isfinite(b1 - b0):
            self._user_view = ((w0, w1), (b0, b1))  # kept (not followed) until Fit
            self.controller.landscape_model.set_ranges((w0, w1), (b0, b1))

    def fit(self) -> None:
        """Fit the view to the start, the current path, the shown kept paths and the
        optimum (View ▸ Fit to data); from now on the view follows the run again."""
        self._user_view = None
        lm = self.controller.landscape_model
        lm.set_path_points(self._kept_in_view(self.current_path(), preview=True))
        lm.fit_view()
        self.plot.fit_view()

    # ------------------------------------------------------------------ kept runs
    @Slot()
    def _on_controller_keptRunsChanged(self) -> None:
        c = self.controller
        runs = {k.key: k for k in c.kept_runs}
        for key in [key for key in self._kept_paths if key not in runs]:
            del self._kept_paths[key]
            self._kept_boxes.pop(key, None)
            self.plot.remove_kept(key)
        for key, kept in runs.items():
            if key not in self._kept_paths:  # the current run, just kept
                points = kept.path if kept.path is not None else np.empty((0, 2))
                self._kept_paths[key] = points
                framed = points[framable(points)] if len(points) else points
                self._kept_boxes[key] = (np.array([framed.min(axis=0), framed.max(axis=0)])
                                         if len(framed) else np.empty((0, 2)))
                index = RUN_COLORS.index(kept.color) if kept.color in RUN_COLORS else key
                updates = kept.summary.config.method != "batch"  # its path: its updates
                ends = (np.column_stack([kept.w, kept.b]) if updates and kept.w is not None
                        else None)
                if ends is not None:
                    ends = ends[stride_indices(len(ends), EPOCH_MARKERS)]
                self.plot.add_kept(key, thinned(points, DRAWN_POINTS), index, kept.label,
                                   updates=updates, epoch_ends=ends)
            self.plot.set_kept_visible(key, self._drawn(kept))
        self._on_controller_keptSelectionChanged(c.selected_runs)

    def _drawn(self, kept) -> bool:
        """A kept run is drawn when shown (ticked) and of the model shown: another model's
        path lies in another landscape."""
        return kept.visible and run_model(kept) == model_of(self.controller)

    @Slot(str)
    def _on_controller_modelChanged(self, _model) -> None:
        self._on_controller_keptRunsChanged()

    @Slot(object)
    def _on_controller_keptSelectionChanged(self, keys) -> None:
        for key, item in self.plot.kept.items():
            item.set_highlight(key in keys)

    def kept_path(self, key: int) -> np.ndarray | None:
        """The path drawn for kept run ``key`` (None if it has none)."""
        return self._kept_paths.get(key)
