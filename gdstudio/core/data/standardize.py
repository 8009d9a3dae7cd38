"""Training on standardized data, and the way back to the data's own units.

Standardizing maps ``x`` to ``(x - mean x) / std x`` (and, when asked, ``y`` likewise): the
MSE landscape turns round (its Hessian becomes ``2·[[1, 0], [0, 1]]`` for standardized x), so
plain gradient descent converges in a few steps where the raw data's stretched bowl makes it
crawl. A line ``y' = ws·x' + bs`` on standardized data is the line

    w = ws · sy / sx          b = my + sy·bs - w·mx

in the original units (``sy = 1``, ``my = 0`` when y is kept as it is). The means and
standard deviations are computed on centred, power-of-two-scaled data (see :mod:`.numeric`),
so offset data such as timestamps standardizes exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gdstudio.core.errors import DataError
from gdstudio.core.numeric import centre, two_product, two_sum

__all__ = ["Standardization"]


def _moments(values: np.ndarray, name: str) -> tuple[float, float]:
    c = centre(values)
    mean = math.ldexp(c.mean + c.mean_lo, c.k)
    std = math.ldexp(math.sqrt(c.var), c.k + c.ku)
    if not (math.isfinite(mean) and math.isfinite(std)):
        raise DataError(f"The {name} values are too large to standardize in float64.")
    return mean, std


@dataclass(frozen=True)
class Standardization:
    """The means and standard deviations that standardize a data set (population std)."""

    x_mean: float
    x_std: float
    y_mean: float = 0.0
    y_std: float = 1.0

    @classmethod
    def of(cls, x, y, standardize_y: bool = True) -> Standardization:
        """The standardization of the points ``(x, y)``; a clear :class:`DataError` when
        x does not vary (every line through the mean x fits equally: nothing to scale)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if x.size == 0:
            raise DataError("The data set is empty: add at least one point.")
        mx, sx = _moments(x, "x")
        if sx == 0:
            raise DataError("Every x is the same, so x cannot be standardized (its spread is "
                            "0); add points with other x values or turn standardizing off.")
        my, sy = _moments(y, "y") if standardize_y else (0.0, 1.0)
        if sy == 0:
            sy = 1.0  # every y the same: centring is enough
        return cls(mx, sx, my, sy)

    @classmethod
    def of_dataset(cls, dataset, standardize_y: bool = True) -> Standardization:
        return cls.of(dataset.x, dataset.y, standardize_y)

    def apply(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """The standardized points, in float64."""
        x = (np.asarray(x, dtype=np.float64) - self.x_mean) / self.x_std
        y = (np.asarray(y, dtype=np.float64) - self.y_mean) / self.y_std
        return x, y

    def apply_dataset(self, dataset):
        """The standardized data set, in the data set's dtype."""
        x, y = self.apply(dataset.x, dataset.y)
        return type(dataset)(x.astype(dataset.x.dtype), y.astype(dataset.y.dtype))

    def to_original(self, ws: float, bs: float) -> tuple[float, float]:
        """``(w, b)`` in the data's units of the standardized line ``(ws, bs)``."""
        w, b = self._original(ws, bs)
        return float(w), float(b)

    def to_original_rows(self, rows) -> np.ndarray:
        """Rows ``(ws, bs)`` (standardized lines, e.g. a descent path) in the data's units:
        each row exactly as :meth:`to_original` gives it (the same operations, elementwise)."""
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, 2)
        with np.errstate(over="ignore", invalid="ignore"):
            w, b = self._original(rows[:, 0], rows[:, 1])
        return np.column_stack([w, b])

    def _original(self, ws, bs):
        w = ws * (self.y_std / self.x_std)
        # b = (my + sy·bs) - w·mx, with the products and the sum compensated: on offset
        # data my and w·mx are large and nearly equal
        p, p_lo = two_product(w, self.x_mean)
        q, q_lo = two_product(self.y_std, bs)
        s, s_lo = two_sum(self.y_mean, q)
        t, t_lo = two_sum(s, -p)
        return w, t + (t_lo + s_lo + q_lo - p_lo)

    def to_standardized(self, w: float, b: float) -> tuple[float, float]:
        """``(ws, bs)`` of the line ``(w, b)`` given in the data's units."""
        ws = w * (self.x_std / self.y_std)
        p, p_lo = two_product(w, self.x_mean)
        s, s_lo = two_sum(b, p)
        t, t_lo = two_sum(s, -self.y_mean)
        return float(ws), float((t + (t_lo + s_lo + p_lo)) / self.y_std)

    def loss_to_original(self, loss: float, kind: str = "mse") -> float:
        """A loss on standardized data in the data's units: MSE scales by ``sy²``, MAE by
        ``sy`` (Huber mixes both and has no single factor: its delta is in standardized
        units)."""
        if kind == "mse":
            return loss * self.y_std * self.y_std
        if kind == "mae":
            return loss * self.y_std
        raise ValueError("The Huber loss of standardized data has no single factor to the "
                         "data's units; compute it on the data instead.")
