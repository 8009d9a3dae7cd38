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

import math
from collections.abc import Callable, Iterator

import numpy as np
import torch

# The settings and the record, importable without torch, are defined in .config.
from .config import (  # noqa: F401  (re-exported)
    IMPL_LABELS,
    IMPLEMENTATIONS,
    LOSSES,
    METHOD_LABELS,
    METHODS,
    OPTIMIZERS,
    EpochRecord,
    TrainConfig,
    initial_parameters,
)
from .data import TORCH_DTYPES, Dataset
from .divergence import DivergenceWatch
from .errors import DataError
from .implementations import _Analytic, _Manual, _Module
from .progress import EpochProgress, Ticker, TrainingControl


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
               progress: Callable[[EpochProgress], None] | None = None, path=None):
    """The engine's loop from the start ``init``, for settings already validated for the
    data (:func:`train` does both first); a generator as :func:`train` describes.

    ``path``, a :class:`~gdstudio.core.path.PathBuffer`, records the start and then the
    (w, b) after every update of a stochastic or mini-batch run (as the buffer thins it:
    row ``i`` of its points is the parameters after update ``indices()[i]``, 0 the start).
    A full-batch run's path is its history (one update an epoch): it is not recorded."""
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
    batch = size == n and generator is None
    if batch or (path is not None and path.updates):
        path = None  # (a path serves one run)
    if path is not None:
        path.append(w0, b0)
    tick = None  # between updates: pause, stop, in-epoch progress, the path
    if control is not None or progress is not None or path is not None:
        tick = Ticker(control, progress, impl.parameters, len(starts), path=path)
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
        if batch:  # one unshuffled batch: its loss is the record's
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
                made, gap = 0, (0 if path is None else path.gap())  # since the last record
                for done, start in enumerate(starts):
                    if tick is not None:  # tick(done), inlined (see Ticker)
                        tick.done = done
                        if done >= tick.next:
                            tick.clock(done)
                        if checkpoint is not None and checkpoint():
                            if made:
                                path.advance(made, *impl.parameters())
                            return tick.partial(done)
                    step(Xe[start:start + size], Ye[start:start + size])
                    if path is not None:  # .item() only for the updates the path keeps
                        made += 1
                        if made == gap:
                            path.advance(made, *impl.parameters())
                            made, gap = 0, path.gap()
                if made:
                    path.advance(made, *impl.parameters())
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
