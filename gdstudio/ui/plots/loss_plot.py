"""The loss plot: the current run live, kept runs overlaid in their colours.

There is no legend inside the plot (it would cover curves): the compare list, with each kept
run's colour, is the legend of the kept runs, and the title names the current run's colour
and what a dashed curve means.
A kept run trained on data that has changed since is drawn dashed; a selected one is drawn
thicker and in front of the other kept runs, which are dimmed (the current run's curve is
always on top, never dimmed); a hidden one is not drawn.

The view is the same while a run goes and after it: x spans the epochs of the run and of the
kept runs shown (each curve to its last moment), y the losses, from 0 on a linear axis (from
the decade below the smallest on a log axis), with the same padding all round
(:class:`LossViewBox`), so nothing jumps when a run ends and no curve runs under an axis.

On a log axis a loss of zero (MAE on a perfect line reaches it exactly) cannot be drawn: it
is drawn at the bottom of the curves instead, see :func:`~gdstudio.core.drawing.plotmath.log_floor`.
"""

from __future__ import annotations

import weakref

import numpy as np
import pyqtgraph as pg

from gdstudio.core.drawing.plotmath import PeakDecimator, log_floor, min_positive
from gdstudio.ui.plots.common import (
    CURRENT_COLOR,
    CURRENT_Z,
    DIMMED_ALPHA,
    HIGHLIGHT_WIDTH,
    KEPT_Z,
    SELECTED_Z,
    WIDTH,
    cache_axes,
    legend_title,
    run_pen,
)

#: The axes' labels: x counts the epochs done, and the loss at x is the loss after x epochs
#: (x = 0: at the start). The exported figure's loss view says the same.
EPOCH_AXIS, LOSS_AXIS = "epochs done", "loss after x epochs"


def with_end(xs: np.ndarray, ys: np.ndarray, count: int, end) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """The curve ``(xs, ys)`` of ``count`` epochs, ending at the run's last moment
    ``(count, end)`` when its loss ``end`` is a finite number."""
    if not count or not isinstance(end, (int, float)) or not np.isfinite(end):
        return xs, ys
    return np.append(xs, float(count)), np.append(ys, float(end))


def loss_bounds(lo: float, hi: float, log: bool) -> tuple[float, float]:
    """The y span (in the view's units: log10 of the loss on a log axis) shown for losses
    drawn from ``lo`` to ``hi``, before padding: from 0 (linear; losses are not negative),
    or whole decades (log)."""
    if log:
        lo, hi = float(np.floor(lo)), float(np.ceil(hi + 0.05))
    else:
        lo = min(0.0, lo)
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


#: The share of a span added on each side of the curves (live and after a run alike; not
#: pyqtgraph's default, which changes with the plot's size as the axes' labels widen).
PADDING = 0.05


class LossViewBox(pg.ViewBox):
    """Fits (after a run, or Fit) to the curves' points (``curves()``: the items whose
    points count), the y span widened by :func:`loss_bounds`, with :data:`PADDING` on
    every side: the live view of a run uses the same."""

    def __init__(self, curves):
        super().__init__()
        self.log = False
        self._curves_ref = weakref.WeakMethod(curves)  # (weakly: see LandscapeViewBox)

    def _curves(self) -> list:
        curves = self._curves_ref()
        return [] if curves is None else curves()

    def suggestPadding(self, axis):
        return PADDING

    def childrenBounds(self, frac=None, orthoRange=(None, None), items=None):
        if items is not None:
            return super().childrenBounds(frac=frac, orthoRange=orthoRange, items=items)
        parts = [np.column_stack(item.getData()) for item in self._curves()
                 if item.getData()[0] is not None and len(item.getData()[0])]
        points = np.vstack([np.empty((0, 2)), *parts])
        points = points[np.all(np.isfinite(points), axis=1)]
        if not len(points):
            return [None, None]
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        return [[float(x0), float(x1)], list(loss_bounds(float(y0), float(y1), self.log))]


class LossPlot(pg.PlotWidget):
    """The loss over epochs: the current run live, kept runs overlaid in their colours."""

    def __init__(self, parent=None):
        self._vb = LossViewBox(self._curves)
        super().__init__(parent, viewBox=self._vb)
        self.setBackground("w")
        self.setLabel("bottom", EPOCH_AXIS)
        self.setLabel("left", LOSS_AXIS)
        self._show_legend(stale=False)
        cache_axes(self)  # no grid here: it would be redrawn every frame as the range grows
        self.getAxis("left").enableAutoSIPrefix(False)
        self.current = self.plot(pen=run_pen(CURRENT_COLOR))
        self.current.setZValue(CURRENT_Z)
        self._decimator = PeakDecimator()
        self._current_loss = np.empty(0)
        self._current_view = (np.empty(0), np.empty(0))
        self._log = False
        self._floor = 1.0
        self._live = False
        self._x_view: tuple[float, float] | None = None
        self._y_view: tuple[float, float] | None = None
        self._selected: frozenset[int] = frozenset()
        #: The kept runs' curves by run key.
        self.kept: dict[int, pg.PlotDataItem] = {}

    def _curves(self) -> list[pg.PlotDataItem]:
        """The curves a fit of the view holds: the current run's and the kept runs' shown."""
        if not hasattr(self, "kept"):  # (still being made)
            return []
        return [self.current, *(item for item in self.kept.values() if item.isVisible())]

    def _show_legend(self, stale: bool) -> None:
        """The title: the current run's colour, and what a dashed curve means when one is
        drawn (kept runs are named, in their colours, in the compare list)."""
        entries = [(CURRENT_COLOR, False, "current run")]
        if stale:
            entries.append(("#555555", True, "on previous data"))
        self.setTitle(legend_title(entries))

    # --------------------------------------------------------------- log axis
    @property
    def log(self) -> bool:
        return self._log

    def set_log(self, on: bool) -> None:
        """A log or linear loss axis; the view fits the curves (or keeps a live run's
        epochs) either way."""
        on = bool(on)
        if on == self._log:
            return
        self._log = self._vb.log = on
        self._y_view = None
        # A single loss has no span; pyqtgraph then keeps the span the view had, which in
        # the other axis's units can be hundreds of decades. Start from a span of one.
        self.getViewBox().setYRange(0.0, 1.0, padding=0)
        self.setLogMode(y=on)  # (this turns auto range back on)
        self._update_floor(force=True)
        if self._live:
            self.disableAutoRange()
            self.setXRange(*self._x_view)
            self._fit_live_y()

    def _shown(self, ys: np.ndarray) -> np.ndarray:
        """The values drawn: on a log axis, zero (or negative) losses at the floor."""
        if not self._log:
            return ys
        return np.where(ys > 0, ys, self._floor)

    def _update_floor(self, force: bool = False) -> None:
        """The floor of the visible curves; curves drawn again if it moved (or ``force``)."""
        smallest = [min_positive(self._current_view[1])]
        smallest += [item.gd_min for item in self.kept.values() if item.isVisible()]
        floor = log_floor(min(smallest))
        if floor == self._floor and not force:
            return
        self._floor = floor
        self.current.setData(self._current_view[0], self._shown(self._current_view[1]))
        for item in self.kept.values():
            if force or item.gd_nonpositive:
                item.setData(item.gd_view[0], self._shown(item.gd_view[1]))

    # --------------------------------------------------------------- current run
    def set_current(self, loss: np.ndarray, reset: bool = False, end=None) -> None:
        """Show the current run's loss; only the epochs added since the last call are read.
        ``end``: the loss after the last epoch (x = ``len(loss)``, the run's last moment),
        once known (the run finished, stopped or paused), or None."""
        if reset or len(loss) < len(self._current_loss):
            self._decimator.reset()
        self._current_loss = loss
        xs, ys = with_end(*self._decimator.update(loss), len(loss), end)
        self._current_view = (xs, ys)
        if self._log:
            self._update_floor()
        shown = self._shown(ys)
        self.current.setData(xs, shown)
        if self._live and len(shown):
            self._grow_y_range(float(shown.min()), float(shown.max()))

    def begin_run(self, epochs: int) -> None:
        """Fix the view for a live run: x spans the run's epochs (to its last moment, x =
        ``epochs``) and the kept curves shown, and y only ever grows, so the axes are not
        re-drawn every frame (that would cost more than the curve). Padded as after the run
        (the default padding), so the view holds still when the run ends."""
        self._live = True
        ends = [float(item.gd_view[0][-1]) for item in self.kept.values()
                if item.isVisible() and len(item.gd_view[0])]
        self.disableAutoRange()
        self._x_view = (0, max([float(epochs), 1.0, *ends]))
        self.setXRange(*self._x_view)
        self._fit_live_y()

    def end_run(self) -> None:
        """Back to fitting the view to all curves."""
        self._live = False
        self.enableAutoRange()

    def _fit_live_y(self) -> None:
        self._y_view = None
        views = [self._current_view[1]]
        views += [item.gd_view[1] for item in self.kept.values() if item.isVisible()]
        for ys in views:
            shown = self._shown(ys)
            finite = shown[np.isfinite(shown)]
            if len(finite):
                self._grow_y_range(float(finite.min()), float(finite.max()))

    def _grow_y_range(self, lo: float, hi: float) -> None:
        if self._log:
            tiny = np.finfo(np.float64).tiny
            lo, hi = float(np.log10(max(lo, tiny))), float(np.log10(max(hi, tiny)))
        lo, hi = loss_bounds(lo, hi, self._log)
        view = self._y_view
        if view is not None and view[0] <= lo and hi <= view[1]:
            return
        if view is not None:
            lo, hi = min(lo, view[0]), max(hi, view[1])
        self._y_view = (lo, hi)
        self.setYRange(lo, hi)  # (padded as the fit after the run pads)

    @property
    def drawn_points(self) -> int:
        return len(self.current.getData()[0] if self.current.getData()[0] is not None else [])

    def set_loss_name(self, name: str) -> None:
        """Name the loss on the y axis (``"cross-entropy"``, ``"MSE on σ"``; ``""``: the
        line's plain "loss")."""
        text = f"{name} after x epochs" if name else LOSS_AXIS
        if self.getAxis("left").labelText != text:
            self.setLabel("left", text)

    # --------------------------------------------------------------- kept runs
    def sync_kept(self, runs, selected=frozenset()) -> None:
        """Show the loss curves of the kept ``runs``
        (:class:`~gdstudio.ui.studio.kept_runs.KeptRun`:
        ``key``, ``loss``, ``color``, ``stale``, ``visible``) and highlight the ``selected``
        keys: curves of runs no longer there go, new runs are added in their colour."""
        keys = {run.key for run in runs}
        for key in [key for key in self.kept if key not in keys]:
            self.removeItem(self.kept.pop(key))
        for run in runs:
            item = self.kept.get(run.key)
            if item is None:
                item = self.kept[run.key] = self._add_kept(run.loss, run.summary.loss)
            item.gd_run = run
            item.setVisible(run.visible)
        self.set_highlight(selected)
        self._update_floor(force=True)
        self._show_legend(any(run.stale and run.visible for run in runs))

    def _add_kept(self, loss: np.ndarray, end=None) -> pg.PlotDataItem:
        loss = np.asarray(loss, dtype=np.float64)
        xs, ys = with_end(*PeakDecimator().update(loss), len(loss), end)
        item = self.plot(xs, self._shown(ys))
        item.gd_loss, item.gd_view = loss, (xs, ys)
        item.gd_min = min_positive(ys)
        item.gd_nonpositive = bool(np.any(~(ys > 0)))
        return item

    def set_highlight(self, selected) -> None:
        """Draw the selected kept runs thicker and in front of the other kept runs, which are
        dimmed; the current run stays on top, undimmed."""
        self._selected = frozenset(selected)
        shown = {key for key, item in self.kept.items() if item.gd_run.visible}
        highlighted = self._selected & shown
        dim = DIMMED_ALPHA if highlighted else 255
        for key, item in self.kept.items():
            run = item.gd_run
            on = key in highlighted
            item.setPen(run_pen(run.color, run.stale, HIGHLIGHT_WIDTH if on else WIDTH,
                                255 if on else dim))
            item.setZValue(SELECTED_Z if on else KEPT_Z)
        self.current.setPen(run_pen(CURRENT_COLOR))  # never dimmed: on top, in full

    @property
    def highlighted(self) -> frozenset[int]:
        """The keys of the kept runs drawn highlighted."""
        return frozenset(key for key, item in self.kept.items()
                         if key in self._selected and item.gd_run.visible)
