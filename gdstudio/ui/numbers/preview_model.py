"""The preview of a run's first updates, kept current as the start, the settings or the data
change (no widgets).

The path is :func:`gdstudio.core.models.line.preview.preview_path`: the run the analytic
implementation
would make, computed on the GUI thread within a frame (full-batch MSE on the exact landscape;
other methods a bounded amount of NumPy). A shuffled run needs ``torch.randperm``'s
permutations for its seed and data size: they are drawn once on a short-lived helper thread
(torch never runs on the GUI thread) and cached; until they arrive the preview is None and
:attr:`PreviewModel.status` says why.

Logistic regression (``config.model == "logistic"``) previews with :func:`logistic_path`: the
analytic gradients ``(σ(z) − y)·x`` and ``(σ(z) − y)`` (the squared error on σ's
``2(σ − y)σ'``), in float64, batch by batch in the run's order; every step reads its batch's
points, so the work is bounded by :data:`LOGISTIC_WORK` point-gradients (a full batch of a
million points previews one update).
"""

from __future__ import annotations

import math
import threading

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from gdstudio.core.models.line.preview import (
    MAX_UPDATES,
    batch_size,
    epochs_needed,
    needs_orders,
    order_length,
    preview_path,
    shuffle_orders,
)

__all__ = ["LOGISTIC_WORK", "PreviewModel", "logistic_path", "previewable"]

#: point-gradients a logistic regression preview computes at most (each an exp)
LOGISTIC_WORK = 1_000_000


def logistic_path(dataset, config, w0: float, b0: float,
                  updates: int = MAX_UPDATES, orders=None) -> np.ndarray:
    """The start and the first updates of logistic regression's analytic run of ``config``
    from ``(w0, b0)``, in float64: rows ``(w, b)``. Fewer rows once a value leaves float64,
    past the run's epochs or :data:`LOGISTIC_WORK`. ``orders`` as for the line's
    :func:`~gdstudio.core.models.line.preview.preview_path` (required when the run
    shuffles)."""
    from gdstudio.core.settings.schedule import lr_values, scheduled

    x_all = np.asarray(dataset.x, dtype=np.float64)
    y_all = np.asarray(dataset.y, dtype=np.float64)
    n = x_all.size
    if n == 0:
        raise ValueError("The data set is empty: add at least one point.")
    size = batch_size(n, config)
    per_epoch = -(-n // size)
    total = max(0, min(updates, config.epochs * per_epoch, max(1, LOGISTIC_WORK // size)))
    if needs_orders(config) and (orders is None or len(orders) < -(-total // per_epoch)):
        raise ValueError("The preview of a shuffled run needs its permutations.")
    lrs = lr_values(config, -(-total // per_epoch) + 1).tolist() if scheduled(config) else None
    fit_bias, squared = bool(config.fit_bias), config.loss == "mse"
    w, b = float(w0), float(b0) if fit_bias else 0.0
    lr = float(config.learning_rate)
    rows = [(w, b)]
    epoch = 0
    with np.errstate(all="ignore"):
        while len(rows) <= total and math.isfinite(w) and math.isfinite(b):
            if lrs is not None:
                lr = lrs[min(epoch, len(lrs) - 1)]
            if orders is None:
                x, y = x_all, y_all
            else:
                order = orders[epoch][: (total - len(rows) + 1) * size]
                x, y = x_all[order], y_all[order]
            for start in range(0, min(n, x.size), size):
                xb, yb = x[start:start + size], y[start:start + size]
                z = w * xb + b
                e = np.exp(-np.abs(z))
                p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # σ(z), stable
                g = p - yb
                if squared:
                    g = 2.0 * g * p * (1.0 - p)
                m = xb.shape[0]
                w -= lr * (float(np.dot(g, xb)) / m)
                if fit_bias:
                    b -= lr * (float(np.sum(g)) / m)
                rows.append((w, b))
                if len(rows) > total or not (math.isfinite(w) and math.isfinite(b)):
                    break
            epoch += 1
    path = np.array(rows, dtype=np.float64).reshape(-1, 2)
    ok = np.all(np.isfinite(path), axis=1)
    return path if ok.all() else path[: int(np.argmin(ok))]


def previewable(config) -> bool:
    """True for plain steps ``w -= lr * grad`` (the analytic implementation's runs)."""
    return (config.optimizer == "sgd" and not config.momentum and not config.nesterov
            and not config.weight_decay)


class _Relay(QObject):
    #: (seed, n, epochs, length, permutations)
    ordersReady = Signal(int, int, int, int, object)


class PreviewModel(QObject):
    """The preview for a :class:`~gdstudio.ui.numbers.landscape_model.LandscapeModel`'s data.

    Call :meth:`set_start` and :meth:`set_config`; data changes come from the landscape
    model's ``dataChanged``. Each change recomputes the preview and emits it.
    """

    #: The preview changed: rows ``(w, b)`` (the start first), or None when there is none.
    previewChanged = Signal(object)

    def __init__(self, landscape_model, parent=None):
        super().__init__(parent)
        self.model = landscape_model
        self.config = None
        self.start: tuple[float, float] | None = None
        self.path = None
        #: why there is no preview (empty when there is one)
        self.status = ""
        self.updates = MAX_UPDATES
        self._orders = None  # (seed, n, epochs, length, permutations)
        self._drawing = None  # (seed, n, epochs, length) being drawn
        self._threads: list[threading.Thread] = []
        self._standardized = None  # (data set, its Standardization, standardized data, MSE)
        self._relay = _Relay(self)
        self._relay.ordersReady.connect(self._on_relay_orders_ready)
        landscape_model.dataChanged.connect(self._on_model_data_changed)

    def set_start(self, w: float, b: float) -> None:
        self.start = (float(w), float(b))
        self.recompute()

    def set_config(self, config) -> None:
        """The run's settings (a :class:`~gdstudio.core.training.engine.TrainConfig`)."""
        self.config = config
        self.recompute()

    @Slot()
    def _on_model_data_changed(self) -> None:
        self.recompute()

    def recompute(self) -> None:
        """Recompute and emit the preview (None, with :attr:`status`, when there is none)."""
        self.path = self._compute()
        self.previewChanged.emit(self.path)

    def _compute(self):
        config, dataset, start = self.config, self.model.dataset, self.start
        if config is None or start is None:
            self.status = "No start or settings yet."
            return None
        if dataset is None or len(dataset) == 0:
            self.status = "No data."
            return None
        if not previewable(config):
            self.status = ("No preview for momentum, weight decay or adaptive optimizers: "
                           "the preview takes plain steps w -= lr * grad.")
            return None
        n = len(dataset)
        orders = None
        if needs_orders(config):
            epochs = epochs_needed(n, config, self.updates)
            length = order_length(n, config)
            orders = self._cached_orders(config.seed, n, epochs, length)
            if orders is None:
                self.status = "Drawing the shuffled order of the points..."
                return None
        landscape = self.model.landscape
        try:
            if getattr(config, "model", "line") == "logistic":
                path = logistic_path(dataset, config, start[0], start[1], self.updates,
                                     orders)
                self.status = ""
                return path
            if getattr(config, "standardize", False):
                return self._standardized_path(dataset, config, start, orders)
            path = preview_path(dataset, config, start[0], start[1], self.updates,
                                landscape=landscape, orders=orders)
        except ValueError as exc:
            self.status = str(exc)
            return None
        self.status = ""
        return path

    def _standardized_path(self, dataset, config, start, orders):
        """A standardized run's preview: its run on the standardized data from the
        converted start, given back in the data's units (as the run's records are). The
        standardized data and its landscape are made once per data set (O(n))."""
        from gdstudio.core.data.standardize import Standardization
        from gdstudio.core.errors import DataError
        from gdstudio.core.models.line.landscape import MSELandscape

        if self._standardized is None or self._standardized[0] is not dataset:
            try:
                std = Standardization.of_dataset(dataset)
            except DataError as exc:
                self.status = str(exc)
                return None
            data = std.apply_dataset(dataset)
            self._standardized = (dataset, std, data, MSELandscape.from_dataset(data))
        _, std, data, landscape = self._standardized
        path = preview_path(data, config, *std.to_standardized(*start), self.updates,
                            landscape=landscape, orders=orders)
        self.status = ""
        out = np.array([std.to_original(ws, bs) for ws, bs in path],
                       dtype=np.float64).reshape(-1, 2)
        out[:1] = start  # the start as given (not its round trip through the run's dtype)
        return out

    # ------------------------------------------------------------------ permutations
    def _cached_orders(self, seed, n, epochs, length):
        cached = self._orders
        if (cached is not None and cached[0] == seed and cached[1] == n and cached[2] >= epochs
                and cached[3] >= length):
            return cached[4]
        wanted = (seed, n, epochs, length)
        if self._drawing != wanted:
            self._drawing = wanted
            relay = self._relay

            def work():
                relay.ordersReady.emit(seed, n, epochs, length,
                                       shuffle_orders(seed, n, epochs, length))

            thread = threading.Thread(target=work, name="gdstudio-shuffle", daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()
        return None

    @Slot(int, int, int, int, object)
    def _on_relay_orders_ready(self, seed, n, epochs, length, orders) -> None:
        if self._drawing == (seed, n, epochs, length):
            self._drawing = None
        self._orders = (seed, n, epochs, length, orders)
        self.recompute()

    def shutdown(self, timeout: float = 2.0) -> bool:
        """Wait (at most ``timeout`` seconds each) for permutation threads; True if done."""
        for thread in self._threads:
            thread.join(timeout)
        return not any(t.is_alive() for t in self._threads)
