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

import math

import numpy as np

from gdstudio.core.numeric import two_product, two_sum

__all__ = ["accurate_dot", "accurate_sum", "compensated", "line_residuals", "refine",
           "rounding"]

EPS = float(np.finfo(np.float64).eps)


def compensated(X, X_lo, Y, Y_lo, w: float, c: float, pair: bool = False):
    """``(Y + Y_lo) - w·(X + X_lo) - c`` (arrays in units of order 1), compensated; with
    ``pair`` as ``(hi, lo)`` unrounded (``hi + lo`` exact to about ``eps²`` of the terms)."""
    p, p_lo = two_product(w, X)
    s, s_lo = two_sum(Y, -p)
    t, t_lo = two_sum(s, -c)
    lo = ((t_lo + s_lo) - p_lo) + (Y_lo - w * X_lo)
    return (t, lo) if pair else t + lo


def accurate_sum(a) -> float:
    """The sum of ``a`` as if in twice float64's precision (pairwise TwoSum, the errors
    summed apart): error about ``eps·|sum| + log2(n)·eps²·Σ|a|``."""
    a = np.asarray(a, dtype=np.float64).ravel()
    err = 0.0
    while a.size > 1:
        if a.size % 2:
            a = np.append(a, 0.0)
        h = a.size // 2
        a, e = two_sum(a[:h], a[h:])
        err += float(np.sum(e))
    return (float(a[0]) if a.size else 0.0) + err


def accurate_dot(a, b) -> float:
    """``Σ a·b`` as :func:`accurate_sum` (the products split exactly first)."""
    p, e = two_product(a, b)
    return accurate_sum(p) + float(np.sum(e))  # (the e are eps of the p: plainly summed)


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
           pivots: tuple[int, ...] = (), r_lo: np.ndarray | None = None
           ) -> tuple[np.ndarray, float, float]:
    """``(r - dw·X - dc, dw, dc)``: the residuals at the exact optimum near the line they
    were taken at, and the step ``(dw, dc)`` from that line to the optimum.

    ``model``: ``"line"`` (``w`` and ``c`` free), ``"slope"`` (``c = 0``), ``"level"`` (``w``
    has no effect) or ``"flat"`` (nothing to fit). ``loss``: ``"mse"`` (least squares);
    ``"mae"`` (the line through the ``pivots``, the data points an exact MAE line passes
    through); ``"huber"`` (least squares while every point is inside ``delta``, else no
    step). A least-squares step below the rounding of its own sums (noisy data, whose
    fitted line is already as close as float64 holds) is not taken.
    """
    r = np.asarray(r, dtype=np.float64)
    if model == "flat" or not r.size:
        return r, 0.0, 0.0
    if model == "level":
        X = np.zeros_like(r)
    if loss == "mae":
        dw, dc = _through_pivots(r, X, model, pivots)
    elif loss == "huber":
        dw, dc = _huber_step(r, X, model, delta)
    else:
        dw, dc = _least_squares_step(r, X, model, r_lo)
    return (r - dw * X) - dc, dw, dc


def _least_squares_step(r, X, model, r_lo=None):
    """The least-squares step. With ``r_lo`` (the residuals' low parts: ``r + r_lo`` exact
    to about eps²) its sums are formed in twice float64's precision, so the step is exact
    also on noisy data (where the fitted line is off by its rounding, which on offset data
    moves b* = ȳ - w*·x̄ by ulp(w)·x̄); without, a step below its sums' rounding is none."""
    exact = r_lo is not None
    lo = r_lo if exact else np.zeros_like(r)

    def total(a, a_lo):
        return accurate_sum(a) + float(np.sum(a_lo)) if exact else float(np.sum(a))

    def dot(a, a_lo, b):
        return accurate_dot(a, b) + float(np.dot(a_lo, b)) if exact else float(np.dot(a, b))

    n = r.size
    rm = total(r, lo) / n
    if model == "level":
        return 0.0, rm
    if model == "slope":
        sxx = float(np.dot(X, X))
        if not sxx > 0:
            return 0.0, 0.0
        return _above_rounding(dot(r, lo, X) / sxx, 0.0, 0.0, r * X, sxx, r, exact)
    xm = float(np.mean(X))
    Xc = X - xm
    sxx = float(np.dot(Xc, Xc))
    if not sxx > 0:
        return 0.0, rm
    num = dot(r, lo, Xc) - rm * float(np.sum(Xc))  # (both factors near 0: plainly)
    return _above_rounding(num / sxx, rm, xm, (r - rm) * Xc, sxx, r, exact)


def _above_rounding(dw, rm, xm, products, sxx, r, exact=False):
    """``(dw, rm - dw·xm)``, each set to 0 where it is below the rounding of the sums it
    comes from: the step is for near-perfect fits, whose residuals are small; on noisy data
    the fitted line is already as close as float64 can hold, and sums of large residuals in
    float64 (not ``exact``) would only add their rounding to it."""
    k = (math.log2(r.size) + 2) * EPS * (8 * EPS if exact else 1.0)
    if abs(dw) <= 8 * k * float(np.sum(np.abs(products))) / sxx:
        dw = 0.0
    dc = rm - dw * xm
    if abs(dc) <= 8 * k * float(np.mean(np.abs(r))):
        dc = 0.0
    return dw, dc


def _through_pivots(r, X, model, pivots):
    if model == "level" and pivots:
        return 0.0, float(r[pivots[0]])
    if model == "slope" and pivots and X[pivots[0]] != 0:
        return float(r[pivots[0]] / X[pivots[0]]), 0.0
    if model == "line" and len(pivots) >= 2 and X[pivots[0]] != X[pivots[1]]:
        p, q = pivots[:2]
        dw = float((r[q] - r[p]) / (X[q] - X[p]))
        return dw, float(r[p] - dw * X[p])
    return 0.0, 0.0


def _huber_step(r, X, model, delta):
    """The least-squares step while every point is inside delta (a near-perfect fit: the
    Huber loss is then half the MSE); none otherwise (the points outside pull with delta,
    and no small step of their sums is to be trusted) or if it would move a point across."""
    if not np.all(np.abs(r) < delta):
        return 0.0, 0.0
    dw, dc = _least_squares_step(r, X, model)
    if not np.all(np.abs((r - dw * X) - dc) < delta):
        return 0.0, 0.0
    return dw, dc
