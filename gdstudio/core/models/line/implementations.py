"""The three implementations of a gradient step, as :func:`gdstudio.core.training.engine.train`
uses them.

``_Manual``
    tensors ``w`` and ``b`` with ``requires_grad``, ``loss.backward()``, then
    ``w -= lr * w.grad`` under ``torch.no_grad()`` and the gradients zeroed (tutorials 1, 2).
``_Module``
    ``nn.Linear(1, 1)``, a loss module (``nn.MSELoss`` ...) and a ``torch.optim`` optimizer.
``_Analytic``
    the same plain steps with the gradients written out, in NumPy and Python (no autograd).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from gdstudio.core.models.line import compiled

if TYPE_CHECKING:
    from gdstudio.core.settings.config import TrainConfig


def _loss_function(config: TrainConfig, module: bool):
    """The loss as the tutorials write it: a module for ``module``, an expression otherwise."""
    if config.loss == "mse":
        if module:
            return nn.MSELoss()
        return lambda pred, y: torch.mean((pred - y) ** 2)
    if config.loss == "mae":
        if module:
            return nn.L1Loss()
        return lambda pred, y: torch.mean(torch.abs(pred - y))
    if module:
        return nn.HuberLoss(delta=config.huber_delta)
    delta = config.huber_delta
    return lambda pred, y: torch.nn.functional.huber_loss(pred, y, delta=delta)


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    """The ``torch.optim`` optimizer the settings name."""
    lr, wd = config.learning_rate, config.weight_decay
    eps = {} if config.eps is None else {"eps": config.eps}
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=config.momentum,
                               nesterov=config.nesterov, weight_decay=wd)
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(config.beta1, config.beta2),
                                weight_decay=wd, **eps)
    if config.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=config.alpha, **eps,
                                   momentum=config.momentum, weight_decay=wd)
    return torch.optim.Adagrad(params, lr=lr, weight_decay=wd, **eps)


class _Manual:
    """Tutorials 1 and 2: hand-written autograd updates."""

    def __init__(self, config: TrainConfig, w0: float, b0: float, dtype):
        self.lr = config.learning_rate
        self.w = torch.tensor(w0, dtype=dtype, requires_grad=True)
        self.b = torch.tensor(b0, dtype=dtype, requires_grad=config.fit_bias)
        self.fit_bias = config.fit_bias
        self.criterion = self.loss_function(config)
        if config.loss == "mse" and config.fit_bias and self.lean:
            self.step = self._step_mse

    #: Tutorial 2's step written out serves the MSE with a bias (a model of its own, such as
    #: logistic regression's, turns it off).
    lean = True

    @staticmethod
    def loss_function(config: TrainConfig):
        """``criterion(forward(x), y)``: the loss as the tutorial writes it."""
        return _loss_function(config, module=False)

    def _step_mse(self, x, y):
        """Tutorial 2's step, written out (the common case, kept lean)."""
        w, b, lr = self.w, self.b, self.lr
        loss = torch.mean((w * x + b - y) ** 2)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        return loss

    def forward(self, x):
        if self.fit_bias:
            return self.w * x + self.b
        return self.w * x

    def step(self, x, y):
        loss = self.criterion(self.forward(x), y)
        loss.backward()
        w, b, lr = self.w, self.b, self.lr
        with torch.no_grad():
            w -= lr * w.grad
            if self.fit_bias:
                b -= lr * b.grad
        w.grad.zero_()
        if self.fit_bias:
            b.grad.zero_()
        return loss

    def full_loss(self, X, Y) -> float:
        with torch.no_grad():
            return self.criterion(self.forward(X), Y).item()

    def parameters(self) -> tuple[float, float]:
        return self.w.item(), (self.b.item() if self.fit_bias else 0.0)


class _Module:
    """Tutorial 3: ``nn.Linear`` + a loss module + a ``torch.optim`` optimizer."""

    def __init__(self, config: TrainConfig, w0: float, b0: float, dtype):
        # nn.Linear draws a start from the global RNG; keep the caller's random state as it was.
        with torch.random.fork_rng(devices=[]):
            self.model = nn.Linear(1, 1, bias=config.fit_bias, dtype=dtype)
        with torch.no_grad():
            self.model.weight.fill_(w0)
            if config.fit_bias:
                self.model.bias.fill_(b0)
        self.fit_bias = config.fit_bias
        self.criterion = self.loss_module(config)
        self.optimizer = make_optimizer(config, self.model.parameters())

    @staticmethod
    def loss_module(config: TrainConfig):
        """The loss module (``nn.MSELoss()`` ...) that takes :meth:`predict`'s output."""
        return _loss_function(config, module=True)

    def predict(self, x):
        """What the loss module is given: ``model(x)``."""
        return self.model(x)

    def step(self, x, y):
        loss = self.criterion(self.predict(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss

    def full_loss(self, X, Y) -> float:
        with torch.no_grad():
            return self.criterion(self.predict(X), Y).item()

    def parameters(self) -> tuple[float, float]:
        return (self.model.weight.item(),
                self.model.bias.item() if self.fit_bias else 0.0)


_NO_ORDER = np.empty(0, dtype=np.int64)  # the compiled loops' "the data's own order"
_NO_PATH_DATA, _NO_PATH_INDEX = np.empty((2, 2)), np.empty(2, dtype=np.int64)


def _writable(a: np.ndarray) -> np.ndarray:
    """``a`` itself if contiguous and writable (the array types the compiled loops are built
    for), else a copy that is."""
    return a if a.flags.c_contiguous and a.flags.writeable else np.array(a, order="C")


class _Analytic:
    """The same plain gradient steps with the gradients written out, in float64 NumPy and
    Python: no autograd, so stochastic descent runs many times faster. It matches the
    autograd path to rounding (float64 here, the data's dtype there)."""

    CHUNK = 4096  # samples between pause/stop/progress checks in stochastic descent
    #: point-gradients per call of a compiled loop when nothing is checked between updates
    #: (no pause, stop, progress or path): a few milliseconds. With checks, the compiled
    #: loops check where the Python loops do (every CHUNK samples, every mini-batch).
    COMPILED_CHUNK = 1 << 17

    def __init__(self, config: TrainConfig, w0: float, b0: float, x, y):
        self.lr = float(config.learning_rate)
        self.fit_bias = config.fit_bias
        self.kind = config.loss
        self.delta = float(config.huber_delta)
        self.w, self.b = float(w0), float(b0) if config.fit_bias else 0.0
        #: The data as given (not copied); the steps compute in float64 all the same.
        self.x_data, self.y_data = np.asarray(x), np.asarray(y)
        # float32 data: its stochastic steps run on float32 scalars, which round like the
        # tutorial's float32 tensors
        self.scalar = np.float32 if self.x_data.dtype == np.float32 else float
        self._x64 = self._y64 = None  # float64 copies of other data, made when needed
        self._lists = None  # see _scalar_lists
        self._e = self._g = None  # a full-data pass's two buffers, kept for the next
        self._small = None  # and the Huber loss's mask

    @property
    def x(self) -> np.ndarray:
        """x in float64 (the data itself when it is float64; a copy made once otherwise)."""
        if self._x64 is None:
            self._x64 = np.asarray(self.x_data, dtype=np.float64)
        return self._x64

    @property
    def y(self) -> np.ndarray:
        """y in float64 (as :attr:`x`)."""
        if self._y64 is None:
            self._y64 = np.asarray(self.y_data, dtype=np.float64)
        return self._y64

    def _scalar_lists(self) -> tuple[list, list]:
        """x and y as lists of the data's scalars (``self.scalar``), for a loop in Python;
        made the first time they are asked for (a full-batch run never needs them: they
        cost about 64 bytes a point)."""
        if self._lists is None:
            if self.scalar is np.float32:
                # lists of float32 scalars: Python arithmetic on them rounds like float32 tensors
                self._lists = list(self.x_data), list(self.y_data)
            else:
                self._lists = self.x.tolist(), self.y.tolist()
        return self._lists

    @property
    def xs(self) -> list:
        return self._scalar_lists()[0]

    @property
    def ys(self) -> list:
        return self._scalar_lists()[1]

    def _dloss(self, e, out=None):
        """d loss / d prediction for each residual e (before dividing by the batch size);
        into ``out`` if given."""
        if self.kind == "mse":
            return np.multiply(2.0, e, out=out)
        if self.kind == "mae":
            return np.sign(e, out=out)
        return np.clip(e, -self.delta, self.delta, out=out)

    def _loss(self, e, scratch=None) -> float:
        """The mean loss of the residuals e; ``scratch``: a float64 buffer of e's size that
        may be written (no other full-size array is made then)."""
        if self.kind == "mse":
            return float(np.mean(np.multiply(e, e, out=scratch)))
        a = np.abs(e, out=scratch)
        if self.kind == "mae":
            return float(np.mean(a))
        d = self.delta
        if scratch is None:
            return float(np.mean(np.where(a < d, 0.5 * e * e, d * (a - 0.5 * d))))
        # the same numbers, elementwise, in the scratch buffer: d*(a - d/2), and 0.5*e*e where
        # a < d
        if self._small is None:
            self._small = np.empty(e.shape[0], dtype=bool)
        small = np.less(a, d, out=self._small)
        loss = np.multiply(d, np.subtract(a, 0.5 * d, out=a), out=a)
        np.multiply(0.5, e, out=loss, where=small)
        np.multiply(loss, e, out=loss, where=small)
        return float(np.mean(loss))

    def _residuals(self) -> np.ndarray:
        """e = w*x + b - y of all the data, in float64, in a buffer kept for the next pass
        (with a second one, :attr:`_g`)."""
        if self._e is None:
            n = self.x_data.shape[0]
            self._e, self._g = np.empty(n), np.empty(n)
        e = self._e
        np.multiply(self.w, self.x, out=e)
        np.add(e, self.b, out=e)
        # float32 y is cast to float64 exactly, element by element, as it is read
        return np.subtract(e, self.y_data, out=e, dtype=np.float64)

    def full_loss(self, X=None, Y=None) -> float:
        kernels = compiled.ready()
        # the same sum in one compiled pass, over the arrays the compiled steps read (float32
        # data: its float32 copy, the same numbers widened exactly, half the memory to read);
        # a full-batch run already holds its buffers: it reuses them and copies nothing
        if kernels is not None and self._e is None and self.x_data.shape[0]:
            x, y = self._samples()
            return float(kernels.loss(x, y, float(self.w), float(self.b),
                                      kernels.LOSSES[self.kind], self.delta))
        with np.errstate(all="ignore"):
            e = self._residuals()
            return self._loss(e, self._g)

    def parameters(self) -> tuple[float, float]:
        return self.w, self.b

    def batch_epoch(self) -> float:
        """One full-batch step; returns the loss before it.

        Two float64 buffers of the data's size, kept from one epoch to the next, hold every
        intermediate (16 bytes a point; float32 data: 8 more for x in float64; the Huber
        loss: 1 more), with the numbers of the plain NumPy expressions: the same elementwise
        operations in the same order, the same sums.
        """
        with np.errstate(all="ignore"):
            e = self._residuals()
            g = self._dloss(e, out=self._g)
            n = e.shape[0]
            gw = float(np.dot(g, self.x)) / n
            gb = float(np.sum(g)) / n
            loss = self._loss(e, g)
        self.w -= self.lr * gw
        if self.fit_bias:
            self.b -= self.lr * gb
        return loss

    def epoch(self, order, size: int, tick, first: int = 0) -> int | None:
        """Steps over batches of ``size`` in ``order`` (None: data order), from batch
        ``first`` (an epoch that a stop interrupted there, continued).

        ``tick(done)`` (see :class:`gdstudio.core.training.control.Ticker`) is called between
        updates with the updates done in the epoch, once :meth:`parameters` holds the
        parameters after them; if it returns True the epoch stops there and that count is
        returned. None: the epoch was completed.
        """
        if size == 1:
            return self._sgd_epoch(order, tick, first)
        compiled.prepare()
        kernels = compiled.ready()
        if kernels is not None and kernels.BLAS:
            return self._compiled_batches(kernels, order, size, tick, first)
        x, y = (self.x, self.y) if order is None else (self.x[order], self.y[order])
        lr, fit_bias = self.lr, self.fit_bias
        n = x.shape[0]
        checkpoint = None if tick is None else tick.checkpoint
        path = None if tick is None else tick.path
        made, gap = 0, (0 if path is None else path.gap())  # updates since the last record
        with np.errstate(all="ignore"):
            for done, start in enumerate(range(0, n, size)[first:], first):
                if tick is not None:  # tick(done), inlined (see Ticker)
                    tick.done = done
                    if done >= tick.next:
                        tick.clock(done)
                    if checkpoint is not None and checkpoint():
                        if made:
                            path.advance(made, self.w, self.b)
                        return done
                xb, yb = x[start:start + size], y[start:start + size]
                g = self._dloss(self.w * xb + self.b - yb)
                m = xb.shape[0]
                gw, gb = float(np.dot(g, xb)) / m, float(np.sum(g)) / m
                self.w -= lr * gw
                if fit_bias:
                    self.b -= lr * gb
                if path is not None:
                    made += 1
                    if made == gap:
                        path.advance(made, self.w, self.b)
                        made, gap = 0, path.gap()
        if made:
            path.advance(made, self.w, self.b)
        return None

    def _sgd_epoch(self, order, tick, first: int = 0) -> int | None:
        # One sample at a time in the data's own precision (float32 scalars for float32 data,
        # as the tutorial's tensors are), in the order autograd evaluates it:
        # e = (w*x + b) - y; g = 2*e; w = w - lr*(g*x); b = b - lr*g.
        # The compiled loop does the same bit for bit: used from the first chunk after it
        # has loaded (see gdstudio.core.models.line.compiled).
        compiled.prepare()
        kernels = compiled.ready()
        if kernels is not None:
            return self._compiled_sgd(kernels, order, tick, first)
        xs, ys = self.xs, self.ys
        if order is not None:
            xs = [xs[i] for i in order]
            ys = [ys[i] for i in order]
        w, b = self.scalar(self.w), self.scalar(self.b)
        steps = self._steps()
        path = None if tick is None else tick.path
        n = len(xs)
        with np.errstate(all="ignore"):
            for start in range(first, n, self.CHUNK):
                self.w, self.b = float(w), float(b)
                kernels = compiled.ready()  # (loaded meanwhile: the rest runs compiled)
                if kernels is not None:
                    return self._compiled_sgd(kernels, order, tick, start)
                if tick is not None and tick(start):
                    return start
                stop = min(n, start + self.CHUNK)
                if path is None:
                    w, b = steps(xs[start:stop], ys[start:stop], w, b)
                    continue
                # the updates between two kept points run as one plain loop, so recording
                # costs a call per kept point (every update only while the path is short)
                pos = start
                while pos < stop:
                    m = min(stop - pos, path.gap())
                    w, b = steps(xs[pos:pos + m], ys[pos:pos + m], w, b)
                    path.advance(m, float(w), float(b))
                    pos += m
        self.w, self.b = float(w), float(b)
        return None

    def _samples(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y in the precision of the steps (float32 for float32 data), as the compiled
        loops take them (contiguous, writable)."""
        if self.scalar is float:
            return self._columns()
        if getattr(self, "_samples32", None) is None:  # (float32 -> float64 -> float32: exact)
            self._samples32 = (self.x.astype(np.float32), self.y.astype(np.float32))
        return self._samples32

    def _columns(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y in float64 as the compiled loops take them (contiguous, writable): the
        arrays themselves, or one copy made for the run (not one an epoch)."""
        if getattr(self, "_columns64", None) is None:
            self._columns64 = (_writable(self.x), _writable(self.y))
        return self._columns64

    @staticmethod
    def _recorder(path):
        if path is None:
            return _NO_PATH_DATA, _NO_PATH_INDEX, np.array([0, 1, 0, 0], dtype=np.int64)
        return path.arrays()

    def _compiled_sgd(self, kernels, order, tick, first: int) -> int | None:
        """:meth:`_sgd_epoch` by the compiled loop (:func:`~gdstudio.core.models.line.compiled.
        kernels.sgd`), in chunks of :attr:`COMPILED_CHUNK` between two ticks."""
        x, y = self._samples()
        order = _NO_ORDER if order is None else _writable(np.asarray(order, dtype=np.int64))
        s = self.scalar if self.scalar is not float else np.float64
        w, b = s(self.w), s(self.b)
        lr, delta, one, two = s(self.lr), s(self.delta), s(1), s(2)
        kind, fit_bias = kernels.LOSSES[self.kind], bool(self.fit_bias)
        path = None if tick is None else tick.path
        data, index, state = self._recorder(path)
        n, chunk = x.shape[0], (self.COMPILED_CHUNK if tick is None else self.CHUNK)
        for start in range(first, n, chunk):
            if tick is not None:
                self.w, self.b = float(w), float(b)
                if tick(start):
                    return start
            w, b = kernels.sgd(x, y, order, start, min(n, start + chunk), w, b, lr, delta, one,
                               two, kind, fit_bias, data, index, state)
            w, b = s(w), s(b)
            if path is not None:
                path.recorded(state, w, b)
        self.w, self.b = float(w), float(b)
        return None

    def _compiled_batches(self, kernels, order, size: int, tick, first: int) -> int | None:
        """The mini-batch :meth:`epoch` by the compiled loop (:func:`~gdstudio.core.models.
        line.compiled.kernels.minibatch`): a tick before each batch, as there, or without
        ticks about :attr:`COMPILED_CHUNK` point-gradients a call."""
        x, y = self._columns()  # (float64 for float32 data, too)
        order = _NO_ORDER if order is None else _writable(np.asarray(order, dtype=np.int64))
        kind, fit_bias = kernels.LOSSES[self.kind], bool(self.fit_bias)
        path = None if tick is None else tick.path
        data, index, state = self._recorder(path)
        batches = -(-x.shape[0] // size)
        per = 1 if tick is not None else max(1, self.COMPILED_CHUNK // size)
        xb, g = np.empty(size), np.empty(size)
        w, b = float(self.w), float(self.b)
        for done in range(first, batches, per):
            if tick is not None:
                self.w, self.b = w, b
                if tick(done):
                    return done
            w, b = kernels.minibatch(x, y, order, size, done, min(batches, done + per), w, b,
                                     self.lr, self.delta, kind, fit_bias, xb, g, data, index,
                                     state)
            if path is not None:
                path.recorded(state, w, b)
        self.w, self.b = w, b
        return None

    def _steps(self):
        """The plain loop of one-sample steps for this loss: ``steps(xs, ys, w, b)`` makes
        one update per sample and returns the parameters after them."""
        lr, delta = self.scalar(self.lr), self.scalar(self.delta)
        one, zero = self.scalar(1), self.scalar(0)
        kind = self.kind
        if kind == "mse" and self.fit_bias:
            def steps(xs, ys, w, b, lr=lr):
                for x, y in zip(xs, ys, strict=True):
                    g = 2 * (w * x + b - y)
                    w = w - lr * (g * x)
                    b = b - lr * g
                return w, b
        elif kind == "mse":
            def steps(xs, ys, w, b, lr=lr):
                for x, y in zip(xs, ys, strict=True):
                    g = 2 * (w * x - y)
                    w = w - lr * (g * x)
                return w, b
        else:
            def steps(xs, ys, w, b, lr=lr, delta=delta, one=one, zero=zero,
                      fit_bias=self.fit_bias, mae=kind == "mae"):
                for x, y in zip(xs, ys, strict=True):
                    e = w * x + b - y if fit_bias else w * x - y
                    if mae:
                        g = one if e > 0 else (-one if e < 0 else zero)
                    else:
                        g = e if -delta < e < delta else (delta if e > 0 else -delta)
                    w = w - lr * (g * x)
                    if fit_bias:
                        b = b - lr * g
                return w, b
        return steps


#: The line's autograd loops, for a model that trains as the line does with its own loss
#: (logistic regression's).
Manual, Module = _Manual, _Module
