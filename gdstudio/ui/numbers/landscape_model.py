"""The landscape's state on the Qt side: the data's moments, the MSE landscape, and what to
draw (a :class:`~gdstudio.core.drawing.landscape_frame.LandscapeFrame`). No widgets.

MSE
    An edited point updates the :class:`~gdstudio.core.models.line.moments.Moments` in O(1), and the
    frame is redrawn at once from them (about a millisecond at any data size). The exact
    landscape is then rebuilt from the points on a helper thread and replaces the updated one
    when it arrives; a rebuild of data that has been edited again since is dropped (a
    generation counter), and rebuilds asked for while one runs are coalesced to the latest.
MAE and Huber
    The loss is sampled on a helper thread, coarse first (17 × 17) then fine (129 × 129);
    the grid a newer edit, range or loss has made outdated stops between columns.
Logistic regression (``set_loss(..., model="logistic")``)
    The exact cross-entropy (or, with :meth:`set_other_landscape` or a run on the squared
    error, the squared error on σ) needs every point at every cell: it is computed on a
    helper thread, coarse first then fine, the fine grid coarser than 129 × 129 on large
    data (:func:`~gdstudio.core.drawing.landscape_frame.logistic_shape`; the frame's label
    says so). The maximum-likelihood optimum (Newton's method,
    :func:`~gdstudio.core.models.logistic.optimum.logistic_optimum`) is computed there too,
    once per data set; separable or one-class data have none: no star, a label says why,
    and the view frames the start and the path only.

Results come back as queued signals to slots of this object (which lives on the GUI thread);
the helper threads run NumPy only, never torch.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from gdstudio.core.drawing.landscape_frame import (
    LandscapeFrame,
    logistic_frame,
    logistic_shape,
    mse_frame,
    robust_frame,
)
from gdstudio.core.errors import StudioError
from gdstudio.core.models.line.landscape import MSELandscape, view_bounds
from gdstudio.core.models.line.moments import Moments
from gdstudio.core.models.line.optimum import loss_optimum
from gdstudio.ui.threads.pool_task import PoolTask

__all__ = ["COARSE_SHAPE", "FINE_SHAPE", "MSE_SHAPE", "SYNC_LIMIT", "LandscapeModel"]

MSE_SHAPE = (129, 129)
COARSE_SHAPE = (17, 17)
FINE_SHAPE = (129, 129)
#: data sets up to this size are rebuilt exactly on the spot (under a millisecond or so)
SYNC_LIMIT = 20_000



def widened(span: tuple[float, float], least: float) -> tuple[float, float]:
    """``span`` widened about its middle to ``least`` if narrower (as it is if float64
    cannot widen it there)."""
    lo, hi = span
    if hi - lo >= least:
        return span
    mid = lo / 2 + hi / 2
    out = (mid - least / 2, mid + least / 2)
    return out if out[0] <= lo and out[1] >= hi and math.isfinite(out[1] - out[0]) else span

class _Relay(QObject):
    """Carries a helper thread's result to the GUI thread (a queued signal)."""

    #: (generation, exact MSE landscape and moments)
    rebuilt = Signal(int, object)
    #: (generation, sampled frame, optimum of its loss)
    sampled = Signal(int, object, object)
    #: (generation, logistic regression's frame or None, (landscape key, landscape,
    #: optimum key, optimum, problem))
    logistic = Signal(int, object, object)


def _exact(dataset):
    return Moments.from_arrays(dataset.x, dataset.y), MSELandscape.from_dataset(dataset)


class LandscapeModel(QObject):
    """The landscape of the current data for the current loss, and the view's ranges."""

    #: What to draw changed: a LandscapeFrame, or None (no data).
    landscapeChanged = Signal(object)
    #: The data (and with it the MSE landscape) changed; previews recompute.
    dataChanged = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.dataset = None
        self.moments: Moments | None = None
        #: the current MSE landscape (O(1)-updated or exact); None without data
        self.landscape: MSELandscape | None = None
        self.frame: LandscapeFrame | None = None
        self.loss, self.huber_delta, self.fit_bias = "mse", 1.0, True
        #: "line" or "logistic": the model whose landscape is drawn
        self.fit_model = "line"
        #: logistic regression: draw the other loss's landscape (cross-entropy ↔ squared
        #: error on σ) than the run's
        self.other_landscape = False
        #: why logistic regression's landscape cannot be drawn ("" when it can)
        self.problem = ""
        self._logistic_land = None  # ((data generation, loss), LogisticLandscape)
        self._logistic_optimum = None  # ((data generation, fit_bias), LogisticOptimum)
        self._fit_on_optimum = False  # refit when the logistic optimum arrives
        self.start: tuple[float, float] | None = None
        self.path_points = np.empty((0, 2))
        self.w_range: tuple[float, float] | None = None
        self.b_range: tuple[float, float] | None = None
        self._data_generation = 0  # every data change
        self._frame_generation = 0  # every change of what a sampled frame shows
        self._rebuilding = False
        self._fit_on_rebuild = False
        self._pending = None  # (generation, dataset) of the latest rebuild asked for
        self._optimum_cache = None  # ((generation, loss, delta, fit_bias), Optimum)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._relay = _Relay(self)
        self._relay.rebuilt.connect(self._on_relay_rebuilt)
        self._relay.sampled.connect(self._on_relay_sampled)
        self._relay.logistic.connect(self._on_relay_logistic)

    # ------------------------------------------------------------------ settings
    def set_loss(self, loss: str, huber_delta: float = 1.0, fit_bias: bool = True,
                 model: str = "line") -> None:
        """The run's loss (``"mse"``, ``"mae"``, ``"huber"``; for ``model`` "logistic"
        ``"bce"``, ``"bce-logits"`` or ``"mse"``, the squared error on σ), Huber's delta
        and whether the run fits a bias (its optimum is then on ``b = 0``)."""
        new = (loss, float(huber_delta), bool(fit_bias), model)
        if new == (self.loss, self.huber_delta, self.fit_bias, self.fit_model):
            return
        refit = model != self.fit_model
        self.loss, self.huber_delta, self.fit_bias, self.fit_model = new
        if refit:  # the other model's paths lie in another landscape: not kept in view
            self.path_points = np.empty((0, 2))
        if refit and self.w_range is not None:  # the other model's landscape: framed anew
            self.fit_view()
        else:
            self._redraw()

    @property
    def logistic(self) -> bool:
        return self.fit_model == "logistic"

    @property
    def drawn_loss(self) -> str:
        """Logistic regression's landscape drawn: ``"bce"`` (cross-entropy) or ``"mse"``
        (squared error on σ): the run's loss, or the other with :attr:`other_landscape`."""
        own = "mse" if self.loss == "mse" else "bce"
        return {"mse": "bce", "bce": "mse"}[own] if self.other_landscape else own

    def set_other_landscape(self, on: bool) -> None:
        """Logistic regression: draw the other loss's landscape (the view option)."""
        if bool(on) != self.other_landscape:
            self.other_landscape = bool(on)
            if self.logistic:
                self._redraw()

    @property
    def logistic_optimum(self):
        """Logistic regression's optimum of the current data (a ``LogisticOptimum``), or
        None while it is being computed."""
        cached = self._logistic_optimum
        if cached is not None and cached[0] == (self._data_generation, self.fit_bias):
            return cached[1]
        return None

    def set_start(self, w: float, b: float) -> None:
        """The run's start, which :meth:`fit_view` keeps in view (does not redraw)."""
        self.start = (float(w), float(b))

    def set_path_points(self, points) -> None:
        """Points (rows ``(w, b)``: the path, kept paths) :meth:`fit_view` keeps in view."""
        self.path_points = np.asarray(points, dtype=np.float64).reshape(-1, 2)

    def fit_view(self) -> None:
        """Choose ranges holding the start, the path points and the optimum, and redraw."""
        points = [self.path_points]
        if self.start is not None:
            points.append(np.array([self.start]))
        optimum = self._optimum_point()
        if optimum is not None:
            points.append(np.array([optimum]))
        elif self.logistic:
            points.append(self._logistic_reference())
            self._fit_on_optimum = self.logistic_optimum is None
        self.w_range, self.b_range = self.bounds(np.vstack(points))
        self._redraw()

    def bounds(self, points):
        """The ranges a view of ``points`` (rows ``(w, b)``) frames: ``view_bounds``; for
        logistic regression widened to two units of log-odds across each axis at least
        (w: 2 / sd(x); b: 2), so that the shape of the loss shows (a start at w = b = 0 and
        an optimum of b = -0.17 framed a sliver of b where the cross-entropy looked as if
        it did not depend on b)."""
        w_range, b_range = view_bounds(points)
        if not self.logistic:
            return w_range, b_range
        land = self.landscape
        sd = math.ldexp(math.sqrt(land.var_x), land.kx) if land is not None else 0.0
        w_span = 2.0 / sd if sd > 0 and math.isfinite(2.0 / sd) else 2.0
        return widened(w_range, w_span), widened(b_range, 2.0)

    def set_ranges(self, w_range, b_range) -> None:
        """Draw over these ranges (after the user panned or zoomed)."""
        self.w_range = (float(w_range[0]), float(w_range[1]))
        self.b_range = (float(b_range[0]), float(b_range[1]))
        self._fit_on_optimum = False
        self._redraw()

    # ------------------------------------------------------------------ data
    def data_replaced(self, dataset, fit: bool = True) -> None:
        """A new data set (loaded, generated, undone...): rebuilt exactly, on the spot when
        small and on a helper thread otherwise; with ``fit`` the view re-fits to it."""
        self.dataset = dataset
        self._data_generation += 1
        if dataset is None or len(dataset) == 0:
            self.moments, self.landscape = Moments(0, 0.0, 0.0, 0.0, 0.0, 0.0), None
            self._emit_data_changed()
            return
        if len(dataset) <= SYNC_LIMIT:
            self.moments, self.landscape = _exact(dataset)
            if fit or self.w_range is None:
                self.fit_view()
            else:
                self._redraw()
            self.dataChanged.emit()
            return
        # until the rebuild arrives there are no moments to update point by point
        self.moments, self.landscape = None, None
        self._fit_on_rebuild = fit
        self._rebuild(dataset)
        if (self.logistic or self.loss != "mse") and not fit and self.w_range is not None:
            self._redraw()  # MAE, Huber: sampled from the points now (the rebuild only
            # redraws the MSE; it left the old data's grid in view)

    def point_added(self, x: float, y: float, dataset=None) -> None:
        """A point was added. Pass the edited ``dataset`` so that the exact rebuild (and
        sampled MAE/Huber grids, and previews that read the points) can follow."""
        self._update(lambda m: m.add(float(x), float(y)), dataset)

    def point_removed(self, x: float, y: float, dataset=None) -> None:
        """A point was removed (see :meth:`point_added` for ``dataset``)."""
        self._update(lambda m: m.remove(float(x), float(y)), dataset)

    def point_moved(self, old, new, dataset=None) -> None:
        """A point moved from ``old`` to ``new`` (see :meth:`point_added` for ``dataset``)."""
        self._update(lambda m: m.move((float(old[0]), float(old[1])),
                                      (float(new[0]), float(new[1]))), dataset)

    def _update(self, change, dataset) -> None:
        self._data_generation += 1
        if dataset is not None:
            self.dataset = dataset
        moments = None if self.moments is None else change(self.moments)
        self.moments = moments
        if moments is not None and moments.n > 0 and moments.finite:
            self.landscape = moments.landscape()
        else:  # no data, a rebuild under way, or sums beyond float64: the rebuild draws
            self.landscape = None
        self._emit_data_changed(exact=False)
        if dataset is not None and len(dataset):
            self._rebuild(dataset)

    def _emit_data_changed(self, exact: bool = True) -> None:
        self._redraw(exact)
        self.dataChanged.emit()

    # ------------------------------------------------------------------ drawing
    def _logistic_reference(self) -> np.ndarray:
        """Where a logistic regression view with no finite optimum looks: the origin and
        the steep sigmoids (slope ±4/sd(x)) whose boundary is at the mean x."""
        land = self.landscape
        if land is None or not len(self.dataset or ()):
            return np.array([[0.0, 0.0]])
        mean = math.ldexp(land.mean_x, land.kx)
        sd = math.ldexp(math.sqrt(land.var_x), land.kx)
        s = 4.0 / sd if sd > 0 and math.isfinite(4.0 / sd) else 4.0
        return np.array([[0.0, 0.0], [s, -s * mean], [-s, s * mean], [0.0, 4.0], [0.0, -4.0]])

    def _optimum_point(self):
        if self.logistic:
            if self.drawn_loss != "bce":
                return None  # (the squared error on σ: no star)
            opt = self.logistic_optimum
            if opt is None or opt.kind != "unique" or opt.w is None or opt.b is None:
                return None
            return float(opt.w), float(opt.b)
        if self.loss != "mse" and self._optimum_cache is not None:
            key, optimum = self._optimum_cache
            if key == self._optimum_key() and optimum.w is not None and optimum.b is not None:
                return optimum.w, optimum.b
        if self.landscape is None:
            return None
        point = self.landscape.optimum if self.fit_bias else self.landscape.optimum_without_bias
        return point if all(np.isfinite(point)) else None

    def _optimum_key(self):
        return (self._data_generation, self.loss, self.huber_delta, self.fit_bias)

    def _redraw(self, exact: bool = True) -> None:
        self._frame_generation += 1
        if self.moments is not None and self.moments.n == 0:
            self._set_frame(None)
            return
        if self.w_range is None:
            if self.landscape is None:
                return  # the first rebuild fits the view
            self.fit_view()
            return
        if self.logistic:
            if self.dataset is not None and len(self.dataset):
                self._sample_logistic(self._frame_generation)
            return
        if self.loss == "mse":
            if self.landscape is not None:
                self._set_frame(mse_frame(self.landscape, self.w_range, self.b_range,
                                          MSE_SHAPE, self.fit_bias, exact))
            return
        if self.dataset is not None and len(self.dataset):
            self._sample(self._frame_generation)

    def _set_frame(self, frame) -> None:
        self.frame = frame
        self.landscapeChanged.emit(frame)

    def _sample(self, generation: int) -> None:
        dataset, kind, delta = self.dataset, self.loss, self.huber_delta
        w_range, b_range, key = self.w_range, self.b_range, self._optimum_key()
        cached = self._optimum_cache[1] if (self._optimum_cache is not None
                                            and self._optimum_cache[0] == key) else None
        fit_bias, relay = self.fit_bias, self._relay

        def stale():
            return generation != self._frame_generation

        def work():
            optimum = cached
            for shape, exact in ((COARSE_SHAPE, False), (FINE_SHAPE, True)):
                frame = robust_frame(dataset.x, dataset.y, kind, w_range, b_range, shape,
                                     delta, optimum, stale, exact)
                if frame is None:
                    return
                relay.sampled.emit(generation, frame, (key, optimum))
                if optimum is None and not stale():  # the coarse grid is shown meanwhile
                    optimum = loss_optimum(dataset, kind, fit_bias, delta)

        self._pool.start(PoolTask(work))

    def _sample_logistic(self, generation: int) -> None:
        from gdstudio.core.models.logistic.landscape import LogisticLandscape
        from gdstudio.core.models.logistic.optimum import logistic_optimum

        dataset, loss, fit_bias = self.dataset, self.drawn_loss, self.fit_bias
        w_range, b_range, relay = self.w_range, self.b_range, self._relay
        land_key = (self._data_generation, loss)
        opt_key = (self._data_generation, fit_bias)
        land = self._logistic_land[1] if (self._logistic_land is not None
                                          and self._logistic_land[0] == land_key) else None
        optimum = self.logistic_optimum
        n = len(dataset)
        shapes = list(dict.fromkeys([logistic_shape(n, coarse=True), logistic_shape(n)]))

        def stale():
            return generation != self._frame_generation

        def work():
            nonlocal land, optimum
            try:
                if land is None:
                    land = LogisticLandscape.from_arrays(dataset.x, dataset.y, loss=loss)
                if optimum is None and not stale():
                    optimum = logistic_optimum(dataset.x, dataset.y, fit_bias)
            except (ValueError, StudioError) as exc:
                relay.logistic.emit(generation, None, (land_key, None, opt_key, None,
                                                       str(exc)))
                return
            for i, shape in enumerate(shapes):
                frame = logistic_frame(land, w_range, b_range, shape, optimum, stale,
                                       i == len(shapes) - 1, n, loss)
                if frame is None:
                    return
                relay.logistic.emit(generation, frame, (land_key, land, opt_key, optimum, ""))

        self._pool.start(PoolTask(work))

    @Slot(int, object, object)
    def _on_relay_logistic(self, generation: int, frame, made) -> None:
        land_key, land, opt_key, optimum, problem = made
        if land is not None:
            self._logistic_land = (land_key, land)
        arrived = optimum is not None and self.logistic_optimum is None
        if optimum is not None:
            self._logistic_optimum = (opt_key, optimum)
        if generation != self._frame_generation:
            return
        self.problem = problem
        if problem:
            self._set_frame(None)
            return
        if arrived and self._fit_on_optimum and self.logistic:
            self._fit_on_optimum = False
            self.fit_view()  # now with the star in view (and drawn again)
            return
        self._set_frame(frame)

    @Slot(int, object, object)
    def _on_relay_sampled(self, generation: int, frame, optimum) -> None:
        if optimum[1] is not None:
            self._optimum_cache = optimum
        if generation == self._frame_generation:
            self._set_frame(frame)

    # ------------------------------------------------------------------ exact rebuild
    def _rebuild(self, dataset) -> None:
        self._pending = (self._data_generation, dataset)
        if not self._rebuilding:
            self._start_rebuild()

    def _start_rebuild(self) -> None:
        generation, dataset = self._pending
        self._pending = None
        self._rebuilding = True
        relay = self._relay

        def work():
            relay.rebuilt.emit(generation, _exact(dataset))

        self._pool.start(PoolTask(work))

    @Slot(int, object)
    def _on_relay_rebuilt(self, generation: int, result) -> None:
        self._rebuilding = False
        if generation == self._data_generation:
            self.moments, self.landscape = result
            if self._fit_on_rebuild or self.w_range is None:
                self._fit_on_rebuild = False
                self.fit_view()
            elif self.loss == "mse" or self.logistic:
                self._redraw()
            self.dataChanged.emit()
        if self._pending is not None:
            self._start_rebuild()

    @property
    def busy(self) -> bool:
        """True while a rebuild or a sampled grid is under way."""
        return self._rebuilding or self._pool.activeThreadCount() > 0

    def wait(self, msecs: int = -1) -> bool:
        """Block until the helper threads are idle (their results still to be delivered
        by the event loop); for benchmarks and tests. True if they are."""
        return self._pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 2000) -> bool:
        """Drop outstanding work and wait (at most ``msecs``) for the helper threads;
        call before the application quits. True if they all ended."""
        self._frame_generation += 1
        self._data_generation += 1
        self._pending = None
        self._pool.clear()
        return self._pool.waitForDone(msecs)
