"""What the data alone says: the least-squares line and the stable learning rate."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .data import Dataset
from .errors import DataError
from .stepsize import StepGuide, centred_moments, lam_max_log, scale_exponent, step_guide

__all__ = ["Optimum", "StepGuide", "closed_form", "hessian_max_eigenvalue",
           "stable_learning_rate", "stable_learning_rate_per_point", "step_guide"]


@dataclass(frozen=True)
class Optimum:
    """The closed-form least-squares line ``y = w*x + b`` and its MSE ``loss``."""

    w: float
    b: float
    loss: float


def closed_form(dataset: Dataset, fit_bias: bool = True) -> Optimum:
    """Least-squares fit in float64 (``numpy.linalg.lstsq``).

    With a single distinct x the line is not unique; the minimum-norm solution is returned.
    """
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point.")
    x = dataset.x.astype(np.float64)
    y = dataset.y.astype(np.float64)
    A = np.column_stack([x, np.ones_like(x)]) if fit_bias else x[:, None]
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    w = float(coef[0])
    b = float(coef[1]) if fit_bias else 0.0
    loss = float(np.mean((w * x + b - y) ** 2))
    return Optimum(w, b, loss)


def hessian_max_eigenvalue(dataset: Dataset, fit_bias: bool = True) -> float:
    """Largest eigenvalue of the Hessian of the MSE loss in (w, b) (``inf`` if it overflows).

    For ``L = mean((w*x + b - y)**2)`` the Hessian is ``2 * [[mean x^2, mean x], [mean x, 1]]``;
    computed from the centred moments (see :mod:`gdstudio.core.stepsize`).
    """
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point.")
    mean, var, k = centred_moments(dataset.x)
    lam_log, _ = lam_max_log(mean, var, k, fit_bias)
    if lam_log == -math.inf:
        return 0.0
    return 2.0**lam_log if lam_log < 1024 else math.inf


def stable_learning_rate(dataset: Dataset, fit_bias: bool = True) -> float:
    """The largest stable learning rate of full-batch MSE descent: ``2 / lambda_max``.

    Learning rates at or above it make plain full-batch descent diverge. ``inf`` when the loss
    has no curvature (all x are 0 without a bias). See :func:`step_guide` for the bound of any
    method, with words for the user.
    """
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point.")
    mean, var, k = centred_moments(dataset.x)
    lam_log, _ = lam_max_log(mean, var, k, fit_bias)
    if lam_log == -math.inf:
        return math.inf
    return 2.0 ** max(1.0 - lam_log, -1074.0)


def stable_learning_rate_per_point(dataset: Dataset, fit_bias: bool = True) -> float:
    """The largest learning rate at which every single-point MSE step is stable.

    One point's loss ``(w*x + b - y)**2`` has Hessian ``2 * [[x^2, x], [x, 1]]``, largest
    eigenvalue ``2 * (x^2 + 1)`` (``2 * x^2`` without a bias), so the bound is
    ``1 / (max x^2 + 1)``. Stochastic descent above it can grow without limit.
    """
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point.")
    k = scale_exponent(dataset.x)
    top = float(np.max(np.abs(np.ldexp(dataset.x.astype(np.float64), -k))))
    lam_log, _ = lam_max_log(top, 0.0, k, fit_bias)
    if lam_log == -math.inf:
        return math.inf
    return 2.0 ** max(1.0 - lam_log, -1074.0)
