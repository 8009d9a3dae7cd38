"""The training engine: a generator of one immutable record per epoch.

It trains ``y = w*x + b`` exactly as the classic PyTorch tutorials do:

``manual``
    tensors ``w`` and ``b`` with ``requires_grad``, ``loss.backward()``, then
    ``w -= lr * w.grad`` under ``torch.no_grad()`` and the gradients zeroed.
``module``
    ``nn.Linear(1, 1)``, a loss module (``nn.MSELoss`` ...) and a ``torch.optim`` optimizer.

Each record holds the full-data loss of the parameters at the *start* of the epoch and ``w``,
``b`` *after* it, which is the table the tutorials print.
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from .data import TORCH_DTYPES, Dataset
from .divergence import DivergenceWatch
from .errors import ConfigError, DataError

METHODS = ("batch", "sgd", "minibatch")
IMPLEMENTATIONS = ("manual", "module", "analytic")
OPTIMIZERS = ("sgd", "adam", "rmsprop", "adagrad")
LOSSES = ("mse", "mae", "huber")

METHOD_LABELS = {"batch": "batch", "sgd": "stochastic", "minibatch": "mini-batch"}
IMPL_LABELS = {"manual": "manual autograd", "module": "nn.Linear + torch.optim",
               "analytic": "analytic gradients"}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a run, besides the data.

    ``init_w`` / ``init_b`` of ``None`` draw the start from ``seed`` the way
    ``torch.manual_seed(seed); nn.Linear(1, 1)`` does.
    """

    method: str = "batch"
    impl: str = "manual"
    optimizer: str = "sgd"
    loss: str = "mse"
    learning_rate: float = 0.1
    epochs: int = 20
    batch_size: int = 10
    init_w: float | None = -10.0
    init_b: float | None = -20.0
    seed: int = 0
    shuffle: bool = False
    fit_bias: bool = True
    momentum: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    alpha: float = 0.99
    eps: float | None = None  # None: the optimizer's own default (1e-8, Adagrad 1e-10)
    huber_delta: float = 1.0

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def validate(self, dtype: str | None = None) -> None:
        """Raise :class:`ConfigError` with a clear message for any invalid setting.

        With ``dtype``, the data's (``"float32"`` or ``"float64"``), also check that every
        number the run computes with fits that type (:mod:`gdstudio.core.limits`).
        """

        def finite(name, value):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{name} must be a number, got {value!r}.")
            if not math.isfinite(value):
                raise ConfigError(f"{name} must be finite, got {value!r}.")

        for name, allowed in (("method", METHODS), ("implementation", IMPLEMENTATIONS),
                              ("optimizer", OPTIMIZERS), ("loss", LOSSES)):
            value = getattr(self, {"implementation": "impl"}.get(name, name))
            if value not in allowed:
                raise ConfigError(f"Unknown {name} {value!r}; choose one of {', '.join(allowed)}.")
        finite("learning rate", self.learning_rate)
        if self.learning_rate <= 0:
            raise ConfigError(f"The learning rate must be positive, got {self.learning_rate!r}.")
        if not isinstance(self.epochs, int) or isinstance(self.epochs, bool) or self.epochs < 1:
            raise ConfigError(f"Epochs must be a whole number of at least 1, got {self.epochs!r}.")
        if (not isinstance(self.batch_size, int) or isinstance(self.batch_size, bool)
                or self.batch_size < 1):
            raise ConfigError(
                f"The batch size must be a whole number of at least 1, got {self.batch_size!r}."
            )
        for name in ("init_w", "init_b"):
            value = getattr(self, name)
            if value is not None:
                finite(name.replace("_", " "), value)
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or not (
            0 <= self.seed < 2**63
        ):
            raise ConfigError(f"The seed must be a whole number from 0, got {self.seed!r}.")
        finite("momentum", self.momentum)
        if not 0 <= self.momentum < 1:
            raise ConfigError(f"Momentum must be in [0, 1), got {self.momentum!r}.")
        finite("weight decay", self.weight_decay)
        if self.weight_decay < 0:
            raise ConfigError(f"Weight decay must be 0 or more, got {self.weight_decay!r}.")
        for name in ("beta1", "beta2", "alpha"):
            value = getattr(self, name)
            finite(name, value)
            if not 0 <= value < 1:
                raise ConfigError(f"{name} must be in [0, 1), got {value!r}.")
        if self.eps is not None:
            finite("eps", self.eps)
        if self.eps is not None and self.eps <= 0:
            raise ConfigError(f"eps must be positive, got {self.eps!r}.")
        finite("Huber delta", self.huber_delta)
        if self.huber_delta <= 0:
            raise ConfigError(f"The Huber delta must be positive, got {self.huber_delta!r}.")
        if self.nesterov and (self.optimizer != "sgd" or self.momentum <= 0):
            raise ConfigError("Nesterov momentum needs the SGD optimizer and a momentum above 0.")
        if self.impl in ("manual", "analytic") and (
            self.optimizer != "sgd" or self.momentum or self.nesterov or self.weight_decay
        ):
            raise ConfigError(
                f"The {self.impl} implementation takes plain steps w -= lr * grad; choose the "
                "module implementation (nn.Linear + torch.optim) for momentum, weight decay, "
                "Adam, RMSprop or Adagrad."
            )
        if dtype is not None:
            from .limits import check_dtype_limits

            check_dtype_limits(self, dtype)

    def describe(self) -> str:
        """A short label such as ``'mini-batch (B=10), manual autograd, lr=0.1'``."""
        method = METHOD_LABELS[self.method]
        if self.method == "minibatch":
            method += f" (B={self.batch_size})"
        impl = IMPL_LABELS[self.impl]
        if self.impl == "module":
            impl = f"nn.Linear + {self.optimizer_label()}"
        return f"{method}, {impl}, lr={self.learning_rate:g}"

    def short_label(self) -> str:
        """A legend-sized label: ``'mini-batch B=10 · manual · lr 0.01'``."""
        method = METHOD_LABELS[self.method]
        if self.method == "minibatch":
            method += f" B={self.batch_size}"
        impl = {"manual": "manual", "analytic": "analytic"}.get(self.impl)
        if impl is None:
            impl = self.optimizer_label()
        return f"{method} · {impl} · lr {self.learning_rate:g}"

    def optimizer_label(self) -> str:
        name = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}[
            self.optimizer
        ]
        if self.optimizer == "sgd" and self.momentum:
            name += f"(momentum={self.momentum:g}{', nesterov' if self.nesterov else ''})"
        return name


class EpochRecord(NamedTuple):
    """One epoch of history (immutable; a named tuple because it is made once per epoch).

    ``loss`` is the full-data loss of the parameters at the start of the epoch; ``w`` and
    ``b`` are the parameters after it. ``samples_seen`` and ``updates`` count from the start
    of the run.
    """

    epoch: int
    loss: float
    w: float
    b: float
    samples_seen: int
    updates: int


class TrainingControl:
    """Pause and stop flags shared between a training thread and its owner.

    Thread-safe: any thread may call :meth:`pause`, :meth:`resume`, :meth:`stop` and
    :meth:`sleep`; the engine calls :meth:`checkpoint` between updates, which blocks while
    paused and returns ``True`` once the run should stop. ``before_wait``, if set, is called
    (in the training thread) just before a checkpoint blocks, so that pending results can be
    delivered first.
    """

    def __init__(self):
        self._running = threading.Event()
        self._running.set()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._stop = False
        self.before_wait = None

    def pause(self) -> None:
        """Pause before the next update; does nothing once stopped (stop is final)."""
        with self._lock:
            if not self._stop:
                self._running.clear()
                self._wake.set()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        with self._lock:
            self._stop = True
            self._running.set()
            self._wake.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop

    def checkpoint(self) -> bool:
        if not self._running.is_set():
            if self.before_wait is not None:
                self.before_wait()
            self._running.wait()
        return self._stop

    def sleep(self, seconds: float) -> None:
        """Wait up to ``seconds``; returns early on pause or stop."""
        self._wake.clear()
        if self._stop or not self._running.is_set():
            return
        self._wake.wait(seconds)


def initial_parameters(config: TrainConfig, dtype: str = "float32") -> tuple[float, float]:
    """The start (w, b): as given, or drawn from the seed like ``nn.Linear(1, 1)``.

    The global random state is restored afterwards.
    """
    w, b = config.init_w, config.init_b
    if w is None or b is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            layer = nn.Linear(1, 1, bias=config.fit_bias, dtype=TORCH_DTYPES[dtype])
        if w is None:
            w = layer.weight.item()
        if b is None:
            b = layer.bias.item() if config.fit_bias else 0.0
    if not config.fit_bias:
        b = 0.0
    return float(w), float(b)


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
        self.criterion = _loss_function(config, module=False)
        if config.loss == "mse" and config.fit_bias:
            self.step = self._step_mse

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
        self.criterion = _loss_function(config, module=True)
        self.optimizer = make_optimizer(config, self.model.parameters())

    def step(self, x, y):
        loss = self.criterion(self.model(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss

    def full_loss(self, X, Y) -> float:
        with torch.no_grad():
            return self.criterion(self.model(X), Y).item()

    def parameters(self) -> tuple[float, float]:
        return (self.model.weight.item(),
                self.model.bias.item() if self.fit_bias else 0.0)


class _Analytic:
    """The same plain gradient steps with the gradients written out, in float64 NumPy and
    Python: no autograd, so stochastic descent runs many times faster. It matches the
    autograd path to rounding (float64 here, the data's dtype there)."""

    CHUNK = 4096  # samples between pause/stop checks in stochastic descent

    def __init__(self, config: TrainConfig, w0: float, b0: float, x, y):
        self.lr = float(config.learning_rate)
        self.fit_bias = config.fit_bias
        self.kind = config.loss
        self.delta = float(config.huber_delta)
        self.w, self.b = float(w0), float(b0) if config.fit_bias else 0.0
        self.x = np.asarray(x, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.float64)
        if np.asarray(x).dtype == np.float32:
            # lists of float32 scalars: Python arithmetic on them rounds like float32 tensors
            self.scalar = np.float32
            self.xs, self.ys = list(np.asarray(x)), list(np.asarray(y))
        else:
            self.scalar = float
            self.xs, self.ys = self.x.tolist(), self.y.tolist()

    def _dloss(self, e):
        """d loss / d prediction for each residual e (before dividing by the batch size)."""
        if self.kind == "mse":
            return 2.0 * e
        if self.kind == "mae":
            return np.sign(e)
        return np.clip(e, -self.delta, self.delta)

    def _loss(self, e) -> float:
        if self.kind == "mse":
            return float(np.mean(e * e))
        a = np.abs(e)
        if self.kind == "mae":
            return float(np.mean(a))
        d = self.delta
        return float(np.mean(np.where(a < d, 0.5 * e * e, d * (a - 0.5 * d))))

    def full_loss(self, X=None, Y=None) -> float:
        with np.errstate(all="ignore"):
            return self._loss(self.w * self.x + self.b - self.y)

    def parameters(self) -> tuple[float, float]:
        return self.w, self.b

    def batch_epoch(self) -> float:
        """One full-batch step; returns the loss before it."""
        with np.errstate(all="ignore"):
            e = self.w * self.x + self.b - self.y
            g = self._dloss(e)
            n = e.shape[0]
            gw = float(np.dot(g, self.x)) / n
            gb = float(np.sum(g)) / n
            loss = self._loss(e)
        self.w -= self.lr * gw
        if self.fit_bias:
            self.b -= self.lr * gb
        return loss

    def epoch(self, order, size: int, checkpoint) -> bool:
        """Steps over batches of ``size`` in ``order`` (None: data order); True if stopped."""
        if size == 1:
            return self._sgd_epoch(order, checkpoint)
        x, y = (self.x, self.y) if order is None else (self.x[order], self.y[order])
        lr, fit_bias = self.lr, self.fit_bias
        n = x.shape[0]
        with np.errstate(all="ignore"):
            for start in range(0, n, size):
                if checkpoint is not None and checkpoint():
                    return True
                xb, yb = x[start:start + size], y[start:start + size]
                g = self._dloss(self.w * xb + self.b - yb)
                m = xb.shape[0]
                gw, gb = float(np.dot(g, xb)) / m, float(np.sum(g)) / m
                self.w -= lr * gw
                if fit_bias:
                    self.b -= lr * gb
        return False

    def _sgd_epoch(self, order, checkpoint) -> bool:
        # One sample at a time in the data's own precision (float32 scalars for float32 data,
        # as the tutorial's tensors are), in the order autograd evaluates it:
        # e = (w*x + b) - y; g = 2*e; w = w - lr*(g*x); b = b - lr*g.
        xs, ys = self.xs, self.ys
        if order is not None:
            xs = [xs[i] for i in order]
            ys = [ys[i] for i in order]
        w, b, lr = self.scalar(self.w), self.scalar(self.b), self.scalar(self.lr)
        delta = self.scalar(self.delta)
        one, zero = self.scalar(1), self.scalar(0)
        fit_bias, kind = self.fit_bias, self.kind
        n = len(xs)
        with np.errstate(all="ignore"):
            for start in range(0, n, self.CHUNK):
                if checkpoint is not None and checkpoint():
                    self.w, self.b = float(w), float(b)
                    return True
                stop = min(n, start + self.CHUNK)
                if kind == "mse" and fit_bias:
                    for x, y in zip(xs[start:stop], ys[start:stop], strict=True):
                        g = 2 * (w * x + b - y)
                        w = w - lr * (g * x)
                        b = b - lr * g
                elif kind == "mse":
                    for x, y in zip(xs[start:stop], ys[start:stop], strict=True):
                        g = 2 * (w * x - y)
                        w = w - lr * (g * x)
                else:
                    for x, y in zip(xs[start:stop], ys[start:stop], strict=True):
                        e = w * x + b - y if fit_bias else w * x - y
                        if kind == "mae":
                            g = one if e > 0 else (-one if e < 0 else zero)
                        else:
                            g = e if -delta < e < delta else (delta if e > 0 else -delta)
                        w = w - lr * (g * x)
                        if fit_bias:
                            b = b - lr * g
        self.w, self.b = float(w), float(b)
        return False


def _make_impl(config: TrainConfig, dataset: Dataset, w0: float, b0: float):
    if config.impl == "analytic":
        if dataset.dtype == "float32":
            # Start where the tutorial's float32 tensors start (torch.tensor(w0) rounds).
            with np.errstate(over="ignore"):
                w0, b0 = float(np.float32(w0)), float(np.float32(b0))
        return _Analytic(config, w0, b0, dataset.x, dataset.y)
    dtype = TORCH_DTYPES[dataset.dtype]
    return (_Manual if config.impl == "manual" else _Module)(config, w0, b0, dtype)


def train(
    dataset: Dataset, config: TrainConfig, control: TrainingControl | None = None
) -> Iterator[EpochRecord]:
    """Train and yield one :class:`EpochRecord` per epoch.

    Same data, seed and settings give bitwise the same history. The generator may be paused
    between updates through ``control`` (or simply not advanced) without changing any number.

    Raises
    ------
    ConfigError, DataError
        Before the first epoch, for invalid settings or an empty data set.
    TrainingDiverged
        By the rule of :mod:`.divergence`, checked before every epoch and after the last;
        the records yielded before it stand, and its ``epoch`` is their number.
    """
    config.validate(dataset.dtype)
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point before training.")
    return _run(dataset, config, control)


def _run(dataset: Dataset, config: TrainConfig, control: TrainingControl | None):
    n = len(dataset)
    w0, b0 = initial_parameters(config, dataset.dtype)
    impl = _make_impl(config, dataset, w0, b0)
    analytic = isinstance(impl, _Analytic)
    X, Y = (None, None) if analytic else dataset.tensors()
    step = None if analytic else impl.step
    checkpoint = control.checkpoint if control is not None else None
    shuffle = config.shuffle and config.method != "batch"
    generator = torch.Generator().manual_seed(config.seed) if shuffle else None
    size = {"batch": n, "sgd": 1, "minibatch": config.batch_size}[config.method]
    size = min(size, n)
    starts = range(0, n, size)
    samples = updates = 0
    w, b = w0, b0
    good = (w0, b0, None)  # the last parameters with a finite full-data loss, and that loss
    watch = DivergenceWatch(dataset, config)  # the divergence rule (see its module)
    limit = watch.limit  # a loss that is not <= limit (NaN included) goes to the watch

    for epoch in range(config.epochs):
        if checkpoint is not None and checkpoint():
            return
        if size == n and generator is None:  # one unshuffled batch: its loss is the record's
            loss = impl.batch_epoch() if analytic else step(X, Y).item()
            if not loss <= limit:
                limit = watch.check(epoch, loss, w, b, good)
            good = (w, b, loss)
            samples += n
            updates += 1
        else:
            loss = impl.full_loss(X, Y)
            if not loss <= limit:
                limit = watch.check(epoch, loss, w, b, good)
            good = (w, b, loss)
            order = None if generator is None else torch.randperm(n, generator=generator)
            if analytic:
                if impl.epoch(None if order is None else order.numpy(), size, checkpoint):
                    return
            else:
                Xe, Ye = (X, Y) if order is None else (X[order], Y[order])
                for start in starts:
                    if checkpoint is not None and checkpoint():
                        return
                    step(Xe[start:start + size], Ye[start:start + size])
            samples += n
            updates += len(starts)
        w, b = impl.parameters()
        if not (math.isfinite(w) and math.isfinite(b)):
            raise watch.parameters_overflowed(epoch, good)
        yield EpochRecord(epoch, loss, w, b, samples, updates)
    loss = impl.full_loss(X, Y)  # the records hold the loss before each epoch: check the last
    if not loss <= limit:
        watch.check(config.epochs, loss, w, b, good, final=True)


def full_data_loss(dataset: Dataset, config: TrainConfig, w: float, b: float) -> float:
    """The loss of (w, b) on all the data, computed the way the chosen implementation does."""
    config.validate()
    if config.impl == "analytic":  # (w, b) as given: a float32 run's batch steps are float64
        return _Analytic(config, w, b, dataset.x, dataset.y).full_loss()
    impl = _make_impl(config, dataset, w, b)
    X, Y = dataset.tensors()
    return impl.full_loss(X, Y)
