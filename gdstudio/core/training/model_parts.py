"""The one place the training engine tells the models apart.

:func:`parts` gives, for a run's ``config.model``, what the engine needs of the model: how
to make its implementation of a step, how to check its data, the watch that decides when a
run has diverged (or, for logistic regression, saturated), the analytic path's loss of given
parameters and the gradient the stop rule measures. The engine, the stop rule and the
standardized run use nothing model-specific besides these.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from gdstudio.core.data.dataset import TORCH_DTYPES, Dataset
from gdstudio.core.models.line import implementations as line
from gdstudio.core.models.line.divergence import DivergenceWatch
from gdstudio.core.models.logistic import implementations as logistic
from gdstudio.core.models.logistic.labels import check_labels
from gdstudio.core.models.logistic.saturation import LogisticWatch
from gdstudio.core.models.logistic.sigmoid import gradient as logistic_gradient

__all__ = ["ModelParts", "parts"]


class ModelParts(NamedTuple):
    #: ``make_impl(config, dataset, w0, b0)``: the implementation (step / full_loss /
    #: parameters, and batch_epoch / epoch for the analytic one).
    make_impl: Callable
    #: ``check_data(dataset)``: raises DataError for data the model cannot train on.
    check_data: Callable[[Dataset], None]
    #: ``watch(dataset, config, impl)``: the divergence watch.
    watch: Callable
    #: ``analytic_loss(config, dataset, w, b)``: the analytic path's loss of (w, b) as given.
    analytic_loss: Callable
    #: ``gradient(x, y, w, b, config)``: the full-data gradient (dL/dw, dL/db) in float64.
    gradient: Callable


def _line_impl(config, dataset: Dataset, w0: float, b0: float):
    if config.impl == "analytic":
        if dataset.dtype == "float32":
            # Start where the tutorial's float32 tensors start (torch.tensor(w0) rounds).
            with np.errstate(over="ignore"):
                w0, b0 = float(np.float32(w0)), float(np.float32(b0))
        return line._Analytic(config, w0, b0, dataset.x, dataset.y)
    dtype = TORCH_DTYPES[dataset.dtype]
    return (line._Manual if config.impl == "manual" else line._Module)(config, w0, b0, dtype)


def _line_gradient(x, y, w, b, config) -> tuple[float, float]:
    """The line's full-data gradient: ``mean(g * x)``, ``mean(g)`` with ``g`` the loss's
    derivative in the residual ``e = w x + b - y`` (see :mod:`.stoprule`)."""
    with np.errstate(all="ignore"):
        e = w * x + b - y if config.fit_bias else w * x - y
        if config.loss == "mse":
            g = 2.0 * e
        elif config.loss == "mae":
            g = np.sign(e)
        else:
            g = np.clip(e, -config.huber_delta, config.huber_delta)
        n = e.shape[0]
        gw = float(np.dot(g, x)) / n
        gb = float(np.sum(g)) / n if config.fit_bias else 0.0
    return gw, gb


def _logistic_gradient(x, y, w, b, config) -> tuple[float, float]:
    kind = "mse" if config.loss == "mse" else "ce"
    return logistic_gradient(x, y, w, b, kind, config.fit_bias)


LINE = ModelParts(
    make_impl=_line_impl,
    check_data=lambda dataset: None,
    watch=lambda dataset, config, impl: DivergenceWatch(dataset, config),
    analytic_loss=lambda config, dataset, w, b: line._Analytic(
        config, w, b, dataset.x, dataset.y).full_loss(),
    gradient=_line_gradient,
)

LOGISTIC = ModelParts(
    make_impl=logistic.make_impl,
    check_data=lambda dataset: check_labels(dataset.y),
    watch=LogisticWatch,
    analytic_loss=logistic.analytic_loss,
    gradient=_logistic_gradient,
)

_PARTS = {"line": LINE, "logistic": LOGISTIC}


def parts(config) -> ModelParts:
    """The parts of ``config.model``."""
    return _PARTS[config.model]
