"""The three implementations of a logistic-regression step, as the training engine uses them
(the same interface as :mod:`gdstudio.core.models.line.implementations`).

With ``z = w*x + b`` (``w*x`` without a bias) and labels ``y`` in {0, 1}:

``_Manual``
    the tutorial's hand-written autograd: ``p = torch.sigmoid(w * x + b)``, for the loss "bce"
    ``-torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))``, for "bce-logits"
    ``F.binary_cross_entropy_with_logits(w * x + b, y)``, for "mse"
    ``torch.mean((torch.sigmoid(w * x + b) - y) ** 2)``; then ``loss.backward()`` and
    ``w -= lr * w.grad`` under ``torch.no_grad()``, the gradients zeroed.
``_Module``
    ``nn.Linear(1, 1)``; ``nn.BCELoss()`` on ``torch.sigmoid(model(x))`` ("bce"),
    ``nn.BCEWithLogitsLoss()`` on ``model(x)`` ("bce-logits"), ``nn.MSELoss()`` on
    ``torch.sigmoid(model(x))`` ("mse"); any ``torch.optim`` optimizer the line offers.
``_Analytic``
    the plain steps with the gradients written out in NumPy (:mod:`.sigmoid`):
    ``dL/dz = sigmoid(z) - y`` for the cross-entropy ("bce" and "bce-logits" are the same
    function here), ``2 (sigmoid(z) - y) sigmoid(z) (1 - sigmoid(z))`` for "mse", times ``x``
    for ``w``, averaged over the batch. As the line's analytic path: full- and mini-batch steps
    compute in float64 (float32 data widened exactly, from the start rounded to float32 as
    the tutorial's tensors round it); stochastic steps compute in the data's precision (float32
    scalars for float32 data), with the sigmoid of each step computed in float64 and rounded
    once. It is not bitwise torch (torch's sigmoid and sums round differently): it is held
    to the tutorial's loop run in float64 from the same start, within
    ``4 * k * E * eps * S`` in ``||(w, b)||`` after E epochs of k updates (eps: float64's,
    or float32's for stochastic steps on float32 data; S the largest ``||(w, b)||`` of the
    run; see tests/core/models/logistic/test_parity_analytic.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gdstudio.core.data.dataset import TORCH_DTYPES
from gdstudio.core.models.line import implementations as line
from gdstudio.core.models.logistic.sigmoid import terms_and_slopes

if TYPE_CHECKING:
    from gdstudio.core.data.dataset import Dataset
    from gdstudio.core.settings.config import TrainConfig

__all__ = ["make_impl"]


def _hand_written_bce(z, y):
    p = torch.sigmoid(z)
    return -torch.mean(y * torch.log(p) + (1 - y) * torch.log(1 - p))


def _logits_bce(z, y):
    return F.binary_cross_entropy_with_logits(z, y)


def _sigmoid_mse(z, y):
    return torch.mean((torch.sigmoid(z) - y) ** 2)


_MANUAL_LOSSES = {"bce": _hand_written_bce, "bce-logits": _logits_bce, "mse": _sigmoid_mse}


class _Manual(line.Manual):
    """The tutorial's hand-written autograd loop (the line's, with a loss of this model:
    ``criterion(z, y)`` takes the logits)."""

    lean = False

    @staticmethod
    def loss_function(config: TrainConfig):
        return _MANUAL_LOSSES[config.loss]

    def probabilities(self, X, w: float, b: float):
        """p = sigmoid(w*x + b) of (w, b) on ``X``, computed as this loop computes it."""
        with torch.no_grad():
            wt = torch.tensor(w, dtype=X.dtype)
            z = wt * X + torch.tensor(b, dtype=X.dtype) if self.fit_bias else wt * X
            return torch.sigmoid(z)


class _Module(line.Module):
    """``nn.Linear(1, 1)``, a loss module of this model and a ``torch.optim`` optimizer (the
    line's, given p = sigmoid(model(x)), or the logits for BCEWithLogitsLoss)."""

    def __init__(self, config: TrainConfig, w0: float, b0: float, dtype):
        super().__init__(config, w0, b0, dtype)
        self.logits = config.loss == "bce-logits"

    @staticmethod
    def loss_module(config: TrainConfig):
        return {"bce": nn.BCELoss, "bce-logits": nn.BCEWithLogitsLoss,
                "mse": nn.MSELoss}[config.loss]()

    def predict(self, x):
        """What the loss module is given: the logits for BCEWithLogitsLoss, p otherwise."""
        z = self.model(x)
        return z if self.logits else torch.sigmoid(z)

    def probabilities(self, X, w: float, b: float):
        """p = sigmoid(model(x)) of (w, b) on ``X``, computed as ``nn.Linear`` computes it."""
        with torch.no_grad():
            weight = torch.tensor([[w]], dtype=X.dtype)
            bias = torch.tensor([b], dtype=X.dtype) if self.fit_bias else None
            return torch.sigmoid(F.linear(X, weight, bias))


class _Analytic:
    """The plain steps with the gradients written out (see the module docstring)."""

    CHUNK = 4096  # samples between pause/stop/progress checks in stochastic descent

    def __init__(self, config: TrainConfig, w0: float, b0: float, x, y):
        self.lr = float(config.learning_rate)
        self.fit_bias = config.fit_bias
        self.kind = "mse" if config.loss == "mse" else "ce"
        self.w, self.b = float(w0), float(b0) if config.fit_bias else 0.0
        self.x_data, self.y_data = np.asarray(x), np.asarray(y)
        self.x = np.asarray(self.x_data, dtype=np.float64)
        self.y = np.asarray(self.y_data, dtype=np.float64)
        self.scalar = np.float32 if self.x_data.dtype == np.float32 else float
        self._lists = None

    def _z(self, x) -> np.ndarray:
        with np.errstate(all="ignore"):
            z = self.w * x
            if self.fit_bias:
                z += self.b
        return z

    def full_loss(self, X=None, Y=None) -> float:
        terms, _ = terms_and_slopes(self._z(self.x), self.y, self.kind)
        return float(np.mean(terms))

    def parameters(self) -> tuple[float, float]:
        return self.w, self.b

    def _step(self, x, y) -> float:
        """One step on the batch ``x``, ``y`` (float64); returns the batch's loss before it."""
        terms, g = terms_and_slopes(self._z(x), y, self.kind)
        m = g.shape[0]
        with np.errstate(all="ignore"):
            # (the arithmetic the exported script prints: gdstudio.core.models.logistic.script)
            # (pairwise sums, as the script's: not np.dot, whose BLAS rounding depends on the
            # machine and its thread count)
            gb = float(np.sum(g)) / m
            gw = float(np.sum(np.multiply(g, x, out=g))) / m
            self.w -= self.lr * gw
            if self.fit_bias:
                self.b -= self.lr * gb
        return float(np.mean(terms))

    def batch_epoch(self) -> float:
        """One full-batch step; returns the loss before it."""
        return self._step(self.x, self.y)

    def epoch(self, order, size: int, tick, first: int = 0) -> int | None:
        """Steps over batches of ``size`` in ``order`` (None: data order) from batch ``first``,
        with ``tick`` between updates, as the line's analytic ``epoch``; returns the updates
        done if a stop came inside the epoch, None when it was completed."""
        if size == 1:
            return self._sgd_epoch(order, tick, first)
        x, y = (self.x, self.y) if order is None else (self.x[order], self.y[order])
        checkpoint = None if tick is None else tick.checkpoint
        path = None if tick is None else tick.path
        made, gap = 0, (0 if path is None else path.gap())  # updates since the last record
        for done, start in enumerate(range(0, x.shape[0], size)[first:], first):
            if tick is not None:  # tick(done), inlined (see Ticker)
                tick.done = done
                if done >= tick.next:
                    tick.clock(done)
                if checkpoint is not None and checkpoint():
                    if made:
                        path.advance(made, self.w, self.b)
                    return done
            self._step(x[start:start + size], y[start:start + size])
            if path is not None:
                made += 1
                if made == gap:
                    path.advance(made, self.w, self.b)
                    made, gap = 0, path.gap()
        if made:
            path.advance(made, self.w, self.b)
        return None

    def _scalar_lists(self) -> tuple[list, list]:
        """x and y as lists of the data's scalars, for the stochastic loop (made once)."""
        if self._lists is None:
            if self.scalar is np.float32:
                self._lists = list(self.x_data), list(self.y_data)
            else:
                self._lists = self.x.tolist(), self.y.tolist()
        return self._lists

    def _sgd_epoch(self, order, tick, first: int = 0) -> int | None:
        xs, ys = self._scalar_lists()
        if order is not None:
            xs = [xs[i] for i in order]
            ys = [ys[i] for i in order]
        w, b = self.scalar(self.w), self.scalar(self.b)
        steps = self._steps()
        path = None if tick is None else tick.path
        n = len(xs)
        with np.errstate(all="ignore"):  # (float32 scalars: w*x may overflow to inf, p = 1)
            for start in range(first, n, self.CHUNK):
                self.w, self.b = float(w), float(b)
                if tick is not None and tick(start):
                    return start
                stop = min(n, start + self.CHUNK)
                if path is None:
                    w, b = steps(xs[start:stop], ys[start:stop], w, b)
                    continue
                pos = start
                while pos < stop:
                    m = min(stop - pos, path.gap())
                    w, b = steps(xs[pos:pos + m], ys[pos:pos + m], w, b)
                    path.advance(m, float(w), float(b))
                    pos += m
        self.w, self.b = float(w), float(b)
        return None

    def _steps(self):
        """The plain loop of one-sample steps: ``steps(xs, ys, w, b)`` makes one update per
        sample, in the data's precision, and returns the parameters after them."""
        s = self.scalar
        lr, zero, two = s(self.lr), s(0), s(2)
        fit_bias, mse, exp = self.fit_bias, self.kind == "mse", math.exp

        def steps(xs, ys, w, b):
            for x, y in zip(xs, ys, strict=True):
                z = w * x + b if fit_bias else w * x
                zf = float(z)
                e = exp(-abs(zf))  # sigmoid(z) and 1 - sigmoid(z) in float64, no overflow
                big = 1.0 / (1.0 + e)
                p, q = (big, e * big) if zf >= 0 else (e * big, big)  # (NaN: NaN, NaN)
                p, q = s(p), s(q)
                g = p - y
                if mse:
                    g = two * g * p * q
                w = w - lr * (g * x)
                if fit_bias:
                    b = b - lr * g
            return w, b if fit_bias else zero
        return steps


def make_impl(config: TrainConfig, dataset: Dataset, w0: float, b0: float):
    """The implementation ``config.impl`` of logistic regression on ``dataset`` from (w0, b0)
    (the start rounded to float32 for float32 data, as the tutorial's tensors round it)."""
    if config.impl == "analytic":
        if dataset.dtype == "float32":
            with np.errstate(over="ignore"):
                w0, b0 = float(np.float32(w0)), float(np.float32(b0))
        return _Analytic(config, w0, b0, dataset.x, dataset.y)
    dtype = TORCH_DTYPES[dataset.dtype]
    return (_Manual if config.impl == "manual" else _Module)(config, w0, b0, dtype)


def analytic_loss(config: TrainConfig, dataset: Dataset, w: float, b: float) -> float:
    """The analytic path's full-data loss of (w, b) as given (float64)."""
    return _Analytic(config, w, b, dataset.x, dataset.y).full_loss()
