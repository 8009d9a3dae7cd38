"""Learning-rate schedules: the learning rate of each epoch, as ``torch.optim.lr_scheduler``
gives it.

``lr_schedule`` is ``"none"`` (the learning rate stays), ``"step"`` (``StepLR(optimizer,
step_size=lr_step_size, gamma=lr_gamma)``: multiplied by gamma every ``lr_step_size`` epochs)
or ``"exponential"`` (``ExponentialLR(optimizer, gamma=lr_gamma)``: multiplied by gamma every
epoch), with ``scheduler.step()`` called once after each epoch. The module implementation
uses torch's schedulers themselves; the manual and analytic implementations use
:class:`LrSchedule`, which computes the same numbers bit for bit: torch's schedulers compute
the next learning rate recursively, ``lr * gamma`` in Python floats (float64), and so does
this module (never ``lr * gamma ** k``, which rounds differently).
"""

from __future__ import annotations

import numpy as np


def scheduled(config) -> bool:
    """Whether the learning rate of ``config`` changes from epoch to epoch."""
    return getattr(config, "lr_schedule", "none") != "none"


def decays_after(config, epoch: int) -> bool:
    """Whether the learning rate is multiplied by gamma after epoch ``epoch`` (from 0): what
    torch's scheduler does at its ``last_epoch = epoch + 1``."""
    if config.lr_schedule == "exponential":
        return True
    return config.lr_schedule == "step" and (epoch + 1) % config.lr_step_size == 0


class LrSchedule:
    """The learning rate epoch by epoch: :attr:`lr` is the current epoch's; :meth:`step`
    after each epoch (as ``scheduler.step()``)."""

    __slots__ = ("config", "epoch", "lr")

    def __init__(self, config):
        self.config = config
        self.epoch = 0
        self.lr = float(config.learning_rate)

    def step(self) -> float:
        if decays_after(self.config, self.epoch):
            self.lr = self.lr * self.config.lr_gamma
        self.epoch += 1
        return self.lr


def lr_values(config, count: int) -> np.ndarray:
    """The learning rate of epochs ``0 .. count - 1`` (float64), equal bit for bit to what
    torch's scheduler gives (``get_last_lr()`` after each epoch's ``step()``).

    ``np.multiply.accumulate`` multiplies left to right, one product at a time, as the
    scheduler's recursion does; a factor of 1.0 (an epoch without decay) changes nothing.
    """
    count = max(int(count), 0)
    factors = np.ones(count, np.float64)
    if count:
        factors[0] = float(config.learning_rate)
        if config.lr_schedule == "exponential":
            factors[1:] = config.lr_gamma
        elif config.lr_schedule == "step":
            factors[config.lr_step_size::config.lr_step_size] = config.lr_gamma
    return np.multiply.accumulate(factors)


def schedule_words(config) -> str:
    """``'StepLR(step_size=10, gamma=0.5)'``, ``'ExponentialLR(gamma=0.9)'`` or ``''``."""
    if config.lr_schedule == "step":
        return f"StepLR(step_size={config.lr_step_size}, gamma={config.lr_gamma:g})"
    if config.lr_schedule == "exponential":
        return f"ExponentialLR(gamma={config.lr_gamma:g})"
    return ""


def torch_scheduler(config, optimizer):
    """torch's scheduler of ``config`` for ``optimizer`` (``lr_schedule`` not ``"none"``)."""
    from torch.optim import lr_scheduler

    if config.lr_schedule == "step":
        return lr_scheduler.StepLR(optimizer, step_size=config.lr_step_size,
                                   gamma=config.lr_gamma)
    return lr_scheduler.ExponentialLR(optimizer, gamma=config.lr_gamma)


#: The most epochs whose learning rates :func:`lr_curve` computes one by one (exponential
#: decay changes every epoch); the curve stays at the last of them beyond.
CURVE_EPOCHS = 1_000_000


def lr_curve(config, epochs: int, points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """The learning rate over a run of ``epochs`` epochs, to draw as steps: edges ``xs``
    (epochs done, ``len(ys) + 1`` of them) and the rate ``ys`` between two edges, at most
    about ``points`` steps (an even subset of them beyond; the rates are exact)."""
    epochs = max(int(epochs), 1)
    if config.lr_schedule == "step":
        size = config.lr_step_size
        count = -(-epochs // size)  # stretches of constant rate
        factors = np.full(count, float(config.lr_gamma))
        factors[0] = float(config.learning_rate)
        ys = np.multiply.accumulate(factors)
        xs = np.minimum(np.arange(count + 1, dtype=np.float64) * size, epochs)
    else:
        count = min(epochs, CURVE_EPOCHS)
        ys = lr_values(config, count)
        xs = np.arange(count + 1, dtype=np.float64)
        xs[-1] = epochs
    if len(ys) > points:
        keep = np.unique(np.linspace(0, len(ys) - 1, points).astype(np.int64))
        xs = np.append(xs[keep], xs[-1])
        ys = ys[keep]
    return xs, ys
