"""The first updates of a run, before it is trained: the run the analytic implementation makes.

:func:`preview_path` follows :class:`~gdstudio.core.models.line.implementations._Analytic` step by
step
(its start, its order of batches, its arithmetic), so the preview is that run's own path:

- full-batch MSE runs on the exact landscape (:meth:`MSELandscape.batch_path`, microseconds
  per step at any data size; equal to the run's steps to rounding);
- full-batch MAE and Huber, and mini-batches, repeat the run's float64 NumPy step on each
  batch (bitwise the run's numbers);
- stochastic descent (one point per update) repeats the run's scalar loop, in float32 for
  float32 data as the run does (bitwise the run's numbers).

A run with a learning-rate schedule (:mod:`.schedule`) previews with the learning rate of
each epoch, as the run steps it (a preview of full-batch descent spans up to 1,000 epochs).

A shuffled run takes its batches in the order of ``torch.randperm`` with the run's seed, one
permutation per epoch; :func:`shuffle_orders` draws them (torch: call it off the GUI thread,
once per seed and data size) and :func:`preview_path` takes them as ``orders``.

The work is bounded: at most ``updates`` updates (1,000 by default) and about
:data:`MAX_WORK` point-gradients, so a mini-batch of a million points previews only a few
updates rather than freezing the window.
"""

from __future__ import annotations

import math

import numpy as np

from gdstudio.core.models.line import compiled
from gdstudio.core.models.line.landscape import MSELandscape
from gdstudio.core.settings.schedule import lr_values, scheduled

__all__ = ["MAX_UPDATES", "MAX_WORK", "batch_size", "epochs_needed", "needs_orders",
           "order_length", "preview_path", "shuffle_orders"]

#: updates a preview shows at most
MAX_UPDATES = 1000
#: point-gradients a preview computes at most (besides full-batch MSE, which needs none)
MAX_WORK = 2_000_000


def batch_size(n: int, config) -> int:
    """Points per update of ``config``'s method on ``n`` points (the engine's rule)."""
    size = {"batch": n, "sgd": 1, "minibatch": config.batch_size}[config.method]
    return max(1, min(size, n))


def needs_orders(config) -> bool:
    """True when the run shuffles (its batches follow ``torch.randperm``)."""
    return bool(config.shuffle) and config.method != "batch"


def _planned_updates(n: int, config, updates: int) -> int:
    size = batch_size(n, config)
    per_epoch = -(-n // size)
    total = min(updates, config.epochs * per_epoch)
    if not (config.loss == "mse" and size == n and not needs_orders(config)):
        total = min(total, max(1, MAX_WORK // size))
    return max(total, 0)


def epochs_needed(n: int, config, updates: int = MAX_UPDATES) -> int:
    """Epochs that the first ``updates`` updates (within the work bound) reach into."""
    if n <= 0:
        return 0
    per_epoch = -(-n // batch_size(n, config))
    return -(-_planned_updates(n, config, updates) // per_epoch)


def order_length(n: int, config) -> int:
    """Entries of each permutation that a preview can read (the work bound's worth)."""
    return min(n, max(MAX_WORK, batch_size(n, config)))


def shuffle_orders(seed: int, n: int, epochs: int, keep: int | None = None) -> list[np.ndarray]:
    """The permutations a shuffled run of ``n`` points draws in its first ``epochs`` epochs
    (``torch.randperm`` from ``torch.Generator().manual_seed(seed)``), each cut to its first
    ``keep`` entries. Uses torch: call it off the GUI thread."""
    import torch

    generator = torch.Generator().manual_seed(int(seed))
    out = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).numpy()
        out.append(order[:keep].copy() if keep is not None else order)
    return out


def preview_path(dataset, config, w0: float, b0: float, updates: int = MAX_UPDATES,
                 landscape: MSELandscape | None = None, orders=None) -> np.ndarray:
    """The start and the first updates of the analytic run of ``config`` on ``dataset``
    from ``(w0, b0)``: rows ``(w, b)``, the start first. Fewer rows once a value leaves
    float64 (or float32 for a float32 stochastic run), or past the run's epochs or the
    work bound. ``landscape`` (the data's, for full-batch MSE) saves rebuilding it;
    ``orders`` (from :func:`shuffle_orders`, at least :func:`epochs_needed` of them) is
    required when the run shuffles.

    Raises
    ------
    ValueError
        For a shuffled run without enough ``orders``, or an empty data set.
    """
    n = len(dataset)
    if n == 0:
        raise ValueError("The data set is empty: add at least one point.")
    fit_bias = bool(config.fit_bias)
    if dataset.dtype == "float32":  # the run starts where float32 tensors start
        with np.errstate(over="ignore"):
            w0, b0 = float(np.float32(w0)), float(np.float32(b0))
    w0, b0 = float(w0), (float(b0) if fit_bias else 0.0)
    total = _planned_updates(n, config, updates)
    size = batch_size(n, config)
    shuffled = needs_orders(config)
    if shuffled and (orders is None or len(orders) < epochs_needed(n, config, updates)):
        raise ValueError("The preview of a shuffled run needs its permutations.")
    lrs = (lr_values(config, epochs_needed(n, config, updates) + 1).tolist()
           if scheduled(config) else None)  # the learning rate of each epoch
    if size == n and not shuffled:  # one full batch per epoch
        if config.loss == "mse":
            land = landscape if landscape is not None else MSELandscape.from_dataset(dataset)
            return land.batch_path(w0, b0, float(config.learning_rate), total, fit_bias,
                                   lrs=lrs)
        return _batches(dataset, config, w0, b0, total, None, lrs)
    if size == 1:
        return _points(dataset, config, w0, b0, total, orders, lrs)
    return _batches(dataset, config, w0, b0, total, orders, lrs)


def _finite_prefix(rows: list) -> np.ndarray:
    path = np.array(rows, dtype=np.float64).reshape(-1, 2)
    ok = np.all(np.isfinite(path), axis=1)
    return path if ok.all() else path[: int(np.argmin(ok))]


def _dloss(kind: str, e, delta: float):
    if kind == "mse":
        return 2.0 * e
    if kind == "mae":
        return np.sign(e)
    return np.clip(e, -delta, delta)


def _batches(dataset, config, w, b, total, orders, lrs=None) -> np.ndarray:
    """Mini-batch (or full-batch MAE/Huber) steps, as ``_Analytic.epoch`` takes them."""
    x_all = np.asarray(dataset.x, dtype=np.float64)
    y_all = np.asarray(dataset.y, dtype=np.float64)
    n, size = x_all.size, batch_size(x_all.size, config)
    lr, fit_bias, kind = float(config.learning_rate), bool(config.fit_bias), config.loss
    delta = float(config.huber_delta)
    rows = [(w, b)]
    epoch = 0
    with np.errstate(all="ignore"):
        while len(rows) <= total:
            if lrs is not None:
                lr = lrs[epoch]
            if orders is None:
                x, y = x_all, y_all
            else:
                order = orders[epoch][: (total - len(rows) + 1) * size]
                x, y = x_all[order], y_all[order]
            for start in range(0, min(n, x.size), size):
                xb, yb = x[start:start + size], y[start:start + size]
                g = _dloss(kind, w * xb + b - yb, delta)
                m = xb.shape[0]
                gw, gb = float(np.dot(g, xb)) / m, float(np.sum(g)) / m
                w -= lr * gw
                if fit_bias:
                    b -= lr * gb
                rows.append((w, b))
                if len(rows) > total or not (math.isfinite(w) and math.isfinite(b)):
                    return _finite_prefix(rows)
            epoch += 1
    return _finite_prefix(rows)


def _points(dataset, config, w0, b0, total, orders, lrs=None) -> np.ndarray:
    """Stochastic steps, as ``_Analytic._sgd_epoch`` takes them (float32 scalars for
    float32 data): by its compiled loop once that has loaded (the same numbers)."""
    kernels = compiled.ready()
    if kernels is not None:
        return _points_compiled(kernels, dataset, config, w0, b0, total, orders, lrs)
    float32 = dataset.dtype == "float32"
    scalar = np.float32 if float32 else float
    xs_all = list(np.asarray(dataset.x)) if float32 else np.asarray(dataset.x).tolist()
    ys_all = list(np.asarray(dataset.y)) if float32 else np.asarray(dataset.y).tolist()
    n = len(xs_all)
    w, b, lr = scalar(w0), scalar(b0), scalar(config.learning_rate)
    delta = scalar(config.huber_delta)
    one, zero = scalar(1), scalar(0)
    fit_bias, kind = bool(config.fit_bias), config.loss
    rows = [(w0, b0)]
    epoch = 0
    with np.errstate(all="ignore"):
        while len(rows) <= total:
            if lrs is not None:
                lr = scalar(lrs[epoch])
            take = min(n, total - len(rows) + 1)
            if orders is None:
                xs, ys = xs_all[:take], ys_all[:take]
            else:
                order = orders[epoch][:take]
                xs, ys = [xs_all[i] for i in order], [ys_all[i] for i in order]
            for x, y in zip(xs, ys, strict=True):
                if kind == "mse":
                    g = 2 * (w * x + b - y) if fit_bias else 2 * (w * x - y)
                else:
                    e = w * x + b - y if fit_bias else w * x - y
                    if kind == "mae":
                        g = one if e > 0 else (-one if e < 0 else zero)
                    else:
                        g = e if -delta < e < delta else (delta if e > 0 else -delta)
                w = w - lr * (g * x)
                if fit_bias:
                    b = b - lr * g
                rows.append((float(w), float(b)))
                if not (math.isfinite(w) and math.isfinite(b)):
                    return _finite_prefix(rows)
            epoch += 1
    return _finite_prefix(rows)


def _points_compiled(kernels, dataset, config, w0, b0, total, orders, lrs) -> np.ndarray:
    """:func:`_points` by the compiled loop, recording every update (a path buffer's arrays
    with room for all of them never thin)."""
    scalar = np.float32 if dataset.dtype == "float32" else np.float64
    x, y = _writable(dataset.x, scalar), _writable(dataset.y, scalar)
    n = x.size
    w, b, lr = scalar(w0), scalar(b0), scalar(config.learning_rate)
    delta, one, two = scalar(config.huber_delta), scalar(1), scalar(2)
    kind, fit_bias = kernels.LOSSES[config.loss], bool(config.fit_bias)
    data, index = np.empty((total + 2, 2)), np.empty(total + 2, dtype=np.int64)
    state = np.array([1, 1, 1, 1], dtype=np.int64)  # row 0: the start
    data[0] = w0, b0
    made, epoch = 0, 0
    with np.errstate(over="ignore", invalid="ignore"):
        while made < total:
            if lrs is not None:
                lr = scalar(lrs[epoch])
            take = min(n, total - made)
            order = (np.empty(0, dtype=np.int64) if orders is None
                     else _writable(orders[epoch][:take], np.int64))
            w, b = kernels.sgd(x, y, order, 0, take, w, b, lr, delta, one, two, kind, fit_bias,
                               data, index, state)
            w, b = scalar(w), scalar(b)
            made += take
            epoch += 1
    return _finite_prefix(data[:state[0]])


def _writable(a, dtype) -> np.ndarray:
    """``a`` as a contiguous, writable array of ``dtype`` (the types the compiled loop takes):
    itself if it is one."""
    a = np.asarray(a, dtype=dtype)
    return a if a.flags.c_contiguous and a.flags.writeable else np.array(a, order="C")
