"""The first updates of a logistic regression run, before it is trained: the analytic path.

:func:`preview_path` is the line's :func:`~gdstudio.core.models.line.preview.preview_path` for
logistic regression: the start and the first updates of the run that the analytic
implementation (:mod:`gdstudio.core.models.logistic.implementations`) makes, by that
implementation's own steps, so the preview is bitwise the run's path (its start rounded as
the run rounds it, its batches, its arithmetic):

- full-batch descent: one float64 step on all the points per update;
- mini-batches: its float64 step on each batch, in data order or in the order of the run's
  permutations (``orders``, from :func:`~gdstudio.core.models.line.preview.shuffle_orders`);
- stochastic descent: its one-point loop, in float32 for float32 data as the run does.

There is no closed form to follow (as the line's full-batch MSE has): every update costs a
pass over its batch, so the work is bounded as the line's is: at most ``updates`` updates
(1,000 by default) and about :data:`~gdstudio.core.models.line.preview.MAX_WORK`
point-gradients (a million points preview two full-batch updates, rather than freezing the
window). A learning-rate schedule previews with the learning rate of each epoch.
"""

from __future__ import annotations

import math

import numpy as np

from gdstudio.core.models.line.preview import (
    MAX_UPDATES,
    MAX_WORK,
    batch_size,
    epochs_needed,
    needs_orders,
)
from gdstudio.core.models.logistic.implementations import make_impl
from gdstudio.core.settings.schedule import lr_values, scheduled

__all__ = ["planned_updates", "preview_path"]


def planned_updates(n: int, config, updates: int = MAX_UPDATES) -> int:
    """Updates a preview of ``config`` on ``n`` points shows: at most ``updates``, the run's
    own updates, and the work bound."""
    size = batch_size(n, config)
    per_epoch = -(-n // size)
    return max(0, min(updates, config.epochs * per_epoch, max(1, MAX_WORK // size)))


def preview_path(dataset, config, w0: float, b0: float, updates: int = MAX_UPDATES,
                 orders=None) -> np.ndarray:
    """The start and the first updates of the analytic run of ``config`` (a logistic
    regression :class:`~gdstudio.core.settings.config.TrainConfig`) on ``dataset`` from
    ``(w0, b0)``: rows ``(w, b)``, the start first (as the run rounds it). Fewer rows once a
    value leaves float64 (or float32), or past the run's epochs or the work bound.
    ``orders`` (at least :func:`~gdstudio.core.models.line.preview.epochs_needed` of them)
    is required when the run shuffles.

    Raises
    ------
    ValueError
        For a shuffled run without enough ``orders``, or an empty data set.
    """
    n = len(dataset)
    if n == 0:
        raise ValueError("The data set is empty: add at least one point.")
    total = planned_updates(n, config, updates)
    size = batch_size(n, config)
    shuffled = needs_orders(config)
    epochs = epochs_needed(n, config, total) if total else 0
    if shuffled and (orders is None or len(orders) < epochs):
        raise ValueError("The preview of a shuffled run needs its permutations.")
    run = config.replace(impl="analytic")
    impl = make_impl(run, dataset, w0, b0)
    lrs = lr_values(config, epochs + 1).tolist() if scheduled(config) else None
    rows = [impl.parameters()]
    epoch = 0
    with np.errstate(all="ignore"):
        while len(rows) <= total:
            if lrs is not None:
                impl.lr = float(lrs[epoch])
            order = orders[epoch] if shuffled else None
            left = total - len(rows) + 1
            if size == 1:
                done = _points(impl, order, left, rows)
            else:
                done = _batches(impl, order, size, left, rows)
            if not done:
                break
            epoch += 1
    return _finite_prefix(rows)


def _ok(w, b) -> bool:
    return math.isfinite(w) and math.isfinite(b)


def _batches(impl, order, size: int, left: int, rows: list) -> bool:
    """One epoch's batch steps (at most ``left``); False once a value left float64."""
    x, y = (impl.x, impl.y) if order is None else (impl.x[order], impl.y[order])
    for start in range(0, x.shape[0], size):
        if left <= 0:
            return True
        impl._step(x[start:start + size], y[start:start + size])
        rows.append(impl.parameters())
        left -= 1
        if not _ok(*rows[-1]):
            return False
    return True


def _points(impl, order, left: int, rows: list) -> bool:
    """One epoch's one-point steps (at most ``left``), by the run's own loop."""
    xs, ys = impl._scalar_lists()
    take = range(min(len(xs), left)) if order is None else order[:left]
    steps = impl._steps()
    w, b = impl.scalar(impl.w), impl.scalar(impl.b)
    for i in take:
        w, b = steps((xs[int(i)],), (ys[int(i)],), w, b)
        rows.append((float(w), float(b)))
        if not _ok(*rows[-1]):
            return False
    impl.w, impl.b = float(w), float(b)
    return True


def _finite_prefix(rows: list) -> np.ndarray:
    path = np.array(rows, dtype=np.float64).reshape(-1, 2)
    ok = np.all(np.isfinite(path), axis=1)
    return path if ok.all() else path[: int(np.argmin(ok))]
