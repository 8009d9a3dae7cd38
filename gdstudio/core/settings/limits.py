"""What the data's dtype can hold: the limits torch.optim enforces on a run's settings."""

from __future__ import annotations

import math

import numpy as np

from gdstudio.core.errors import ConfigError
from gdstudio.core.settings.description import applicable


def check_dtype_limits(config, dtype) -> None:
    """Raise :class:`ConfigError` for a setting of ``config`` (a ``TrainConfig``) that the
    data's dtype cannot hold.

    The parameters and the optimizer's arithmetic are in the data's dtype. torch.optim
    refuses a learning rate, weight decay or start above float32's largest value for
    float32 parameters ("value cannot be converted to type float without overflow"), and
    Adam's first step is learning rate / (1 - beta1). A positive setting that rounds to
    0 (a learning rate of 1e-50 in float32) is refused the same way.
    """
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in ("float32", "float64"):
        raise ConfigError(f"Unsupported data type {dtype!r}; use float32 or float64.")
    kind = np.dtype(name).type
    largest = float(np.finfo(kind).max)
    smallest = float(np.finfo(kind).smallest_subnormal)
    used = applicable(config)
    values = [("The learning rate", config.learning_rate)]
    if "huber_delta" in used:
        values.append(("The Huber delta", config.huber_delta))
    if config.init_w is not None:
        values.append(("The start w", config.init_w))
    if config.init_b is not None and "init_b" in used:
        values.append(("The start b", config.init_b))
    if "weight_decay" in used:
        values.append(("The weight decay", config.weight_decay))
    if "eps" in used and config.eps is not None:
        values.append(("eps", config.eps))
    for label, value in values:
        value = float(value)
        if abs(value) > largest:
            raise ConfigError(f"{label} {value:g} is too large for {name} data (at most "
                              f"{largest:.7g}).")
        if value != 0 and np.asarray(value, dtype=kind).item() == 0:
            raise ConfigError(f"{label} {value:g} is too small for {name} data: it would "
                              f"round to 0 (the smallest is {smallest:.7g}).")
    if config.impl == "module" and config.optimizer == "adam":
        step = float(config.learning_rate) / (1 - float(config.beta1))  # torch's first step
        if not step <= largest:
            shown = f" = {step:.6g}" if math.isfinite(step) else ""
            raise ConfigError(
                f"Adam's first step, learning rate / (1 - beta1){shown}, is too large for "
                f"{name} data (at most {largest:.7g}); lower the learning rate or beta1.")
