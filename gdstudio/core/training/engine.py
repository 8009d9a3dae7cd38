"""The training engine: a generator of one immutable record per epoch.

It trains ``y = w*x + b`` exactly as the classic PyTorch tutorials do:

``manual``
    tensors ``w`` and ``b`` with ``requires_grad``, ``loss.backward()``, then
    ``w -= lr * w.grad`` under ``torch.no_grad()`` and the gradients zeroed.
``module``
    ``nn.Linear(1, 1)``, a loss module (``nn.MSELoss`` ...) and a ``torch.optim`` optimizer.

Each record holds the full-data loss of the parameters at the *start* of the epoch and ``w``,
``b`` *after* it, which is the table the tutorials print.

The same loop trains logistic regression, ``p = sigmoid(w*x + b)`` (``config.model ==
"logistic"``, :mod:`gdstudio.core.models.logistic`): what differs between the models (the
implementations, the data check, the divergence watch, the stop rule's gradient) comes from
one place, :func:`gdstudio.core.training.model_parts.parts`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch

from gdstudio.core.data.dataset import Dataset
from gdstudio.core.errors import DataError

# The settings and the record, importable without torch, are defined in .config.
from gdstudio.core.settings.config import (  # noqa: F401  (re-exported)
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
from gdstudio.core.settings.schedule import LrSchedule, scheduled, torch_scheduler
from gdstudio.core.settings.torch_threads import threads_for, torch_threads
from gdstudio.core.training.control import EpochProgress, Ticker, TrainingControl
from gdstudio.core.training.model_parts import parts
from gdstudio.core.training.stoprule import StopRule


def _make_impl(config: TrainConfig, dataset: Dataset, w0: float, b0: float):
    """The implementation of a step of ``config``'s model (see :mod:`.model_parts`)."""
    return parts(config).make_impl(config, dataset, w0, b0)


def train(
    dataset: Dataset, config: TrainConfig, control: TrainingControl | None = None,
    progress: Callable[[EpochProgress], None] | None = None,
) -> Iterator[EpochRecord]:
    """Train and yield one :class:`EpochRecord` per epoch.

    Same data, seed and settings give bitwise the same history. The generator may be paused
    between updates through ``control`` (or simply not advanced) without changing any number.
    ``progress`` gets where a long epoch is (see :mod:`.progress`). Stopped through
    ``control`` inside an epoch, the generator returns (as its ``StopIteration`` value) the
    :class:`EpochProgress` reached; :class:`gdstudio.core.training.lifecycle.TrainingRun` keeps it.

    Raises
    ------
    ConfigError, DataError
        Before the first epoch, for invalid settings or an empty data set.
    TrainingDiverged
        By the rule of :mod:`.divergence`, checked before every epoch and after the last;
        the records yielded before it stand, and its ``epoch`` is their number.
    """
    config.validate(dataset.dtype)
    check_data(dataset, config)
    return run_epochs(dataset, config, initial_parameters(config, dataset.dtype), control,
                      progress)


def check_not_empty(dataset: Dataset) -> None:
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point before training.")


def check_data(dataset: Dataset, config: TrainConfig) -> None:
    """Raise :class:`DataError` for data ``config``'s model cannot train on: an empty data
    set, or (logistic regression) a label that is not 0 or 1."""
    check_not_empty(dataset)
    parts(config).check_data(dataset)


class EngineState:
    """Where a run's engine stands between two stretches of epochs.

    It carries everything a longer run would have carried on with: the implementation (its
    parameters and its optimizer's state: momentum, Adam's moments...), the shuffling
    generator, the learning-rate schedule, the divergence watch, the counters and, for a
    run stopped inside an epoch, that epoch's order, loss and updates done. Passing the same
    state to :func:`run_epochs` again continues the run: a run of 10 epochs continued for 10
    more is bitwise the run of 20 (see :class:`gdstudio.core.training.lifecycle.TrainingRun`).
    Used by one thread at a time.
    """

    def __init__(self, dataset: Dataset, config: TrainConfig, init: tuple[float, float]):
        n = len(dataset)
        w0, b0 = init
        self.impl = impl = _make_impl(config, dataset, w0, b0)
        self.analytic = config.impl == "analytic"
        self.X, self.Y = (None, None) if self.analytic else dataset.tensors()
        shuffle = config.shuffle and config.method != "batch"
        self.generator = torch.Generator().manual_seed(config.seed) if shuffle else None
        size = {"batch": n, "sgd": 1, "minibatch": config.batch_size}[config.method]
        self.size = min(size, n)
        self.starts = range(0, n, self.size)
        self.batch = self.size == n and self.generator is None
        #: Called after each epoch (``scheduler.step()``), or None without a schedule.
        self.advance_lr = lr_stepper(config, impl)
        # the divergence rule (see its module; logistic regression's also watches saturation)
        self.watch = parts(config).watch(dataset, config, impl)
        self.limit = self.watch.limit
        self.samples = self.updates = 0
        self.w, self.b = w0, b0
        #: The last parameters with a finite full-data loss, and that loss.
        self.good = (w0, b0, None)
        #: The next epoch to run (from 0).
        self.epoch = 0
        #: The full-data loss of the current parameters, when already computed (stop rule).
        self.known: float | None = None
        #: An epoch stopped inside: (updates done, its order, its start loss), or None.
        self.resume = None
        #: The first stretch has begun (its path's start is recorded).
        self.started = False


def lr_stepper(config: TrainConfig, impl):
    """What steps the learning rate after each epoch (None: no schedule): the module
    implementation's torch scheduler, or the same recursion for the plain steps."""
    if not scheduled(config):
        return None
    if config.impl == "module":
        return torch_scheduler(config, impl.optimizer).step
    schedule = LrSchedule(config)

    def advance():
        impl.lr = schedule.step()
    return advance


def run_epochs(dataset: Dataset, config: TrainConfig, init: tuple[float, float],
               control: TrainingControl | None = None,
               progress: Callable[[EpochProgress], None] | None = None, path=None,
               state: EngineState | None = None, until: int | None = None):
    """The engine's loop from the start ``init``, for settings already validated for the
    data (:func:`train` does both first); a generator as :func:`train` describes.

    ``path``, a :class:`~gdstudio.core.training.path.PathBuffer`, records the start and then the
    (w, b) after every update of a stochastic or mini-batch run (as the buffer thins it:
    row ``i`` of its points is the parameters after update ``indices()[i]``, 0 the start).
    A full-batch run's path is its history (one update an epoch): it is not recorded.

    ``state`` (an :class:`EngineState`, made here if None) is where the run stands; it runs
    from ``state.epoch`` up to epoch ``until`` (default ``config.epochs``), and is left where
    the run got to, so that a later call with the same state (and the same path buffer)
    continues the run. ``config.tol`` > 0 applies the stop rule (:mod:`.stoprule`): the
    generator then returns a :class:`~gdstudio.core.training.stoprule.Converged` after the record of
    the epoch at whose end it fired.

    torch's kernels run with :func:`~gdstudio.core.settings.torch_threads.threads_for` the
    data's size threads in the thread that advances the generator, as they were once it
    ends (the exported script sets the same count: a sum's rounding depends on it).
    """
    with torch_threads(threads_for(len(dataset))):
        return (yield from _epochs(dataset, config, init, control, progress, path, state,
                                   until))


# The training loop is one function on purpose: it is the hot path, and its steps happen in
# the order the tutorials' loops take them (the parity tests hold it to that, bit for bit).
def _epochs(dataset: Dataset, config: TrainConfig, init: tuple[float, float],  # noqa: C901
            control: TrainingControl | None, progress: Callable[[EpochProgress], None] | None,
            path, state: EngineState | None, until: int | None):
    """:func:`run_epochs`' loop."""
    if state is None:
        state = EngineState(dataset, config, init)
    until = config.epochs if until is None else until
    n = len(dataset)
    impl, analytic, X, Y = state.impl, state.analytic, state.X, state.Y
    step = None if analytic else impl.step
    checkpoint = control.checkpoint if control is not None else None
    generator, size, starts, batch = state.generator, state.size, state.starts, state.batch
    advance_lr = state.advance_lr
    if not state.started:
        state.started = True
        if batch or (path is not None and path.updates):
            path = None  # (a path serves one run)
        if path is not None:
            path.append(state.w, state.b)
    elif batch:
        path = None
    tick = None  # between updates: pause, stop, in-epoch progress, the path
    if control is not None or progress is not None or path is not None:
        tick = Ticker(control, progress, impl.parameters, len(starts), path=path)
    if control is not None:  # (a control serves one run)
        control.at_pause = tick.at_pause if progress is not None else None
    watch = state.watch
    rule = StopRule(dataset.x, dataset.y, config) if config.tol > 0 else None
    samples, updates, w, b, good, limit = (state.samples, state.updates, state.w, state.b,
                                           state.good, state.limit)
    known, resume, state.resume = state.known, state.resume, None
    epoch = next_epoch = state.epoch
    converged = None
    try:
        for epoch in range(state.epoch, until):
            if resume is None and checkpoint is not None and checkpoint():
                return None
            if batch:  # one unshuffled batch: its loss is the record's
                loss = impl.batch_epoch() if analytic else step(X, Y).item()
                if not loss <= limit:
                    limit = watch.check(epoch, loss, w, b, good)
                good = (w, b, loss)
                samples += n
                updates += 1
            else:
                first = 0
                if resume is not None:  # the epoch a stop came inside, from where it came
                    first, order, loss = resume
                    resume = None
                else:
                    loss = impl.full_loss(X, Y) if known is None else known
                    if not loss <= limit:
                        limit = watch.check(epoch, loss, w, b, good)
                    good = (w, b, loss)
                    order = None if generator is None else torch.randperm(n, generator=generator)
                known = None
                if tick is not None:
                    tick.start(epoch)
                if analytic:
                    done = impl.epoch(None if order is None else order.numpy(), size, tick,
                                      first)
                    if done is not None:
                        state.resume = (done, order, loss)
                        return tick.partial(done)
                else:
                    Xe, Ye = (X, Y) if order is None else (X[order], Y[order])
                    made, gap = 0, (0 if path is None else path.gap())  # since the last record
                    for done, start in enumerate(starts[first:], first):
                        if tick is not None:  # tick(done), inlined (see Ticker)
                            tick.done = done
                            if done >= tick.next:
                                tick.clock(done)
                            if checkpoint is not None and checkpoint():
                                if made:
                                    path.advance(made, *impl.parameters())
                                state.resume = (done, order, loss)
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
            if advance_lr is not None:
                advance_lr()
            next_epoch = epoch + 1
            if rule is None:
                yield EpochRecord(epoch, loss, w, b, samples, updates)
                continue
            known = impl.full_loss(X, Y)  # the next epoch's start loss, computed once
            converged = rule.check(epoch, loss, known, w, b)
            yield EpochRecord(epoch, loss, w, b, samples, updates)
            if converged is not None:
                break
        # the records hold the loss before each epoch: check the last
        loss = impl.full_loss(X, Y) if known is None else known
        if not loss <= limit:
            watch.check(next_epoch, loss, w, b, good, final=True)
        return converged
    finally:
        state.samples, state.updates, state.w, state.b = samples, updates, w, b
        state.good, state.limit, state.known = good, limit, known
        state.epoch = next_epoch


def full_data_loss(dataset: Dataset, config: TrainConfig, w: float, b: float) -> float:
    """The loss of (w, b) on all the data, computed the way the chosen implementation does."""
    config.validate()
    parts(config).check_data(dataset)
    return loss_at(dataset, config, w, b)


def loss_at(dataset: Dataset, config: TrainConfig, w: float, b: float) -> float:
    """:func:`full_data_loss` for settings already validated."""
    if config.impl == "analytic":  # (w, b) as given: a float32 run's batch steps are float64
        return parts(config).analytic_loss(config, dataset, w, b)
    impl = _make_impl(config, dataset, w, b)
    X, Y = dataset.tensors()
    with torch_threads(threads_for(len(dataset))):  # as the run computed it
        return impl.full_loss(X, Y)
