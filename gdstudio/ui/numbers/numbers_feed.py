"""The controller's data numbers (least-squares line, optimum, step-size guide), kept current
without freezing the window on large data.

Part of :class:`gdstudio.ui.studio.controller.StudioController` (a mixin of it). The exact numbers
read every point (about 0.8 s at a million points). After an edit of one point (add, move,
delete one) of more than :data:`ASYNC_LIMIT` points they are computed on a helper thread;
meanwhile the numbers shown are an estimate: the least-squares line and the batch step-size
bound from the landscape's moments, updated in O(1) by the edit
(:class:`~gdstudio.core.models.line.moments.Moments`), and the other step-size bounds of the data
before
the edit (all of them the numbers before the edit while the landscape has no moments yet,
just after a large data set was loaded). When the exact numbers arrive they replace the estimate
(:attr:`optimumChanged` again), so once an edit has settled the numbers shown are the exact
ones. :attr:`numbers_estimated` says whether they are estimates now.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, QThreadPool, Signal, Slot

from gdstudio.core.data.commands import Append, Delete, Move
from gdstudio.core.errors import StudioError
from gdstudio.core.models.line.optimum import Optimum
from gdstudio.core.models.line.stepsize import GuideCache
from gdstudio.ui.numbers.shown_numbers import DataNumbers, data_numbers
from gdstudio.ui.threads.pool_task import PoolTask

#: Data sets up to this size get their exact numbers at once, on the GUI thread.
ASYNC_LIMIT = 20_000


class _Relay(QObject):
    #: (generation, (key, DataNumbers))
    computed = Signal(int, object)


def _edited_point(command):
    """``(kind, new point or None)`` of an edit of one point, or None for other edits."""
    if isinstance(command, Append) and command.index is None:
        return "add", (command.x, command.y)
    if isinstance(command, Move):
        return "move", (command.x, command.y)
    if isinstance(command, Delete) and len(set(command.indices)) == 1:
        return "delete", None
    return None


def estimated_numbers(dataset, landscape, previous: DataNumbers, fit_bias: bool, loss: str,
                      point) -> DataNumbers | None:
    """The numbers of ``dataset`` estimated from its MSE ``landscape`` (O(1) moments) and the
    ``previous`` data's numbers, after one point was edited (``point``: the new point, None
    for a deletion); None when no estimate can be given (the line is not unique)."""
    if landscape is None or previous.optimum is None:
        return None
    if fit_bias:
        if not landscape.unique:
            return None
        (w, b), value = landscape.optimum, landscape.min_loss
    else:
        w, b = landscape.optimum_without_bias
        if landscape.var_x + landscape.mean_x ** 2 == 0:
            return None
        value = landscape.loss(w, 0.0)
    if not all(math.isfinite(v) for v in (w, b, value)):
        return None
    lsq = Optimum(float(w), float(b), float(value), True, "mse", method="estimate")
    own = lsq if loss == "mse" else previous.optima[0]
    guide = GuideCache(dataset)
    old = previous.guide
    if old is not None:
        memo = dict(old._memo)  # the bounds of the data before the edit, but for:
        memo[("batch", 0, False, bool(fit_bias))] = _batch_curvature(landscape, fit_bias)
        scale = memo.get("scale")
        if scale is not None and (scale[0] or (point is not None and _overflows(
                point, dataset.dtype))):
            del memo["scale"]  # computed again from the points
        guide._memo = memo
        guide._standardized = old._standardized
    return DataNumbers(lsq, (own, lsq), lsq.line, "least squares", guide)


def _batch_curvature(landscape, fit_bias: bool):
    from gdstudio.core.models.line.stepsize import lam_max_log

    return lam_max_log(landscape.mean_x, landscape.var_x, landscape.kx, bool(fit_bias))


def _overflows(point, dtype: str) -> bool:
    fmax = float(np.finfo(np.float32 if dtype == "float32" else np.float64).max)
    return any(v != 0 and 2 * math.log10(abs(v)) >= math.log10(fmax) for v in point)


class NumbersFeed:
    """Owns :attr:`numbers` and keeps it current (see the module docstring)."""

    def _init_numbers(self) -> None:
        #: The numbers shown are an O(1) estimate; the exact ones are being computed.
        self.numbers_estimated = False
        self._numbers_generation = 0
        self._numbers_busy = False
        self._numbers_pending = None
        self._numbers_pool = QThreadPool(self)
        self._numbers_pool.setMaxThreadCount(1)
        self._numbers_relay = _Relay(self)
        self._numbers_relay.computed.connect(self._on_numbers_computed)

    def update_optimum(self, edit=None) -> None:
        """The optimum and the step-size guide of the current data and loss, computed
        again only when they changed (:attr:`optimumChanged`). ``edit``: the command that
        just changed the data, if any (an edit of one point of large data is estimated at
        once and computed exactly off the GUI thread)."""
        d = self.model.dataset
        delta = self.huber_delta if self.loss == "huber" else None
        key = (d, self.fit_bias, self.loss, delta)
        last = self._numbers_key
        if last is not None and last[0] is d and last[1:] == key[1:]:
            return
        self._numbers_generation += 1
        edited = _edited_point(edit) if edit is not None else None
        if edited is not None and len(d) > ASYNC_LIMIT and last is not None:
            estimate = estimated_numbers(d, self.landscape_model.landscape, self.numbers,
                                         self.fit_bias, self.loss, edited[1])
            if estimate is None and last[1:] == key[1:]:
                estimate = self.numbers  # no moments yet: the numbers before the edit
            if estimate is not None:
                self._numbers_key, self.numbers = key, estimate
                self.numbers_estimated = True
                self._compute_numbers(key)
                self.optimumChanged.emit()
                return
        self._numbers_key = key
        same = self.numbers if last is not None and last[0] is d and last[1] == key[1] else None
        if same is None:
            self.numbers_estimated = False  # else the exact line and guide are on their way
        self.numbers = data_numbers(d, self.fit_bias, self.loss, self.huber_delta, same)
        self.optimumChanged.emit()

    def _compute_numbers(self, key) -> None:
        self._numbers_pending = (self._numbers_generation, key, self.settings)
        if not self._numbers_busy:
            self._start_numbers()

    def _start_numbers(self) -> None:
        generation, key, config = self._numbers_pending
        self._numbers_pending = None
        self._numbers_busy = True
        relay = self._numbers_relay
        d, fit_bias, loss, delta = key

        def work():  # the run's own optimum too (MAE, Huber up to OWN_OPTIMUM_LIMIT points)
            numbers = data_numbers(d, fit_bias, loss, 1.0 if delta is None else delta)
            if numbers.guide is not None and config is not None:
                try:
                    numbers.guide(config)  # remembered by the guide's cache
                except StudioError:
                    pass  # said when the settings panel asks again
            relay.computed.emit(generation, (key, numbers))

        self._numbers_pool.start(PoolTask(work))

    @Slot(int, object)
    def _on_numbers_computed(self, generation: int, result) -> None:
        self._numbers_busy = False
        key, exact = result
        current = self._numbers_key
        if (self.numbers_estimated and current is not None and current[0] is key[0]
                and current[1] == key[1]):
            self.numbers_estimated = False
            if current[2:] != key[2:]:  # the loss changed since: the line and guide stay
                exact = data_numbers(key[0], self.fit_bias, self.loss, self.huber_delta,
                                     exact)
            self.numbers = exact
            self.optimumChanged.emit()
        if self._numbers_pending is not None:
            self._start_numbers()

    def wait_for_numbers(self, msecs: int = -1) -> bool:
        """Block until the helper thread is idle (its result still to be delivered by the
        event loop); for benchmarks and tests."""
        return self._numbers_pool.waitForDone(msecs)

    def _shutdown_numbers(self) -> None:
        self._numbers_pending = None
        self._numbers_pool.clear()
        self._numbers_pool.waitForDone(2000)
