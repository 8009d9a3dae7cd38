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

Results come back as queued signals to slots of this object (which lives on the GUI thread);
the helper threads run NumPy only, never torch.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from gdstudio.core.drawing.landscape_frame import LandscapeFrame, mse_frame, robust_frame
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


class _Relay(QObject):
    """Carries a helper thread's result to the GUI thread (a queued signal)."""

    #: (generation, exact MSE landscape and moments)
    rebuilt = Signal(int, object)
    #: (generation, sampled frame, optimum of its loss)
    sampled = Signal(int, object, object)


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

    # ------------------------------------------------------------------ settings
    def set_loss(self, loss: str, huber_delta: float = 1.0, fit_bias: bool = True) -> None:
        """The run's loss (``"mse"``, ``"mae"``, ``"huber"``), Huber's delta and whether the
        run fits a bias (its optimum is then on ``b = 0``)."""
        if (loss, float(huber_delta), bool(fit_bias)) == (self.loss, self.huber_delta,
                                                          self.fit_bias):
            return
        self.loss, self.huber_delta, self.fit_bias = loss, float(huber_delta), bool(fit_bias)
        self._redraw()

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
        self.w_range, self.b_range = view_bounds(np.vstack(points))
        self._redraw()

    def set_ranges(self, w_range, b_range) -> None:
        """Draw over these ranges (after the user panned or zoomed)."""
        self.w_range = (float(w_range[0]), float(w_range[1]))
        self.b_range = (float(b_range[0]), float(b_range[1]))
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
        if self.loss != "mse" and not fit and self.w_range is not None:
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
    def _optimum_point(self):
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
            elif self.loss == "mse":
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
