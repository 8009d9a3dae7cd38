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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from .data import TORCH_DTYPES, Dataset
from .divergence import DivergenceWatch
from .errors import ConfigError, DataError
from .implementations import _Analytic, _Manual, _Module
from .progress import EpochProgress, Ticker, TrainingControl

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
    dataset: Dataset, config: TrainConfig, control: TrainingControl | None = None,
    progress: Callable[[EpochProgress], None] | None = None,
) -> Iterator[EpochRecord]:
    """Train and yield one :class:`EpochRecord` per epoch.

    Same data, seed and settings give bitwise the same history. The generator may be paused
    between updates through ``control`` (or simply not advanced) without changing any number.
    ``progress`` gets where a long epoch is (see :mod:`.progress`). Stopped through
    ``control`` inside an epoch, the generator returns (as its ``StopIteration`` value) the
    :class:`EpochProgress` reached; :class:`gdstudio.core.lifecycle.TrainingRun` keeps it.

    Raises
    ------
    ConfigError, DataError
        Before the first epoch, for invalid settings or an empty data set.
    TrainingDiverged
        By the rule of :mod:`.divergence`, checked before every epoch and after the last;
        the records yielded before it stand, and its ``epoch`` is their number.
    """
    config.validate(dataset.dtype)
    check_not_empty(dataset)
    return run_epochs(dataset, config, initial_parameters(config, dataset.dtype), control,
                      progress)


def check_not_empty(dataset: Dataset) -> None:
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point before training.")


def run_epochs(dataset: Dataset, config: TrainConfig, init: tuple[float, float],
               control: TrainingControl | None = None,
               progress: Callable[[EpochProgress], None] | None = None):
    """The engine's loop from the start ``init``, for settings already validated for the
    data (:func:`train` does both first); a generator as :func:`train` describes."""
    n = len(dataset)
    w0, b0 = init
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
    tick = None  # between updates: pause, stop, in-epoch progress
    if control is not None or progress is not None:
        tick = Ticker(control, progress, impl.parameters, len(starts))
    if control is not None:  # (a control serves one run)
        control.at_pause = tick.at_pause if progress is not None else None
    watch = DivergenceWatch(dataset, config)  # the divergence rule (see its module)
    samples = updates = 0
    w, b = w0, b0
    good = (w0, b0, None)  # the last parameters with a finite full-data loss, and that loss
    limit = watch.limit  # a loss that is not <= limit (NaN included) goes to the watch

    for epoch in range(config.epochs):
        if checkpoint is not None and checkpoint():
            return None
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
            if tick is not None:
                tick.start(epoch)
            if analytic:
                done = impl.epoch(None if order is None else order.numpy(), size, tick)
                if done is not None:
                    return tick.partial(done)
            else:
                Xe, Ye = (X, Y) if order is None else (X[order], Y[order])
                for done, start in enumerate(starts):
                    if tick is not None:  # tick(done), inlined (see Ticker)
                        tick.done = done
                        if done >= tick.next:
                            tick.clock(done)
                        if checkpoint is not None and checkpoint():
                            return tick.partial(done)
                    step(Xe[start:start + size], Ye[start:start + size])
            if tick is not None:
                tick.end()
            samples += n
            updates += len(starts)
        w, b = impl.parameters()
        if not (math.isfinite(w) and math.isfinite(b)):
            raise watch.parameters_overflowed(epoch, good)
        yield EpochRecord(epoch, loss, w, b, samples, updates)
    loss = impl.full_loss(X, Y)  # the records hold the loss before each epoch: check the last
    if not loss <= limit:
        watch.check(config.epochs, loss, w, b, good, final=True)
    return None


def full_data_loss(dataset: Dataset, config: TrainConfig, w: float, b: float) -> float:
    """The loss of (w, b) on all the data, computed the way the chosen implementation does."""
    config.validate()
    return loss_at(dataset, config, w, b)


def loss_at(dataset: Dataset, config: TrainConfig, w: float, b: float) -> float:
    """:func:`full_data_loss` for settings already validated."""
    if config.impl == "analytic":  # (w, b) as given: a float32 run's batch steps are float64
        return _Analytic(config, w, b, dataset.x, dataset.y).full_loss()
    impl = _make_impl(config, dataset, w, b)
    X, Y = dataset.tensors()
    return impl.full_loss(X, Y)
