"""What the data alone says: the least-squares line and the stable learning rate."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .data import Dataset
from .errors import DataError


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
    """Largest eigenvalue of the Hessian of the MSE loss in (w, b).

    For ``L = mean((w*x + b - y)**2)`` the Hessian is ``2/N * [[sum x^2, sum x], [sum x, N]]``.
    """
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point.")
    x = dataset.x.astype(np.float64)
    sxx = float(np.mean(x * x))
    if not fit_bias:
        return 2.0 * sxx
    sx = float(np.mean(x))
    H = 2.0 * np.array([[sxx, sx], [sx, 1.0]])
    return float(np.linalg.eigvalsh(H)[-1])


def stable_learning_rate(dataset: Dataset, fit_bias: bool = True) -> float:
    """The largest stable learning rate of full-batch MSE descent: ``2 / lambda_max``.

    Learning rates at or above it make plain full-batch descent diverge.
    """
    lam = hessian_max_eigenvalue(dataset, fit_bias)
    return math.inf if lam <= 0 else 2.0 / lam


def stable_learning_rate_per_point(dataset: Dataset, fit_bias: bool = True) -> float:
    """The largest learning rate at which every single-point MSE step is stable.

    One point's loss ``(w*x + b - y)**2`` has Hessian ``2 * [[x^2, x], [x, 1]]``, largest
    eigenvalue ``2 * (x^2 + 1)`` (``2 * x^2`` without a bias), so the bound is
    ``1 / (max x^2 + 1)``. Stochastic descent above it can grow without limit.
    """
    if len(dataset) == 0:
        raise DataError("The data set is empty: add at least one point.")
    top = float(np.max(dataset.x.astype(np.float64) ** 2)) + (1.0 if fit_bias else 0.0)
    return math.inf if top <= 0 else 1.0 / top
