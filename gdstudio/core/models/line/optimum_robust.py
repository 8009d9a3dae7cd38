"""The optimum of the MAE and of the Huber loss, on scaled, centred data.

Both work on arrays ``X``, ``Y`` already scaled and centred (see :mod:`.numeric`), for one of
three models: ``"line"`` (``Y = w X + c``), ``"slope"`` (``Y = w X``, no bias) and ``"level"``
(``Y = c``: every x is the same, so only the height of the line at that x matters).

MAE (least absolute deviations), exact
    ``"level"``: a median. ``"slope"``: the weighted median of ``Y_i / X_i`` with weights
    ``|X_i|``. ``"line"``: Wesolowsky's direct descent (1981): the best line through a pivot
    point is a weighted median of the slopes to the other points (a linear-time weighted
    quickselect), and that point becomes the next pivot; each step lowers the loss, and the
    lines visited pass through two data points, so it ends. At the end the best line through
    *every* point on the line is checked (the loss is piecewise linear, with kinks only where
    a point on the line rotates it), which proves the optimum and tells whether it is unique.
Huber, converged
    iteratively reweighted least squares (weights ``min(1, delta/|r|)``, a descent direction)
    and the exact solution for the current split of the points into quadratic and linear
    zones, each followed as far as the loss falls (an exact line search on the piecewise
    quadratic loss); it stops when that exact solution keeps its own split, which is the
    optimality condition, or, when the points inside the quadratic zone fix no line, where
    the gradient vanishes (then other lines reach the same loss: not unique).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np


@dataclass(frozen=True)
class Fit:
    """A fitted line in scaled units: ``w``, ``c``, whether it is the only optimum, and
    (MAE) the data points it passes through or (not unique) the range of equal slopes."""

    w: float
    c: float
    unique: bool = True
    pivots: tuple[int, ...] = ()
    tie: tuple[int, float, float] | None = None  # (pivot index, slope from, slope to)
    exact: bool = True


def _weighted_median(values: np.ndarray, weights: np.ndarray):
    """(index of a weighted median, index of the next larger value when the weight below and
    up to it is exactly half (a tie: every value between them is as good), else None).

    A weighted quickselect: each round splits the candidates at their median value
    (``numpy.partition``, linear time) and keeps the side holding the half-weight point, so
    it costs a few passes over the data instead of a sort.
    """
    total = float(np.sum(weights))
    half = total / 2
    tol = 1e-13 * total  # the rounding of the sums: within it, exactly half is a tie
    active = np.arange(values.shape[0])
    below = 0.0  # weight of the values known to lie below the candidates
    while active.size > 64:
        v = values[active]
        pivot = np.partition(v, v.size // 2)[v.size // 2]
        less = v < pivot
        equal = v == pivot
        w_less = float(np.sum(weights[active[less]]))
        w_equal = float(np.sum(weights[active[equal]]))
        if below + w_less >= half - tol and np.any(less):
            active = active[less]
        elif below + w_less + w_equal >= half - tol:
            j = int(active[equal][0])
            upto = below + w_less + w_equal
            return j, (_next_above(values, pivot) if upto <= half + tol else None)
        else:
            below += w_less + w_equal
            active = active[v > pivot]
    order = active[np.argsort(values[active], kind="stable")]
    cw = below + np.cumsum(weights[order])
    k = min(int(np.searchsorted(cw, half - tol)), order.size - 1)
    j = int(order[k])
    if cw[k] > half + tol:
        return j, None
    if k + 1 < order.size:
        return j, int(order[k + 1])
    return j, _next_above(values, values[j])


def _next_above(values: np.ndarray, value) -> int | None:
    """The index of the smallest value above ``value``, or None."""
    above = np.nonzero(values > value)[0]
    return int(above[np.argmin(values[above])]) if above.size else None


# ----------------------------------------------------------------------------- MAE


def _differ(a: float, b: float) -> bool:
    """Two slopes (in scaled units, about 1) that differ by more than their rounding."""
    return abs(a - b) > 1e-12 * (abs(a) + abs(b)) + 1e-14


def mae_fit(X: np.ndarray, Y: np.ndarray, model: str) -> Fit:
    if model == "level":
        order = np.argsort(Y, kind="stable")
        n = len(Y)
        k = int(order[(n - 1) // 2])
        if n % 2 == 0 and Y[order[n // 2]] != Y[k]:
            return Fit(0.0, float(Y[k]), False, (k,), (int(order[n // 2]), float(Y[k]),
                                                       float(Y[order[n // 2]])))
        return Fit(0.0, float(Y[k]), True, (k,))
    if model == "slope":
        m = np.nonzero(X != 0)[0]
        ratio = Y[m] / X[m]
        j, tie = _weighted_median(ratio, np.abs(X[m]))
        if tie is not None and _differ(ratio[tie], ratio[j]):
            return Fit(float(ratio[j]), 0.0, False, (int(m[j]),),
                       (-1, float(ratio[j]), float(ratio[tie])))
        return Fit(float(ratio[j]), 0.0, True, (int(m[j]),))
    return _wesolowsky(X, Y)


def _through(X, Y, p):
    """The best line through point p: (other point, slope, tie slope or None, loss)."""
    dx = X - X[p]
    dy = Y - Y[p]
    m = np.nonzero(dx != 0)[0]
    slopes = dy[m] / dx[m]
    j, tie = _weighted_median(slopes, np.abs(dx[m]))
    slope = float(slopes[j])
    tie_slope = float(slopes[tie]) if tie is not None and _differ(slopes[tie], slope) else None
    loss = float(np.sum(np.abs(dy - slope * dx)))
    return int(m[j]), slope, tie_slope, loss


def _wesolowsky(X, Y) -> Fit:
    n = len(X)
    w0 = float(np.dot(X, Y) / np.dot(X, X))
    p = int(np.argmin(np.abs(Y - w0 * X)))
    q, slope, _, loss = _through(X, Y, p)
    for _ in range(10 * n + 100):  # ends long before: the loss falls at each step
        q2, slope2, _, loss2 = _through(X, Y, q)
        if loss2 < loss * (1 - 4e-16):
            p, q, slope, loss = q, q2, slope2, loss2
            continue
        c = float(Y[p] - slope * X[p])
        scale = float(np.max(np.abs(Y)) + abs(slope) * np.max(np.abs(X)))
        if loss <= 1e-13 * scale:  # every point on one line: nothing can beat it
            return Fit(slope, c, True, (p, q))
        # The best line through each point on the line (within rounding) must be this one.
        on_line = np.nonzero(np.abs(Y - slope * X - c) <= 1e-13 * scale)[0]
        better, tie = None, None
        for i in on_line[:200].tolist():
            qi, si, ti, li = _through(X, Y, i)
            if li < loss * (1 - 1e-12):
                better = (qi, si, li)
                p = i
                break
            if ti is not None and tie is None:
                tie = (i, min(si, ti, slope), max(si, ti, slope))
        if better is not None:
            q, slope, loss = better
            continue
        return Fit(slope, c, tie is None, (p, q), tie)
    return Fit(slope, float(Y[p] - slope * X[p]), True, (p, q), exact=False)


#: Up to this many points a near-perfect MAE line (mean residual below NEAR_PERFECT of the
#: data's size) is checked, and moved, in exact rational arithmetic.
EXACT_MAE_POINTS = 200
NEAR_PERFECT = 1e-9


def mae_exact(x: np.ndarray, y: np.ndarray, X: np.ndarray, Y: np.ndarray, fit: Fit,
              model: str) -> Fit:
    """``fit`` checked in exact rational arithmetic on the data ``x``, ``y`` (at most
    :data:`EXACT_MAE_POINTS`) and moved to the true optimum if it is not there.

    On near-perfect data (``y = 0.1·x``) the slopes and losses the float descent compares
    differ only in their rounding, so it may stop at a line whose loss is a few ulps of the
    data above the least one: the loss itself, then, is off by a large factor. The exact
    descent is Wesolowsky's again, from ``fit``'s pivots, and stops where the best line
    through every data point on the line is the line itself (the optimality condition).
    ``X``, ``Y`` are the scaled data the float line ``fit.w``, ``fit.c`` is in."""
    n = len(x)
    if n > EXACT_MAE_POINTS or not fit.exact or model not in ("line", "slope"):
        return fit
    scale = float(np.max(np.abs(Y)) + abs(fit.w) * np.max(np.abs(X)) + abs(fit.c))
    if float(np.mean(np.abs(Y - fit.w * X - fit.c))) > NEAR_PERFECT * scale:
        return fit  # residuals far above the rounding: the float descent compared them well
    xs = [Fraction(float(v)) for v in x]
    ys = [Fraction(float(v)) for v in y]
    if model == "slope":
        items = [(ys[i] / xs[i], abs(xs[i]), i) for i in range(n) if xs[i] != 0]
        i = _exact_weighted_median(items)[1]
        if i == fit.pivots[0]:
            return fit
        return replace(fit, w=float(Y[i] / X[i]), pivots=(i,))
    if len(fit.pivots) < 2:
        return fit

    def loss(p, slope):
        return sum(abs(ys[i] - ys[p] - slope * (xs[i] - xs[p])) for i in range(n))

    p, q = fit.pivots[:2]
    slope = (ys[q] - ys[p]) / (xs[q] - xs[p])
    best = loss(p, slope)
    moved = False
    while best > 0:
        on_line = [i for i in range(n) if ys[i] - ys[p] == slope * (xs[i] - xs[p])]
        for a in on_line:
            items = [((ys[i] - ys[a]) / (xs[i] - xs[a]), abs(xs[i] - xs[a]), i)
                     for i in range(n) if xs[i] != xs[a]]
            s_a, j = _exact_weighted_median(items)
            value = loss(a, s_a)
            if value < best:
                p, q, slope, best, moved = a, j, s_a, value, True
                break
        else:
            break
    if not moved:
        return fit
    w = float((Y[q] - Y[p]) / (X[q] - X[p]))
    return replace(fit, w=w, c=float(Y[p] - w * X[p]), pivots=(p, q))


def _exact_weighted_median(items):
    """``(value, index)`` of a weighted median of ``items`` ``(value, weight, index)``."""
    items = sorted(items)
    half = sum(w for _, w, _ in items) / 2
    acc = Fraction(0)
    for value, weight, i in items:
        acc += weight
        if acc >= half:
            return value, i
    return items[-1][0], items[-1][2]


# ----------------------------------------------------------------------------- Huber


def huber_value(r: np.ndarray, delta: float) -> float:
    """``mean(huber_delta(r))`` as torch computes it: ``r**2/2`` inside, linear outside."""
    a = np.abs(r)
    with np.errstate(over="ignore"):  # the branch not taken may overflow (a delta of 1e200)
        return float(np.mean(np.where(a < delta, 0.5 * r * r, delta * (a - 0.5 * delta))))


def _solve(X, Y, weights, gx, g1, model):
    """The (w, c) solving ``sum weights * a * (Y - a.theta) + (gx, g1) = 0``, centred."""
    W = float(np.sum(weights))
    if model == "level":
        return (0.0, (float(np.dot(weights, Y)) + g1) / W) if W > 0 else None
    if model == "slope":
        sxx = float(np.dot(weights, X * X))
        return ((float(np.dot(weights, X * Y)) + gx) / sxx, 0.0) if sxx > 0 else None
    if W <= 0:
        return None
    xm = float(np.dot(weights, X)) / W
    ym = float(np.dot(weights, Y)) / W
    xt = X - xm
    sxx = float(np.dot(weights, xt * xt))
    if not sxx > 1e-28 * W:
        return None
    w = (float(np.dot(weights, xt * (Y - ym))) + gx - xm * g1) / sxx
    return w, ym - w * xm + g1 / W


def _line_search(X, Y, theta, d, delta) -> float:
    """The exact minimizer t of the Huber loss along ``theta + t d`` (convex, piecewise
    quadratic): the root of its derivative, which is monotone and piecewise linear."""
    s = d[0] * X + d[1]
    r = Y - theta[0] * X - theta[1]
    m = s != 0
    if not np.any(m):
        return 0.0

    def slope(t):  # the derivative, up to a positive factor
        return -float(np.dot(s, np.clip(r - t * s, -delta, delta)))

    points = np.unique(np.concatenate([(r[m] - delta) / s[m], (r[m] + delta) / s[m]]))
    lo, hi = 0, len(points)  # first breakpoint where the derivative is >= 0
    while lo < hi:
        mid = (lo + hi) // 2
        if slope(points[mid]) >= 0:
            hi = mid
        else:
            lo = mid + 1
    if lo == 0:
        left, right = points[0] - 1.0, points[0]
    elif lo == len(points):
        left, right = points[-1], points[-1] + 1.0
    else:
        left, right = points[lo - 1], points[lo]
    t = (left + right) / 2
    inner = np.abs(r - t * s) < delta
    curvature = float(np.dot(s[inner], s[inner]))
    if curvature <= 0:
        return float(t)
    return float(min(max(t - slope(t) / curvature, left), right))


def huber_fit(X: np.ndarray, Y: np.ndarray, model: str, delta: float) -> Fit:
    ones = np.ones_like(X)
    if model == "level":
        X = np.zeros_like(X)

    def loss(theta):
        return huber_value(Y - theta[0] * X - theta[1], delta)

    theta = _solve(X, Y, ones, 0.0, 0.0, model) or (0.0, float(np.median(Y)))
    best = loss(theta)
    for _ in range(500):
        r = Y - theta[0] * X - theta[1]
        inner = np.abs(r) <= delta
        sign = np.where(inner, 0.0, np.sign(r))
        gx = delta * float(np.dot(sign, X))
        g1 = delta * float(np.sum(sign))
        exact = _solve(X, Y, inner.astype(np.float64), gx, g1, model)
        if exact is not None:
            r2 = Y - exact[0] * X - exact[1]
            tol = 1e-12 * delta
            same = np.all(np.where(inner, np.abs(r2) <= delta + tol,
                                   sign * r2 >= delta - tol))
            if same and loss(exact) <= best * (1 + 1e-12) + 1e-300:
                return Fit(exact[0], exact[1], _huber_unique(X, Y, exact, r2, delta, model))
        # Otherwise move downhill: towards that solution, or along the reweighted step,
        # as far as the loss keeps falling (an exact line search).
        weights = np.where(inner, 1.0, delta / np.maximum(np.abs(r), 1e-300))
        moved = False
        for target in (exact, _solve(X, Y, weights, 0.0, 0.0, model)):
            if target is None:
                continue
            d = (target[0] - theta[0], target[1] - theta[1])
            t = _line_search(X, Y, theta, d, delta)
            new = (theta[0] + t * d[0], theta[1] + t * d[1])
            value = loss(new)
            if value < best:
                theta, best, moved = new, value, True
                break
        if not moved:
            break
    # No closed form for these zones (too few points inside the quadratic zone): optimal all
    # the same when the gradient vanishes; then the loss is flat along some direction.
    r = Y - theta[0] * X - theta[1]
    psi = np.clip(r, -delta, delta)
    gradient = max(abs(float(np.dot(psi, X))), abs(float(np.sum(psi))) if model != "slope"
                   else 0.0)
    stationary = gradient <= 1e-12 * delta * float(np.sum(np.abs(X)) + len(X))
    return Fit(theta[0], theta[1], _huber_unique(X, Y, theta, r, delta, model),
               exact=stationary)


def _huber_unique(X, Y, theta, r, delta, model) -> bool:
    """Unique when the points strictly inside the quadratic zone pin the line down. A point
    whose residual is within its rounding of ``delta`` sits on the zone's edge: on one side
    of the line the loss is flat there, so it pins nothing."""
    rounding = 8 * np.finfo(np.float64).eps * (np.abs(Y) + np.abs(theta[0] * X)
                                                + abs(theta[1]) + delta)
    xs = X[np.abs(r) < delta - rounding]
    if model == "level":
        return xs.size > 0
    if model == "slope":
        return bool(np.any(xs != 0))
    return xs.size > 1 and float(np.ptp(xs)) > 0
