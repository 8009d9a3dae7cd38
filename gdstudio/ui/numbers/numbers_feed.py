"""The controller's data numbers (least-squares line, optimum, step-size guide), kept current
without freezing the window on large data.

A part of :class:`gdstudio.ui.studio.controller.StudioController`, which owns one
:class:`NumbersFeed`. The exact numbers
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

from gdstudio.core.errors import StudioError
from gdstudio.core.models.line.optimum import Optimum
from gdstudio.core.models.line.stepsize import GuideCache
from gdstudio.ui.numbers.landscape_feed import model_of
from gdstudio.ui.numbers.shown_numbers import DataNumbers, data_numbers
from gdstudio.ui.threads.pool_task import PoolTask

#: Data sets up to this size get their exact numbers at once, on the GUI thread.
ASYNC_LIMIT = 20_000


class _Relay(QObject):
    #: (generation, (key, DataNumbers))
    computed = Signal(int, object)


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


class NumbersFeed(QObject):
    """Owns :attr:`numbers` and keeps it current (see the module docstring).

    ``studio`` is the controller it belongs to: its ``model`` (the data), ``fit_bias``,
    ``loss``, ``huber_delta``, ``settings`` and ``landscape_model`` are read, and its
    ``optimumChanged`` is emitted when :attr:`numbers` change.
    """

    def __init__(self, studio):
        super().__init__(studio)
        self._studio = studio
        #: The data's optimum, line and step-size guide (see :mod:`shown_numbers`).
        self.numbers = DataNumbers()
        #: The numbers shown are an O(1) estimate; the exact ones are being computed.
        self.numbers_estimated = False
        self._key = None  # (data set, fit_bias, loss, Huber delta or None) of the numbers
        self._generation = 0
        self._busy = False
        self._pending = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.computed.connect(self._on_computed)

    def _settings_key(self) -> tuple:
        s = self._studio
        return (s.fit_bias, s.loss, s.huber_delta if s.loss == "huber" else None,
                model_of(s))

    def update(self, edit=None) -> None:
        """The optimum and the step-size guide of the current data and loss, computed
        again only when they changed (``optimumChanged``). ``edit``: the
        :class:`~gdstudio.ui.studio.data_model.DataEdit` that just changed the data, if any
        (an edit of one point of large data is estimated at once and computed exactly off
        the GUI thread)."""
        s = self._studio
        d = s.model.dataset
        key = (d, *self._settings_key())
        last = self._key
        if last is not None and last[0] is d and last[1:] == key[1:]:
            return
        self._generation += 1
        if edit is not None and edit.point is not None and len(d) > ASYNC_LIMIT \
                and last is not None:
            estimate = None if key[-1] == "logistic" else estimated_numbers(
                d, s.landscape_model.landscape, self.numbers, s.fit_bias, s.loss, edit.new)
            if estimate is None and last[1:] == key[1:]:
                estimate = self.numbers  # no moments yet: the numbers before the edit
            if estimate is not None:
                self._key, self.numbers = key, estimate
                self.numbers_estimated = True
                self._compute(key)
                s.optimumChanged.emit()
                return
        self._key = key
        if key[-1] == "logistic" and len(d) > ASYNC_LIMIT and not (
                last is not None and last[0] is d and last[1] == key[1]
                and last[-1] == key[-1] and self.numbers.logistic is not None):
            # logistic regression's optimum reads every point several times (Newton's
            # method: seconds at a million points), and its step-size guide's passes over
            # the data, are computed off the GUI thread (no guide until they arrive)
            self.numbers = DataNumbers(None, None, None, "maximum likelihood", None, None)
            self.numbers_estimated = True
            self._compute(key)
            s.optimumChanged.emit()
            return
        same = self.numbers if last is not None and last[0] is d and last[1] == key[1] else None
        if same is None:
            self.numbers_estimated = False  # else the exact line and guide are on their way
        if same is not None and key[-1] != last[-1]:
            same = None  # the other model's numbers
        self.numbers = data_numbers(d, s.fit_bias, s.loss, s.huber_delta, same, key[-1])
        s.optimumChanged.emit()

    def prepare(self):
        """A function computing the optimum and step-size guide of a data set with the
        current settings, on a worker thread (pure numpy; a CSV import's): it returns
        ``(settings key, DataNumbers)`` for :meth:`adopt`."""
        s = self._studio
        key = self._settings_key()
        fit_bias, loss, delta, config = s.fit_bias, s.loss, s.huber_delta, s.settings

        def prepare(dataset):
            numbers = data_numbers(dataset, fit_bias, loss, delta, model=key[-1])
            if numbers.guide is not None and config is not None:
                try:
                    numbers.guide(config)  # remembered by the guide's cache
                except StudioError:
                    pass  # said when the settings panel asks again
            return key, numbers

        return prepare

    def adopt(self, dataset, prepared) -> bool:
        """Take the numbers :meth:`prepare` made of ``dataset`` (``prepared``, or None) if
        the settings are still those they were made for; True if they were taken (the data
        set is then about to become the current one)."""
        key, numbers = prepared or (None, None)
        if key is None or key != self._settings_key():
            return False
        self._key, self.numbers = (dataset, *key), numbers
        return True

    def forget(self) -> None:
        """Numbers taken with :meth:`adopt` are not the current data's (it did not change):
        compute them again."""
        self._key = None
        self.update()

    def _compute(self, key) -> None:
        self._pending = (self._generation, key, self._studio.settings)
        if not self._busy:
            self._start()

    def _start(self) -> None:
        generation, key, config = self._pending
        self._pending = None
        self._busy = True
        relay = self._relay
        d, fit_bias, loss, delta, model = key

        def work():  # the run's own optimum too (MAE, Huber up to OWN_OPTIMUM_LIMIT points)
            numbers = data_numbers(d, fit_bias, loss, 1.0 if delta is None else delta,
                                   model=model)
            if numbers.guide is not None and config is not None:
                try:
                    numbers.guide(config)  # remembered by the guide's cache
                except StudioError:
                    pass  # said when the settings panel asks again
            relay.computed.emit(generation, (key, numbers))

        self._pool.start(PoolTask(work))

    @Slot(int, object)
    def _on_computed(self, generation: int, result) -> None:
        self._busy = False
        key, exact = result
        current = self._key
        s = self._studio
        if (self.numbers_estimated and current is not None and current[0] is key[0]
                and current[1] == key[1]):
            self.numbers_estimated = False
            if current[2:] != key[2:]:  # the loss changed since: the line and guide stay
                exact = data_numbers(key[0], s.fit_bias, s.loss, s.huber_delta,
                                     exact if current[-1] == key[-1] else None, current[-1])
            self.numbers = exact
            s.optimumChanged.emit()
        if self._pending is not None:
            self._start()

    def wait(self, msecs: int = -1) -> bool:
        """Block until the helper thread is idle (its result still to be delivered by the
        event loop); for benchmarks and tests."""
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self._pending = None
        self._pool.clear()
        self._pool.waitForDone(2000)
