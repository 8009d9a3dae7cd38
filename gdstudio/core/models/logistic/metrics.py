"""How well (w, b) classifies: accuracy, the decision boundary, the misclassified points.

A point is predicted as class 1 when ``w*x + b > 0`` (p > 0.5), computed in float64 from the
data's values (float32 data widens exactly); a point exactly on the boundary is predicted 0.
"""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "boundary", "misclassified"]


def _predicted(x, w: float, b: float) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):  # inf * 0 and the like: NaN, predicted 0
        return float(w) * x + float(b) > 0


def misclassified(x, y, w: float, b: float) -> np.ndarray:
    """A bool array, True where the prediction ``w*x + b > 0`` disagrees with ``y == 1``."""
    return _predicted(x, w, b) != (np.asarray(y) == 1)


def accuracy(x, y, w: float, b: float) -> float:
    """The fraction of points classified right (NaN for no points)."""
    n = np.asarray(x).shape[0]
    if n == 0:
        return float("nan")
    return float(n - int(np.count_nonzero(misclassified(x, y, w, b)))) / n


def boundary(w: float, b: float) -> float | None:
    """The decision boundary x = -b/w, where p = 0.5; None when w == 0 (no boundary, or
    everywhere when b == 0 too) or the quotient is not finite."""
    w, b = float(w), float(b)
    if w == 0 or not (np.isfinite(w) and np.isfinite(b)):
        return None
    with np.errstate(all="ignore"):
        x = -b / w
    return float(x) if np.isfinite(x) else None
