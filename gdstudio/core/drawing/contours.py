"""Contour lines of a sampled surface, as line segments, by vectorized marching squares.

The landscape's contours are redrawn within a frame while a point is dragged, so the lines
of every level come from a few whole-array operations (the plotting library's isocurve walks the
grid cell by cell in Python: seconds on a fine grid). Each segment joins the crossings of a
level on two edges of one grid cell, placed by linear interpolation along the edge; a cell
whose four edges are crossed (a saddle) is split by the value at its centre.
"""

from __future__ import annotations

import numpy as np

__all__ = ["contour_segments"]


def contour_segments(values, x, y, levels) -> tuple[np.ndarray, np.ndarray]:
    """The contour lines of ``values[i, j]`` (sampled at ``(x[i], y[j])``) at ``levels``.

    Returns ``(xs, ys)``: consecutive pairs ``(xs[2k], ys[2k])``, ``(xs[2k+1], ys[2k+1])``
    are the ends of one segment (draw with ``connect="pairs"``). Cells with a non-finite
    corner cross no level.
    """
    v = np.asarray(values, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if v.ndim != 2 or v.shape != (x.size, y.size):
        raise ValueError("values must be indexed [x, y] with one row per x and one column per y.")
    if v.shape[0] < 2 or v.shape[1] < 2:
        return np.empty(0), np.empty(0)
    corners = (v[:-1, :-1], v[1:, :-1], v[1:, 1:], v[:-1, 1:])
    with np.errstate(invalid="ignore"):
        low = np.minimum(np.minimum(corners[0], corners[1]), np.minimum(corners[2], corners[3]))
        high = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
    high[~(np.isfinite(low) & np.isfinite(high))] = -np.inf  # such a cell crosses nothing
    low, high = low.ravel(), high.ravel()
    found, at = [], []
    for level in np.atleast_1d(np.asarray(levels, dtype=np.float64)):
        cells = np.flatnonzero((low <= level) & (high > level))
        found.append(cells)
        at.append(np.full(cells.size, level))
    if not found or not sum(c.size for c in found):
        return np.empty(0), np.empty(0)
    i, j = np.divmod(np.concatenate(found), v.shape[1] - 1)
    return _cells(v, x, y, i, j, np.concatenate(at))


def _cut(p, q, level):
    """The fraction from ``p`` to ``q`` where the level lies, within [0, 1] (or NaN): an
    edge the level does not cross gets a fraction that is never used."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.clip((level - p) / (q - p), 0.0, 1.0)


def _between(lo, hi, t):
    """The point a fraction ``t`` (in [0, 1]) of the way from ``lo`` to ``hi``, as a mean
    weighted by ``1 - t`` and ``t``: it never overflows, where ``lo + t·(hi − lo)`` does
    for a cell out at float64's ends (``hi − lo`` can exceed the largest float64)."""
    return lo * (1.0 - t) + hi * t


def _cells(v, x, y, i, j, level):
    """The segments of ``level[k]`` in the cells ``(i[k], j[k])`` (each has corners on
    both sides of its level)."""
    a, b, c, d = v[i, j], v[i + 1, j], v[i + 1, j + 1], v[i, j + 1]
    x0, x1, y0, y1 = x[i], x[i + 1], y[j], y[j + 1]
    # the four edges: bottom (a-b), right (b-c), top (d-c), left (a-d)
    ex = np.stack([_between(x0, x1, _cut(a, b, level)), x1,
                   _between(x0, x1, _cut(d, c, level)), x0])
    ey = np.stack([y0, _between(y0, y1, _cut(b, c, level)), y1,
                   _between(y0, y1, _cut(a, d, level))])
    pa, pb, pc, pd = a > level, b > level, c > level, d > level
    hit = np.stack([pa != pb, pb != pc, pd != pc, pa != pd])
    count = hit.sum(axis=0)
    xs, ys = [], []
    two = np.flatnonzero(count == 2)
    if two.size:
        # the two crossed edges of each cell: the first and the last
        h = hit[:, two]
        first, last = np.argmax(h, axis=0), 3 - np.argmax(h[::-1], axis=0)
        xs.append(np.column_stack([ex[first, two], ex[last, two]]).ravel())
        ys.append(np.column_stack([ey[first, two], ey[last, two]]).ravel())
    four = np.flatnonzero(count == 4)
    if four.size:
        centre = a[four] / 4 + b[four] / 4 + c[four] / 4 + d[four] / 4  # (no overflow)
        centre_with_a = (centre > level[four]) == pa[four]
        # centre on a's side: the lines cut off corners b and d; otherwise a and c
        pairs = np.where(centre_with_a[None, :], np.array([[0], [1], [3], [2]]),
                         np.array([[0], [3], [1], [2]]))
        for first, second in ((0, 1), (2, 3)):
            e1, e2 = pairs[first], pairs[second]
            xs.append(np.stack([ex[e1, four], ex[e2, four]], axis=1).ravel())
            ys.append(np.stack([ey[e1, four], ey[e2, four]], axis=1).ravel())
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys)
