"""Residuals exact enough for a loss at its minimum, even when the fit is near-perfect.

A least-squares line rounded to float64 is off its exact value by half an ulp, and on data
that lies on a line to float64's own precision (``y = 0.1·x``) that rounding moves each
residual by as much as the residual itself: the loss at the rounded line is then not the
minimum, and plain residuals ``y - (w·x + b)`` lose every digit to the rounding of ``w·x``.

- :func:`compensated` forms ``Y + Y_lo - w·(X + X_lo) - c`` with error-free products and sums
  (Dekker, Knuth): exact to about ``eps·|r| + eps²·(|Y| + |w·X| + |c|)``;
- :func:`line_residuals` does the same for raw data and a line ``y = w·x + b``;
- :func:`refine` moves those residuals to the exact optimum of their loss (one step of the
  loss's own normal equations on the residuals, which are small, so its rounding is relative
  to them), so the loss computed from them is the true minimum to a few ulps, not the loss
  at the rounded line;
- :func:`rounding` is the noise floor below which a residual is 0 (an exact line).
"""

from __future__ import annotations

import numpy as np

from gdstudio.core.numeric import two_product, two_sum

__all__ = ["compensated", "line_residuals", "refine", "rounding", "split"]

EPS = float(np.finfo(np.float64).eps)


def split(a):
    """``a = hi + lo`` with ``hi`` of 26 bits (Veltkamp), so products of halves are exact."""
    c = 134217729.0 * a  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def compensated(X, X_lo, Y, Y_lo, w: float, c: float) -> np.ndarray:
    """``(Y + Y_lo) - w·(X + X_lo) - c`` (arrays in units of order 1), compensated."""
    p, p_lo = two_product(w, X)
    s, s_lo = two_sum(Y, -p)
    t, t_lo = two_sum(s, -c)
    return t + (((t_lo + s_lo) - p_lo) + (Y_lo - w * X_lo))


def rounding(X, Y, w: float, c: float) -> np.ndarray:
    """The noise floor of :func:`compensated` and :func:`refine` at each point: a residual
    below it cannot be told from 0 (about ``eps²`` of the terms, far below any residual of
    data that does not lie exactly on the line)."""
    return 16 * EPS * EPS * (np.abs(Y) + np.abs(w * X) + abs(c))


def line_residuals(x, y, w: float, b: float) -> np.ndarray:
    """``y - (w·x + b)`` for each point, exact to about ``eps`` of each residual (not of
    ``y``): on ``y ≈ 1e8`` with a spread of a few ulps the plain difference is all rounding.
    Where a product is beyond float64 (a line near 1e308) the plain difference is kept."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        plain = y - (float(w) * x + float(b))
        exact = compensated(x, 0.0, y, 0.0, float(w), float(b))
        return np.where(np.isfinite(exact), exact, plain)


def refine(r: np.ndarray, X: np.ndarray, model: str, loss: str = "mse", delta: float = 1.0,
           pivots: tuple[int, ...] = ()) -> np.ndarray:
    """The residuals ``r - dw·X - dc`` at the exact optimum near the line they were taken at.

    ``model``: ``"line"`` (``w`` and ``c`` free), ``"slope"`` (``c = 0``), ``"level"`` (``w``
    has no effect) or ``"flat"`` (nothing to fit). ``loss``: ``"mse"`` (least squares);
    ``"mae"`` (the line through the ``pivots``, the data points an exact MAE line passes
    through); ``"huber"`` (the normal equations of the points inside ``delta``, the others
    pulling with ``delta``; kept as they are if the step would move a point across ``delta``).
    """
    r = np.asarray(r, dtype=np.float64)
    if model == "flat" or not r.size:
        return r
    if model == "level":
        X = np.zeros_like(r)
    if loss == "mae":
        return _through_pivots(r, X, model, pivots)
    if loss == "huber":
        return _huber_step(r, X, model, delta)
    if model in ("line", "level"):
        r = r - np.mean(r)
    if model == "level":
        return r
    Xc = X - np.mean(X) if model == "line" else X
    sxx = float(np.dot(Xc, Xc))
    return r - (float(np.dot(r, Xc)) / sxx) * Xc if sxx > 0 else r


def _through_pivots(r, X, model, pivots):
    if model == "level" and pivots:
        return r - r[pivots[0]]
    if model == "slope" and pivots and X[pivots[0]] != 0:
        return r - (r[pivots[0]] / X[pivots[0]]) * X
    if model == "line" and len(pivots) >= 2 and X[pivots[0]] != X[pivots[1]]:
        p, q = pivots[:2]
        dw = (r[q] - r[p]) / (X[q] - X[p])
        return r - dw * (X - X[p]) - r[p]
    return r


def _huber_step(r, X, model, delta):
    inner = np.abs(r) < delta
    sign = np.where(inner, 0.0, np.sign(r))
    weights = inner.astype(np.float64)
    W = float(np.sum(weights))
    gx, g1 = delta * float(np.dot(sign, X)), delta * float(np.sum(sign))
    if model == "slope":
        sxx = float(np.dot(weights, X * X))
        if not sxx > 0:
            return r
        dw, dc = (float(np.dot(weights, X * r)) + gx) / sxx, 0.0
    else:
        if W <= 0:
            return r
        xm = float(np.dot(weights, X)) / W
        rm = float(np.dot(weights, r)) / W
        xt = (X - xm) * weights
        sxx = float(np.dot(xt, xt))
        if model == "level":
            dw = 0.0
        elif sxx > 0:
            dw = (float(np.dot(xt, r - rm)) + gx - xm * g1) / sxx
        else:
            return r  # the points inside delta fix no line (not unique)
        dc = rm - dw * xm + g1 / W
    out = r - dw * X - dc
    if np.any((np.abs(out) < delta) != inner):
        return r  # the step crosses a zone's edge: the fit was not at this split's optimum
    return out
