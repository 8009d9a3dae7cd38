"""The settings of a run and the record of an epoch: plain Python, importable without torch.

The window builds and checks :class:`TrainConfig` while PyTorch is still loading in the
background (see :mod:`gdstudio.core.torch_loader`); only a start drawn from the seed
(:func:`initial_parameters` with ``init_w`` or ``init_b`` of None) imports torch.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import NamedTuple

from .errors import ConfigError

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
        import torch
        from torch import nn

        from .data import TORCH_DTYPES

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
