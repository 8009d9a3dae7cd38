"""The MAE and Huber loss over (w, b), exact at every grid point, one w column at a time.

For a fixed ``w`` the residual of point i is ``e_i = b - r_i`` with ``r_i = y_i - w·x_i``,
so with the ``r_i`` sorted and their prefix sums (and prefix sums of squares for Huber) the
loss at every ``b`` of the column is a few lookups: ``O(N log N)`` per column instead of
``O(N)`` per grid point. The residuals are computed on data scaled by powers of two and
centred (see :mod:`.numeric`), so offset data does not cancel to noise.

:func:`robust_grid` checks ``should_stop`` between columns, so a caller on a helper thread
can drop a grid the user has moved away from; sampling coarse first and then finer is the
caller's choice of ``shape``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gdstudio.core.numeric import LOG10_2, centre

__all__ = ["robust_grid", "robust_loss"]


def _frame(x, y):
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape or x.size == 0:
        raise ValueError("The landscape needs at least one point, with as many x as y.")
    cx, cy = centre(x), centre(y)
    ux = np.ldexp(cx.u + cx.u_lo, cx.ku)  # xs - x̄s
    uy = np.ldexp(cy.u + cy.u_lo, cy.ku)  # ys - ȳs
    return cx, cy, ux, uy


def _column(r_sorted, csum, csum2, b, kind, delta):
    """Loss (scaled units) at each ``b`` for one w, from sorted residuals ``r``."""
    n = r_sorted.size
    total = csum[-1]
    if kind == "mae":
        k = np.searchsorted(r_sorted, b)
        below = k * b - csum[k]
        above = (total - csum[k]) - (n - k) * b
        return (below + above) / n
    lo = np.searchsorted(r_sorted, b - delta)  # r < b - δ: e > δ
    hi = np.searchsorted(r_sorted, b + delta, side="right")  # r > b + δ: e < -δ
    lin_low = delta * (lo * (b - delta / 2) - csum[lo])
    lin_high = delta * ((total - csum[hi]) - (n - hi) * (b + delta / 2))
    m = hi - lo
    s1, s2 = csum[hi] - csum[lo], csum2[hi] - csum2[lo]
    quad = 0.5 * (m * b * b - 2.0 * b * s1 + s2)
    return (lin_low + np.maximum(quad, 0.0) + lin_high) / n


def robust_grid(x, y, kind: str, w_range, b_range, shape=(65, 65), delta: float = 1.0,
                log: bool = True, should_stop: Callable[[], bool] | None = None):
    """The ``kind`` (``"mae"`` or ``"huber"``) loss of the lines ``y = w·x + b`` on a grid
    of ``shape`` over ``w_range`` × ``b_range`` (ends included), as an array indexed
    ``[w, b]``: ``log10 L`` with ``log``. None when ``should_stop()`` turned true."""
    if kind not in ("mae", "huber"):
        raise ValueError(f"Unknown loss {kind!r} for a sampled landscape.")
    cx, cy, ux, uy = _frame(x, y)
    kx, ky = cx.k, cy.k
    ws = np.ldexp(np.linspace(w_range[0], w_range[1], shape[0]), kx - ky)
    bs = np.ldexp(np.linspace(b_range[0], b_range[1], shape[1]), -ky)
    d = float(np.ldexp(delta, -ky))
    out = np.empty(shape)
    for i, w in enumerate(ws):
        if should_stop is not None and should_stop():
            return None
        # r = ys - w·xs = (uy - w·ux) + (ȳs - w·x̄s): the constant moves to the b axis
        offset = cy.mean - w * cx.mean
        r = np.sort(uy - w * ux)
        csum = np.concatenate(([0.0], np.cumsum(r)))
        csum2 = np.concatenate(([0.0], np.cumsum(r * r))) if kind == "huber" else csum
        out[i] = _column(r, csum, csum2, bs - offset, kind, d)
    power = ky if kind == "mae" else 2 * ky
    if log:
        with np.errstate(divide="ignore"):
            return np.log10(out) + power * LOG10_2
    with np.errstate(over="ignore"):
        return np.ldexp(out, power)


def robust_loss(x, y, kind: str, w: float, b: float, delta: float = 1.0) -> float:
    """The ``kind`` loss of one line, computed directly (the reference for the grid)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    e = w * x + b - y
    a = np.abs(e)
    if kind == "mae":
        return float(np.mean(a))
    with np.errstate(over="ignore"):  # the branch not taken may overflow (a delta of 1e200)
        return float(np.mean(np.where(a < delta, 0.5 * e * e, delta * (a - 0.5 * delta))))
