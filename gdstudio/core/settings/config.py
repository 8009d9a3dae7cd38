"""A run's settings: :class:`TrainConfig`, whose defaults and checks come from the one
description of the training settings (:mod:`gdstudio.core.settings.description`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

from gdstudio.core.errors import ConfigError
from gdstudio.core.settings.description import (
    DEFAULTS,
    IMPL_LABELS,
    IMPLEMENTATIONS,
    LOSS_LABELS,
    LOSSES,
    METHOD_LABELS,
    METHODS,
    MODEL_LABELS,
    MODEL_LOSSES,
    MODELS,
    OPTIMIZER_LABELS,
    OPTIMIZERS,
    SETTINGS,
    applicable,
    run_label,
)

__all__ = ["IMPLEMENTATIONS", "IMPL_LABELS", "LOSSES", "METHODS", "METHOD_LABELS", "MODELS",
           "MODEL_LOSSES", "OPTIMIZERS",
           "EpochRecord", "TrainConfig", "initial_parameters"]

_D = DEFAULTS


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a run, besides the data.

    ``init_w`` / ``init_b`` of ``None`` draw the start from ``seed`` the way
    ``torch.manual_seed(seed); nn.Linear(1, 1)`` does. The fields, their defaults and their
    ranges are :data:`gdstudio.core.settings.description.SETTINGS`; which of them a run uses is
    :func:`gdstudio.core.settings.description.applicable`.
    """

    model: str = _D["model"]  # "line" or "logistic" (see description.MODEL_LOSSES)
    method: str = _D["method"]
    impl: str = _D["impl"]
    optimizer: str = _D["optimizer"]
    loss: str = _D["loss"]
    learning_rate: float = _D["learning_rate"]
    epochs: int = _D["epochs"]
    batch_size: int = _D["batch_size"]
    init_w: float | None = _D["init_w"]
    init_b: float | None = _D["init_b"]
    seed: int = _D["seed"]
    shuffle: bool = _D["shuffle"]
    fit_bias: bool = _D["fit_bias"]
    momentum: float = _D["momentum"]
    nesterov: bool = _D["nesterov"]
    weight_decay: float = _D["weight_decay"]
    beta1: float = _D["beta1"]
    beta2: float = _D["beta2"]
    alpha: float = _D["alpha"]
    eps: float | None = _D["eps"]  # None: the optimizer's own default (1e-8, Adagrad 1e-10)
    huber_delta: float = _D["huber_delta"]
    standardize: bool = _D["standardize"]  # train on standardized x and y (see .standardize)
    tol: float = _D["tol"]  # the stop rule's tolerance, 0 = off (see .stoprule)
    lr_schedule: str = _D["lr_schedule"]  # "none", "step", "exponential" (see .schedule)
    lr_step_size: int = _D["lr_step_size"]
    lr_gamma: float = _D["lr_gamma"]

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def validate(self, dtype: str | None = None) -> None:
        """Raise :class:`ConfigError` with a clear message for any invalid setting.

        Each setting is checked against its range in the description, in the order of the
        fields; then the rules between settings. With ``dtype``, the data's (``"float32"`` or
        ``"float64"``), also check that every number the run computes with fits that type
        (:mod:`gdstudio.core.settings.limits`).
        """
        for setting in SETTINGS:
            if setting.kind == "bool":
                continue
            problem = setting.problem(getattr(self, setting.name))
            if problem:
                raise ConfigError(problem)
        if self.loss not in MODEL_LOSSES[self.model]:
            allowed = ", ".join(MODEL_LOSSES[self.model])
            raise ConfigError(
                f"The {LOSS_LABELS[self.loss]} loss is not one of the {MODEL_LABELS[self.model]} "
                f"model's losses; choose one of {allowed}.")
        if self.model != "line" and self.standardize:
            raise ConfigError("Standardizing centres and scales y, and the labels of logistic "
                              "regression are 0 or 1: turn standardizing off.")
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
        if self.standardize and not self.fit_bias:
            raise ConfigError("Standardizing centres x and y, so the line needs its bias b: "
                              "fit the bias or turn standardizing off.")
        if dtype is not None:
            from gdstudio.core.settings.limits import check_dtype_limits

            check_dtype_limits(self, dtype)

    def describe(self) -> str:
        """A short label such as ``'mini-batch (B=10), manual autograd, lr=0.1'``."""
        method = METHOD_LABELS[self.method]
        if self.method == "minibatch":
            method += f" (B={self.batch_size})"
        impl = IMPL_LABELS[self.impl]
        if self.impl == "module":
            impl = f"nn.Linear + {self.optimizer_label()}"
        text = f"{method}, {impl}, lr={self.learning_rate:g}"
        return text if self.model == "line" else f"{MODEL_LABELS[self.model]}, {text}"

    def short_label(self) -> str:
        """A legend-sized label (see :func:`gdstudio.core.settings.description.run_label`)."""
        return run_label(self)

    def optimizer_label(self) -> str:
        """The optimizer, with its momentum when it has one: ``'SGD(momentum=0.9, nesterov)'``,
        ``'RMSprop(momentum=0.5)'`` (:func:`~gdstudio.core.settings.description.optimizer_text`
        names
        every non-default setting)."""
        name = OPTIMIZER_LABELS[self.optimizer]
        if "momentum" in applicable(self) and self.momentum:
            nesterov = ", nesterov" if self.nesterov and self.optimizer == "sgd" else ""
            name += f"(momentum={self.momentum:g}{nesterov})"
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

        from gdstudio.core.data.dataset import TORCH_DTYPES

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
